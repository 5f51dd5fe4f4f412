import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { multipart } from '../helpers/multipart.js';
import { createOfflineProject, waitForTask } from '../helpers/projects.js';
import { reindexPaths } from '../../src/services/rag/reindex-switch.js';

const P = '/v1/projects/org/rx';
const TEXT = (i: number) => `Llama ${i} sleeps in the barn number ${i}. The barn is warm in winter. Hay is stored in the loft.\n\nAlpacas are smaller than llamas ${i}.\n`;

describe('Re-index a database when its embedder changes', () => {
  let t: TestApp;
  let config: any;
  before(async () => {
    t = await makeTestApp();
    config = await createOfflineProject(t.app, 'org', 'rx', { dimension: 64 });
    await t.app.inject({ method: 'POST', url: `${P}/datasets`, payload: { name: 'docs', data_processing_strategy: 'universal_processor', database: 'main_database' } });
    const { payload, headers } = multipart(Array.from({ length: 5 }, (_, i) => ({ field: 'files', filename: `n${i}.md`, content: TEXT(i), contentType: 'text/markdown' })));
    const up = json(await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/data/bulk?auto_process=true`, payload, headers }));
    assert.equal((await waitForTask(t.app, 'org', 'rx', up.task_id)).state, 'SUCCESS');
  });
  after(async () => t.close());

  const setEmbedder = async (strategy: Record<string, unknown>) => {
    config.rag.databases[0].embedding_strategies = [{ name: 'default_embeddings', ...strategy }];
    const put = await t.app.inject({ method: 'PUT', url: P, payload: { config } });
    assert.equal(put.statusCode, 200, put.body);
  };
  const query = () => t.app.inject({ method: 'POST', url: `${P}/rag/query`, payload: { query: 'warm barn in winter', database: 'main_database' } });

  test('an embedder that is down: FAILURE with the reason, the old vectors still answer', async () => {
    await setEmbedder({ type: 'OllamaEmbedder', config: { model: 'nomic-embed-text', base_url: 'http://127.0.0.1:9', max_retries: 0, timeout: 2 } });
    const res = await t.app.inject({ method: 'POST', url: `${P}/rag/databases/main_database/reindex` });
    assert.equal(res.statusCode, 202, res.body);
    const task = await waitForTask(t.app, 'org', 'rx', json(res).task_id);
    assert.equal(task.state, 'FAILURE');
    assert.match(task.error, /embedder OllamaEmbedder failed/);
    assert.match(task.error, /old vectors still answer/);
    const stats = json(await t.app.inject(`${P}/rag/stats`));
    assert.equal(stats.dimension, 64);
    assert.ok(stats.chunks >= 5);
    const dir = t.ctx.layout.storeDir('org', 'rx', 'main_database');
    assert.equal(existsSync(reindexPaths(dir).building), false, 'the unfinished build is removed');
  });

  test('a changed embedder is refused by queries until re-indexed; re-index switches to the new vectors', async () => {
    await setEmbedder({ type: 'HashingEmbedder', config: { dimension: 32 } });
    const refused = await query();
    assert.equal(refused.statusCode, 400, refused.body);
    assert.match(json(refused).detail, /reindex/);
    const before = json(await t.app.inject(`${P}/rag/stats`)).chunks;
    const res = await t.app.inject({ method: 'POST', url: `${P}/rag/databases/main_database/reindex` });
    assert.equal(res.statusCode, 202, res.body);
    const events = await t.app.inject(`${P}/tasks/${json(res).task_id}/events`);
    const task = await waitForTask(t.app, 'org', 'rx', json(res).task_id);
    assert.equal(task.state, 'SUCCESS', JSON.stringify(task));
    assert.equal(task.result.reindexed_chunks, before);
    assert.match(events.body, /event: state/);
    const stats = json(await t.app.inject(`${P}/rag/stats`));
    assert.equal(stats.dimension, 32);
    assert.equal(stats.chunks, before);
    const ok = await query();
    assert.equal(ok.statusCode, 200, ok.body);
    assert.ok(json(ok).results.length >= 1);
    assert.match(json(ok).results[0].content, /barn/);
    const dir = t.ctx.layout.storeDir('org', 'rx', 'main_database');
    const p = reindexPaths(dir);
    assert.equal(existsSync(p.building) || existsSync(p.complete) || existsSync(p.old), false, 'nothing left beside the store');
  });

  test('re-index errors: unknown database 404', async () => {
    const res = await t.app.inject({ method: 'POST', url: `${P}/rag/databases/nope/reindex` });
    assert.equal(res.statusCode, 404);
    assert.ok(json(res).detail);
  });
});
