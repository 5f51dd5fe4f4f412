/**
 * GET /rag/health (decision 0001: always 200 once the project and database resolve): the four components, the
 * overall status, and issues a user can act on, on a database holding real documents and on broken ones.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { createOfflineProject } from '../helpers/projects.js';
import { DOCS, SKIP, hashingDatabase, ingest } from './rag-fixtures.js';

const P = '/v1/projects/org/farm';
const COMPONENTS = ['database_config', 'database_connectivity', 'database_performance', 'embedder'];

describe('RAG health API', { skip: SKIP }, () => {
  let t: TestApp;
  const health = async (query = '', url = `${P}/rag/health`) => {
    const res = await t.app.inject(`${url}${query}`);
    return { status: res.statusCode, body: json(res) };
  };
  const addDb = async (body: Record<string, unknown>) => assert.equal((await t.app.inject({ method: 'POST', url: `${P}/rag/databases`, payload: body })).statusCode, 201);

  before(async () => {
    t = await makeTestApp();
    await createOfflineProject(t.app, 'org', 'farm');
    await ingest(t.app, 'org', 'farm', 'docs', 'main_database', [DOCS.knowledgeBase, DOCS.mlGuide]);
  });
  after(async () => t?.close());

  test('a working database: healthy, four timed components, issues null', async () => {
    const { status, body } = await health();
    assert.equal(status, 200);
    assert.equal(body.status, 'healthy', JSON.stringify(body));
    assert.equal(body.database, 'main_database');
    assert.deepEqual(Object.keys(body.components).sort(), [...COMPONENTS].sort());
    for (const name of COMPONENTS) {
      const c = body.components[name];
      assert.deepEqual(Object.keys(c).sort(), ['latency', 'message', 'name', 'status']);
      assert.equal(c.name, name);
      assert.equal(c.status, 'healthy');
      assert.ok(typeof c.latency === 'number' && c.latency >= 0);
      assert.ok(c.message.length > 10);
    }
    assert.equal(body.issues, null);
    assert.match(body.last_check, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.match(body.components.database_connectivity.message, /\d+ chunk\(s\), dimension 256, built with HashingEmbedder:lf-hashing-v1/);
    assert.match(body.components.database_config.message, /hybrid_search \(HybridUniversalStrategy\)/);
    assert.match(body.components.embedder.message, /256 dimensions/);
    assert.match(body.components.database_performance.message, /test vector search/);
  });

  test('404 for an unknown project or database; 422 for a broken config', async () => {
    assert.equal((await health('?database=nope')).status, 404);
    assert.match((await health('?database=nope')).body.detail, /^Database 'nope' not found\. Valid names: main_database\b/);
    assert.equal((await health('', '/v1/projects/org/ghost/rag/health')).status, 404);
  });

  test('no rag section or no database: 200, unhealthy, with what to do', async () => {
    await createOfflineProject(t.app, 'org', 'bare');
    await t.ctx.projects.mutate('org', 'bare', (c) => {
      c.rag = { databases: [], data_processing_strategies: c.rag!.data_processing_strategies };
    });
    const noDb = await health('', '/v1/projects/org/bare/rag/health');
    assert.equal(noDb.status, 200);
    assert.equal(noDb.body.status, 'unhealthy');
    assert.equal(noDb.body.components.database_config.status, 'unhealthy');
    assert.match(noDb.body.issues[0], /no RAG database: create one/);
    await t.ctx.projects.mutate('org', 'bare', (c) => {
      delete c.rag;
    });
    const noRag = await health('', '/v1/projects/org/bare/rag/health');
    assert.equal(noRag.status, 200);
    assert.match(noRag.body.issues[0], /RAG is not configured/);
    assert.equal(noRag.body.database, undefined);
  });

  test('an empty database is healthy and says how to fill it', async () => {
    await addDb(hashingDatabase('empty_db'));
    const { body } = await health('?database=empty_db');
    assert.equal(body.status, 'healthy', JSON.stringify(body));
    assert.match(body.components.database_performance.message, /holds no chunks yet: upload files to a dataset that uses 'empty_db'/);
    assert.match(body.components.database_connectivity.message, /0 chunk\(s\)/);
  });

  test('a store that cannot be opened: connectivity and search unhealthy, named in the issues', async () => {
    await addDb(hashingDatabase('qdrant_db', { type: 'QdrantStore' }));
    const { status, body } = await health('?database=qdrant_db');
    assert.equal(status, 200);
    assert.equal(body.status, 'unhealthy');
    assert.equal(body.components.database_config.status, 'healthy');
    assert.equal(body.components.database_connectivity.status, 'unhealthy');
    assert.equal(body.components.database_performance.status, 'unhealthy');
    assert.equal(body.components.embedder.status, 'healthy');
    assert.equal(body.issues.length, 2);
    assert.match(body.issues[0], /^Cannot open the QdrantStore store of database 'qdrant_db': QdrantStore /);
    assert.match(body.issues[1], /Test search skipped: the store is not reachable/);
  });

  test('an embedder that is down: embedder unhealthy with advice; the test search falls back to full text', async () => {
    await addDb(hashingDatabase('ollama_db', { embedding_strategies: [{ name: 'o', type: 'OllamaEmbedder', config: { base_url: 'http://127.0.0.1:9', max_retries: 0, timeout: 2 } }] }));
    const { body } = await health('?database=ollama_db');
    assert.equal(body.status, 'unhealthy');
    assert.equal(body.components.embedder.status, 'unhealthy');
    assert.match(body.components.embedder.message, /^Embedder OllamaEmbedder \(nomic-embed-text\) failed a test embedding: .*127\.0\.0\.1:9.*Check that its model server is running/);
    assert.equal(body.components.database_performance.status, 'healthy');
    assert.match(body.components.database_performance.message, /full-text/);
    assert.deepEqual(body.issues, [body.components.embedder.message]);
  });

  test('an embedder other than the one the database was built with: unhealthy, saying how to re-index', async () => {
    const patch = (embedding_strategies: unknown) =>
      t.app.inject({ method: 'PATCH', url: `${P}/rag/databases/main_database`, payload: { embedding_strategies, default_embedding_strategy: 'default_embeddings' } });
    const original = json(await t.app.inject(`${P}/rag/databases/main_database`)).embedding_strategies;
    assert.equal((await patch([{ name: 'default_embeddings', type: 'HashingEmbedder', config: { dimension: 128 } }])).statusCode, 200);
    try {
      const { body } = await health();
      assert.equal(body.components.embedder.status, 'unhealthy');
      assert.match(body.components.embedder.message, /256-dimensional vectors but the embedder produces 128\. Re-index/);
      assert.equal(body.status, 'unhealthy');
    } finally {
      await patch(original);
    }
    assert.equal((await health()).body.status, 'healthy');
  });

  test('a retrieval strategy with a broken config makes database_config unhealthy', async () => {
    await addDb(hashingDatabase('bad_strategy_db', { retrieval_strategies: [{ name: 'mq', type: 'MultiQueryStrategy', config: { num_queries: 99 }, default: true }] }));
    const { body } = await health('?database=bad_strategy_db');
    assert.equal(body.components.database_config.status, 'unhealthy');
    assert.match(body.components.database_config.message, /Retrieval strategy 'mq' has an invalid config: MultiQueryStrategy: config "num_queries" must be <= 10/);
    const q = await t.app.inject({ method: 'POST', url: `${P}/rag/query`, payload: { query: 'x', database: 'bad_strategy_db' } });
    assert.equal(q.statusCode, 400);
    assert.match(json(q).detail, /num_queries/);
  });
});
