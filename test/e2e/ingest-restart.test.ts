/**
 * Killing the server mid-task and restarting it ends the task in SUCCESS or FAILURE with no duplicate chunks
 * (decision 0008): the interrupted task is re-run idempotently from the durable queue.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { needShared, sharedPath } from '../helpers/shared.js';
import { startServerProcess, api } from '../helpers/server-process.js';
import { createStore } from '../../src/adapters/stores/registry.js';

const BIG = ['corpora', 'longtext', 'war-and-peace.txt'] as const;
const PDF = ['corpora', 'docs', 'unstructured', 'pdf', 'DA-619p.pdf'] as const;

test('a task interrupted by SIGKILL is finished after a restart, without duplicate chunks', { skip: needShared(...BIG) || needShared(...PDF), timeout: 600_000 }, async () => {
  const dataDir = await tempDir('lf-restart-');
  let server = await startServerProcess(dataDir);
  try {
    const P = '/v1/projects/crash/test';
    assert.equal((await api(server.url, '/v1/projects/crash', { method: 'POST', body: { name: 'test', config_template: 'rag' } })).status, 200);
    const { body: got } = await api(server.url, P);
    const config = got.project.config;
    config.rag.databases[0].embedding_strategies = [{ name: 'default_embeddings', type: 'HashingEmbedder', config: { dimension: 128 } }];
    assert.equal((await api(server.url, P, { method: 'PUT', body: { config } })).status, 200);
    assert.equal((await api(server.url, `${P}/datasets`, { method: 'POST', body: { name: 'books', data_processing_strategy: 'universal_processor', database: 'main_database' } })).status, 200);
    for (const parts of [PDF, BIG]) {
      const form = new FormData();
      form.append('file', new Blob([await readFile(sharedPath(...parts))]), parts[parts.length - 1]);
      const res = await fetch(`${server.url}${P}/datasets/books/data`, { method: 'POST', body: form });
      assert.equal(res.status, 200, await res.text());
    }
    const { body: action } = await api(server.url, `${P}/datasets/books/actions`, { method: 'POST', body: { action_type: 'process' } });
    const taskId = action.task_id;
    // Wait until the task is really working, then kill the process without any chance to clean up.
    for (let i = 0; ; i++) {
      const { body: t } = await api(server.url, `${P}/tasks/${taskId}`);
      if (t.state === 'STARTED' && t.meta?.stage) break;
      assert.ok(i < 600, `task never started: ${JSON.stringify(t)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await server.stop('SIGKILL');

    server = await startServerProcess(dataDir);
    let task: any;
    for (let i = 0; ; i++) {
      task = (await api(server.url, `${P}/tasks/${taskId}`)).body;
      if (task.state === 'SUCCESS' || task.state === 'FAILURE') break;
      assert.ok(i < 4000, `task stuck in ${task.state}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(task.state, 'SUCCESS', JSON.stringify(task).slice(0, 1000));
    assert.equal(task.result.failed_files, 0, JSON.stringify(task.result.files.map((d: any) => d.error)));
    const expected = task.result.files.reduce((a: number, d: any) => a + d.chunks, 0);
    assert.ok(expected > 100);
    assert.equal(await server.stop('SIGTERM'), 0);

    const store = await createStore('LanceDBStore', { dir: join(dataDir, 'projects', 'crash', 'test', 'lf_data', 'stores', 'main_database'), database: 'main_database', config: {} });
    try {
      assert.equal(await store.count(), expected, 'every chunk stored exactly once');
    } finally {
      await store.close();
    }
  } finally {
    await server.stop('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
});
