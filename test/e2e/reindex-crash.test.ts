/**
 * kill -9 during a re-index, then restart: the old vectors kept answering, nothing half-built is served, and the
 * re-queued task finishes the re-index on the restarted server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { needShared, sharedPath } from '../helpers/shared.js';
import { startServerProcess, api, type ServerProcess } from '../helpers/server-process.js';

const BOOK = ['corpora', 'longtext', 'war-and-peace.txt'];
const P = '/v1/projects/rx/crash';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitTask(url: string, id: string, ms = 300_000): Promise<any> {
  const t0 = Date.now();
  for (;;) {
    const t = (await api(url, `${P}/tasks/${id}`)).body;
    if (['SUCCESS', 'FAILURE', 'REVOKED'].includes(t.state)) return t;
    if (Date.now() - t0 > ms) throw new Error(`task still ${t.state}`);
    await sleep(100);
  }
}

test('kill -9 during a re-index, then restart', { skip: needShared(...BOOK), timeout: 600_000 }, async () => {
  const dataDir = await tempDir('lf-rx-crash-');
  let server: ServerProcess | undefined;
  try {
    server = await startServerProcess(dataDir);
    assert.equal((await api(server.url, '/v1/projects/rx', { method: 'POST', body: { name: 'crash', config_template: 'rag' } })).status, 200);
    const config = (await api(server.url, P)).body.project.config;
    const setDim = async (dimension: number) => {
      config.rag.databases[0].embedding_strategies = [{ name: 'default_embeddings', type: 'HashingEmbedder', config: { dimension } }];
      assert.equal((await api(server!.url, P, { method: 'PUT', body: { config } })).status, 200);
    };
    await setDim(64);
    assert.equal((await api(server.url, `${P}/datasets`, { method: 'POST', body: { name: 'books', data_processing_strategy: 'universal_processor', database: 'main_database' } })).status, 200);
    const form = new FormData();
    form.append('file', new Blob([await readFile(sharedPath(...BOOK))]), 'war-and-peace.txt');
    const up = await fetch(`${server.url}${P}/datasets/books/data?auto_process=true`, { method: 'POST', body: form });
    const upBody = (await up.json()) as any;
    assert.equal((await waitTask(server.url, upBody.task_id)).state, 'SUCCESS');
    const before = (await api(server.url, `${P}/rag/stats`)).body;
    assert.equal(before.dimension, 64);

    await setDim(48);
    const started = await api(server.url, `${P}/rag/databases/main_database/reindex`, { method: 'POST' });
    assert.equal(started.status, 202);
    const id = started.body.task_id;
    // Killed once some chunks are re-embedded and the switch has not happened.
    for (let i = 0; i < 3000; i++) {
      const t = (await api(server.url, `${P}/tasks/${id}`)).body;
      if (t.state === 'STARTED' && t.meta?.stage === 'embed' && t.meta.current > 0) break;
      assert.ok(!['SUCCESS', 'FAILURE'].includes(t.state), `the re-index ended before it could be killed: ${JSON.stringify(t)}`);
      await sleep(5);
    }
    await server.stop('SIGKILL');
    const storeDir = join(dataDir, 'projects', 'rx', 'crash', 'lf_data', 'stores', 'main_database');
    assert.ok(existsSync(storeDir), 'the old store is still in place');

    server = await startServerProcess(dataDir);
    const done = await waitTask(server.url, id);
    assert.equal(done.state, 'SUCCESS', JSON.stringify(done));
    const after = (await api(server.url, `${P}/rag/stats`)).body;
    assert.equal(after.dimension, 48);
    assert.equal(after.chunks, before.chunks);
    const q = await api(server.url, `${P}/rag/query`, { method: 'POST', body: { query: 'Pierre and Natasha', database: 'main_database' } });
    assert.equal(q.status, 200, JSON.stringify(q.body));
    assert.ok(q.body.results.length >= 1);
    assert.equal(existsSync(`${storeDir}.reindex`), false);
  } finally {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
