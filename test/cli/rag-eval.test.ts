/**
 * `lf rag eval` and `lf projects export/import` against a real `lf serve`: the 400 advice with no judgments, the
 * comparison table, and an export → delete → import round trip with the same query results.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { createOfflineProject, runLf, spawnServer, type LfRun, type ServerProcess } from './harness.js';

const FILES: Record<string, string> = {
  'shearing.md': 'Shear llamas once a year, in spring, before the hot weather arrives.',
  'feeding.md': 'Llamas eat grass and hay, about two percent of their body weight every day.',
};

describe('lf rag eval', () => {
  let server: ServerProcess;
  let lf: (args: string[]) => Promise<LfRun>;
  const api = async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${server.url}/v1/projects/org/evl${path}`, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
    return res.json();
  };

  before(async () => {
    server = await spawnServer();
    lf = (args) => runLf(['--server', server.url, ...args], { env: { LF_NAMESPACE: 'org', LF_PROJECT: 'evl' } });
    await createOfflineProject(server.url, 'org', 'evl');
    await api('POST', '/datasets', { name: 'docs', data_processing_strategy: 'universal_processor', database: 'main_database' });
    for (const [name, text] of Object.entries(FILES)) {
      const form = new FormData();
      form.append('file', new Blob([text], { type: 'text/markdown' }), name);
      const up = await fetch(`${server.url}/v1/projects/org/evl/datasets/docs/data`, { method: 'POST', body: form });
      assert.equal(up.status, 200, await up.text());
    }
    const started = await api('POST', '/datasets/docs/actions', { action_type: 'process' });
    for (let i = 0; i < 600; i++) {
      const task = await api('GET', `/tasks/${started.task_id}`);
      if (task.state === 'SUCCESS') break;
      assert.notEqual(task.state, 'FAILURE', JSON.stringify(task));
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(async () => server?.stop());

  test('no judgments: exit 1 with the advice; with judgments: a table per strategy', async () => {
    const empty = await lf(['rag', 'eval']);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /rag\/judgments/);

    const hits = (await api('POST', '/rag/query', { query: 'when to shear llamas', top_k: 10 })).results;
    const shear = hits.find((h: any) => h.metadata.source === 'shearing.md');
    assert.ok(shear);
    await api('POST', '/rag/judgments', { query: 'when to shear llamas', document_id: shear.document_id, relevance: 2 });

    const r = await lf(['rag', 'eval', '-k', '5', '--strategy', 'basic_search', 'hybrid_search']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /^1 queries, database main_database/);
    assert.match(lines[1], /^config\s+strategy\s+nDCG@5\s+Recall@5\s+Recall@100\s+MRR@5\s+p50 ms\s+p95 ms\s+q\/s$/);
    assert.match(lines[3], /^basic_search\s+basic_search\s+1\.0000\s+1\.0000\s+1\.0000\s+1\.0000/);
    assert.match(lines[4], /^hybrid_search\s+hybrid_search\s+/);

    const j = JSON.parse((await lf(['rag', 'eval', '--json'])).stdout);
    assert.equal(j.configs.length, 1);
    assert.equal(j.configs[0].per_query[0].ranks[shear.document_id], 1);
  });

  test('projects export, delete, import: same query results', async () => {
    const dir = await tempDir('lf-archive-');
    try {
      const before = await api('POST', '/rag/query', { query: 'when to shear llamas', top_k: 5 });
      const file = join(dir, 'evl.tar.gz');
      const ex = await lf(['projects', 'export', 'evl', '-o', file, '--include', 'files,vectors,judgments']);
      assert.equal(ex.code, 0, ex.stderr);
      assert.match(ex.stdout, /^Exported org\/evl to .*evl\.tar\.gz \(\d+ bytes\)/);
      assert.equal((await lf(['projects', 'delete', 'evl'])).code, 0);
      const im = await lf(['projects', 'import', file]);
      assert.equal(im.code, 0, im.stderr);
      assert.match(im.stdout, /^Imported org\/evl \(0 sessions\)/);
      const after = await api('POST', '/rag/query', { query: 'when to shear llamas', top_k: 5 });
      assert.deepEqual(after.results, before.results);
      const again = await lf(['projects', 'import', file]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /already exists/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
