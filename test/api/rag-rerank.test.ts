/**
 * CrossEncoderRerankedStrategy through the API with rerankers from `runtime.models`: an OpenAI-compatible
 * server (the protocol-exact fake, Cohere-style `results` flavour), and the universal runtime in-process with
 * node-llama-cpp — a real GGUF that is not a reranker, and a missing file, both degrading to the base order.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { createOfflineProject } from '../helpers/projects.js';
import { MODELS, needShared } from '../helpers/shared.js';
import { disposeLlama } from '../../src/adapters/llama/instance.js';
import { RerankFake } from '../fakes/rerank-fake.js';
import { DOCS, SKIP, ingest } from './rag-fixtures.js';

const P = '/v1/projects/org/farm';
const skip = SKIP || needShared('models', 'glove-6B-100d-16k-static-bert-f16.gguf');

describe('cross-encoder reranking with runtime models', { skip }, () => {
  let t: TestApp;
  const fake = new RerankFake('results');
  const ask = async (model: string) => {
    const res = await t.app.inject({ method: 'POST', url: `${P}/rag/query`, payload: { query: 'password reset email', retrieval_strategy: 'cross', rerank_model: model, top_k: 3 } });
    assert.equal(res.statusCode, 200, res.body);
    return json(res);
  };

  before(async () => {
    await fake.start();
    t = await makeTestApp();
    await createOfflineProject(t.app, 'org', 'farm');
    await t.ctx.projects.mutate('org', 'farm', (c) => {
      c.runtime.models = [
        ...(c.runtime.models ?? []),
        { name: 'remote', provider: 'openai', model: 'jina-reranker-test', base_url: fake.url, api_key: 'sk-fake' },
        { name: 'not_a_reranker', provider: 'universal', model: MODELS.glove() },
        { name: 'missing', provider: 'universal', model: '/nonexistent/reranker.gguf' },
      ];
      const db = c.rag!.databases![0];
      db.retrieval_strategies = [...(db.retrieval_strategies ?? []), { name: 'cross', type: 'CrossEncoderRerankedStrategy', config: { model_name: 'remote', initial_k: 10 } }];
    });
    await ingest(t.app, 'org', 'farm', 'docs', 'main_database', [DOCS.knowledgeBase, DOCS.aiOverview]);
  });
  after(async () => {
    await t?.close();
    await fake.close();
    await disposeLlama();
  });

  test('an OpenAI-compatible reranker: POST {base_url}/v1/rerank with the key; results reordered and annotated', async () => {
    const body = await ask('remote');
    const req = fake.requests.at(-1)!;
    assert.equal(req.path, '/v1/rerank');
    assert.equal(req.headers.authorization, 'Bearer sk-fake');
    assert.equal(req.body.model, 'jina-reranker-test');
    assert.equal(req.body.documents.length, 10);
    assert.equal(body.retrieval_strategy_used, 'cross');
    assert.equal(body.results[0].score, 1);
    assert.deepEqual(body.results.map((r: any) => r.metadata.rerank_position), [1, 2, 3]);
    assert.equal(body.results[0].metadata.reranker_model, 'jina-reranker-test');
    assert.match(body.results[0].content, /password/i);
  });

  test('universal: a GGUF that is no reranker degrades to the base order with the reason', async () => {
    const body = await ask('not_a_reranker');
    const basic = json(await t.app.inject({ method: 'POST', url: `${P}/rag/query`, payload: { query: 'password reset email', retrieval_strategy: 'basic_search', top_k: 3 } }));
    assert.deepEqual(body.results.map((r: any) => r.chunk_id), basic.results.map((r: any) => r.chunk_id));
    for (const r of body.results) {
      assert.equal(r.score, 0.5);
      assert.equal(r.metadata.rerank_degraded, true);
      assert.match(r.metadata.rerank_error, /Computing rankings is not supported for this model/);
    }
  });

  test('universal: a missing model file degrades and says so', async () => {
    const body = await ask('missing');
    assert.equal(body.results[0].metadata.rerank_degraded, true);
    assert.match(body.results[0].metadata.rerank_error, /\/nonexistent\/reranker\.gguf/);
    assert.match(body.results[0].metadata.rerank_error, /not found/i);
  });
});
