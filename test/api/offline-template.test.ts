/** Issue #14 item 6: the `offline` template works with no download; chat without a model is a 400 saying how. */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { multipart } from '../helpers/multipart.js';
import { waitForTask } from '../helpers/projects.js';

describe('the offline template', () => {
  let t: TestApp;
  const P = '/v1/projects/org/off';
  before(async () => {
    // The HashingEmbedder needs no model: nothing here can reach a hub (this machine has no network either).
    t = await makeTestApp();
  });
  after(async () => t.close());

  test('create, upload, process and query with nothing downloaded', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/v1/projects/org', payload: { name: 'off', config_template: 'offline' } });
    assert.equal(created.statusCode, 200, created.body);
    const config = json(created).project.config;
    assert.deepEqual(config.runtime.models, []);
    assert.equal(config.rag.databases[0].embedding_strategies[0].type, 'HashingEmbedder');
    assert.equal(config.rag.databases[0].default_retrieval_strategy, 'hybrid_search');
    const ds = await t.app.inject({ method: 'POST', url: `${P}/datasets`, payload: { name: 'docs', data_processing_strategy: 'universal_processor', database: 'main_database' } });
    assert.equal(ds.statusCode, 200, ds.body);
    const { payload, headers } = multipart([{ filename: 'care.md', content: '# Shearing\n\nShear llamas once a year, in spring.\n\n# Feeding\n\nLlamas eat grass and hay.\n' }]);
    assert.equal((await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/data`, payload, headers })).statusCode, 200);
    const started = json(await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/actions`, payload: { action_type: 'process' } }));
    const task = await waitForTask(t.app, 'org', 'off', started.task_id, 120_000);
    assert.equal(task.state, 'SUCCESS', JSON.stringify(task));
    assert.equal(task.result.failed_files, 0);
    const q = await t.app.inject({ method: 'POST', url: `${P}/rag/query`, payload: { query: 'when to shear llamas', top_k: 1 } });
    assert.equal(q.statusCode, 200, q.body);
    assert.match(json(q).results[0].content, /Shear llamas once a year/);
  });

  test('chat without a model: 400 saying how to add one', async () => {
    const res = await t.app.inject({ method: 'POST', url: `${P}/chat/completions`, payload: { messages: [{ role: 'user', content: 'hi' }] } });
    assert.equal(res.statusCode, 400, res.body);
    assert.match(json(res).detail, /^This project has no chat model yet \(runtime\.models is empty; retrieval works without one\)\. To chat, add a model under runtime\.models .*provider: universal.*lf models pull.*provider: ollama.*provider: openai/);
  });
});
