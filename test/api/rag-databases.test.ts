/**
 * The databases API (original §3.6; decisions 0002, 0004) and the reference's RAG curl examples run verbatim against a
 * `my-org/chatbot` project (with `main_db`, `fda_db` and `old_db` created first, as the examples assume).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { createOfflineProject } from '../helpers/projects.js';
import { DOCS, SKIP, hashingDatabase, ingest } from './rag-fixtures.js';

const P = '/v1/projects/my-org/chatbot';
const URL = 'http://localhost:8000';

/** The examples' requests exactly as the reference writes them (host aside). */
const curl = (t: TestApp, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: string) =>
  t.app.inject({ method, url: url.replace(URL, ''), ...(body !== undefined ? { payload: body, headers: { 'content-type': 'application/json' } } : {}) });

describe('RAG databases API', { skip: SKIP }, () => {
  let t: TestApp;
  const storeCount = async (db: string) => {
    const config = await t.ctx.projects.loadConfig('my-org', 'chatbot');
    const entry = config.rag!.databases!.find((d) => d.name === db)!;
    return (await t.ctx.resources.store('my-org', 'chatbot', entry)).count();
  };
  const create = async (body: Record<string, unknown>) => {
    const res = await t.app.inject({ method: 'POST', url: `${P}/rag/databases`, payload: body });
    assert.equal(res.statusCode, 201, res.body);
    return json(res);
  };

  before(async () => {
    t = await makeTestApp();
    await createOfflineProject(t.app, 'my-org', 'chatbot');
    for (const name of ['main_db', 'fda_db', 'old_db']) await create(hashingDatabase(name));
    await ingest(t.app, 'my-org', 'chatbot', 'fda', 'fda_db', [DOCS.knowledgeBase]);
  });
  after(async () => t?.close());

  describe("the reference's curl examples, verbatim", () => {
    test('Query RAG System', async () => {
      const res = await curl(t, 'POST', `${URL}/v1/projects/my-org/chatbot/rag/query`, `{
    "query": "What are the clinical trial requirements?",
    "database": "fda_db",
    "top_k": 5
  }`);
      assert.equal(res.statusCode, 200, res.body);
      const body = json(res);
      assert.equal(body.database_used, 'fda_db');
      assert.equal(body.results.length, 5);
      assert.equal(body.total_results, 5);
      const full = await curl(t, 'POST', `${URL}/v1/projects/my-org/chatbot/rag/query`, `{
  "query": "What are the clinical trial requirements?",
  "database": "fda_db",
  "top_k": 5,
  "score_threshold": 0.7,
  "retrieval_strategy": "hybrid",
  "metadata_filters": {
    "document_type": "regulation"
  }
}`);
      assert.equal(full.statusCode, 200, full.body);
      assert.deepEqual(json(full).results, [], 'no chunk has document_type regulation');
      assert.equal(json(full).retrieval_strategy_used, 'basic_search', 'unknown "hybrid" → the database default, named');
    });

    test('List RAG Databases and Get Database Details', async () => {
      const list = await curl(t, 'GET', `${URL}/v1/projects/my-org/chatbot/rag/databases`);
      assert.equal(list.statusCode, 200);
      assert.deepEqual(json(list).databases.map((d: any) => d.name), ['main_database', 'main_db', 'fda_db', 'old_db']);
      const get = await curl(t, 'GET', `${URL}/v1/projects/my-org/chatbot/rag/databases/main_db`);
      assert.equal(get.statusCode, 200);
      assert.equal(json(get).name, 'main_db');
    });

    test('Create Database (201)', async () => {
      const res = await curl(t, 'POST', `${URL}/v1/projects/my-org/chatbot/rag/databases`, `{
    "name": "new_database",
    "type": "ChromaStore",
    "embedding_strategies": [
      {"name": "embeddings", "type": "OllamaEmbedder", "config": {"model": "nomic-embed-text"}}
    ],
    "retrieval_strategies": [
      {"name": "basic", "type": "BasicSimilarityStrategy", "config": {}, "default": true}
    ]
  }`);
      assert.equal(res.statusCode, 201, res.body);
      assert.deepEqual(json(res), {
        database: {
          name: 'new_database',
          type: 'ChromaStore',
          is_default: false,
          embedding_strategies: [{ name: 'embeddings', type: 'OllamaEmbedder', priority: 0, is_default: true }],
          retrieval_strategies: [{ name: 'basic', type: 'BasicSimilarityStrategy', is_default: true }],
        },
      });
    });

    test('Update Database: add a reranking strategy; querying it then degrades instead of failing', async () => {
      const res = await curl(t, 'PATCH', `${URL}/v1/projects/my-org/chatbot/rag/databases/main_db`, `{
    "retrieval_strategies": [
      {"name": "basic_search", "type": "BasicSimilarityStrategy", "config": {"top_k": 10}},
      {"name": "reranked_search", "type": "CrossEncoderRerankedStrategy", "config": {"model_name": "reranker", "initial_k": 30}}
    ],
    "default_retrieval_strategy": "reranked_search"
  }`);
      assert.equal(res.statusCode, 200, res.body);
      const body = json(res);
      assert.equal(body.default_retrieval_strategy, 'reranked_search');
      assert.deepEqual(body.retrieval_strategies.map((s: any) => s.name), ['basic_search', 'reranked_search']);
      assert.deepEqual(body.dependent_datasets, []);
      const q = await t.app.inject({ method: 'POST', url: `${P}/rag/query`, payload: { query: 'x', database: 'main_db' } });
      assert.equal(q.statusCode, 200, q.body);
      assert.equal(json(q).retrieval_strategy_used, 'reranked_search');
    });

    test('Delete Database, with and without its collection', async () => {
      const del = await curl(t, 'DELETE', `${URL}/v1/projects/my-org/chatbot/rag/databases/old_db`);
      assert.equal(del.statusCode, 200, del.body);
      assert.equal(json(del).message, "Database 'old_db' deleted successfully");
      assert.equal(json(del).database.name, 'old_db');
      assert.equal(json(del).collection_deleted, false, 'never written: nothing to delete');
      await create(hashingDatabase('old_db'));
      const keep = await curl(t, 'DELETE', `${URL}/v1/projects/my-org/chatbot/rag/databases/old_db?delete_collection=false`);
      assert.equal(keep.statusCode, 200, keep.body);
      assert.equal(json(keep).collection_deleted, false);
      assert.equal((await t.app.inject(`${P}/rag/databases/old_db`)).statusCode, 404);
    });

    test('Check RAG Health, default and for one database', async () => {
      const all = await curl(t, 'GET', `${URL}/v1/projects/my-org/chatbot/rag/health`);
      assert.equal(all.statusCode, 200, all.body);
      assert.equal(json(all).database, 'main_database');
      const one = await curl(t, 'GET', `${URL}/v1/projects/my-org/chatbot/rag/health?database=main_db`);
      assert.equal(one.statusCode, 200);
      assert.equal(json(one).database, 'main_db');
      assert.equal(json(one).status, 'healthy', one.body);
    });
  });

  describe('list and get', () => {
    test('list: is_default per database and strategy; default_database omitted when unset', async () => {
      const body = json(await t.app.inject(`${P}/rag/databases`));
      assert.equal(body.default_database, 'main_database');
      const main = body.databases.find((d: any) => d.name === 'main_database');
      assert.equal(main.is_default, true);
      assert.deepEqual(main.retrieval_strategies.filter((s: any) => s.is_default).map((s: any) => s.name), ['hybrid_search']);
      assert.deepEqual(main.embedding_strategies, [{ name: 'default_embeddings', type: 'HashingEmbedder', priority: 0, is_default: true }]);
      assert.equal(body.databases.filter((d: any) => d.is_default).length, 1);
      await t.ctx.projects.mutate('my-org', 'chatbot', (c) => {
        delete c.rag!.default_database;
      });
      try {
        const unset = json(await t.app.inject(`${P}/rag/databases`));
        assert.equal(unset.default_database, undefined);
        assert.deepEqual(unset.databases.filter((d: any) => d.is_default).map((d: any) => d.name), ['main_database'], 'the first is the default');
      } finally {
        await t.ctx.projects.mutate('my-org', 'chatbot', (c) => {
          c.rag!.default_database = 'main_database';
        });
      }
    });

    test('get: full detail with dependent datasets; any unknown name is 404', async () => {
      const res = await t.app.inject(`${P}/rag/databases/fda_db`);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(json(res), {
        name: 'fda_db',
        type: 'LanceDBStore',
        config: {},
        embedding_strategies: [{ name: 'hashing', type: 'HashingEmbedder', config: { dimension: 256 } }],
        retrieval_strategies: [{ name: 'basic_search', type: 'BasicSimilarityStrategy', config: {}, default: true }],
        dependent_datasets: ['fda'],
      });
      for (const name of ['nope', 'Not-A-Db', '..']) {
        const r = await t.app.inject(`${P}/rag/databases/${encodeURIComponent(name)}`);
        assert.equal(r.statusCode, 404, name);
      }
      assert.deepEqual(json(await t.app.inject(`${P}/rag/databases/nope`)), { detail: "Database 'nope' not found" });
      assert.equal((await t.app.inject('/v1/projects/my-org/ghost/rag/databases')).statusCode, 404);
    });
  });

  describe('create', () => {
    test('409 for an existing name; 422 for a bad name; 400 for bad types, strategies and defaults', async () => {
      const dup = await t.app.inject({ method: 'POST', url: `${P}/rag/databases`, payload: hashingDatabase('fda_db') });
      assert.equal(dup.statusCode, 409);
      assert.deepEqual(json(dup), { detail: "Database 'fda_db' already exists" });
      for (const name of ['Bad-Name', '1db', '']) {
        assert.equal((await t.app.inject({ method: 'POST', url: `${P}/rag/databases`, payload: hashingDatabase(name) })).statusCode, 422, name);
      }
      const cases: [Record<string, unknown>, RegExp][] = [
        [hashingDatabase('x_db', { type: 'MongoStore' }), /^Invalid database configuration: type: must be one of LanceDBStore/],
        [hashingDatabase('x_db', { embedding_strategies: [{ name: 'e', type: 'MagicEmbedder' }] }), /^Invalid database configuration: embedding_strategies\[0\]\.type/],
        [hashingDatabase('x_db', { retrieval_strategies: [{ name: 'r', type: 'PsychicStrategy' }] }), /^Invalid database configuration: retrieval_strategies\[0\]\.type/],
        [hashingDatabase('x_db', { retrieval_strategies: [{ type: 'BasicSimilarityStrategy' }] }), /retrieval_strategies\[0\]\.name: is required/],
        [hashingDatabase('x_db', { default_retrieval_strategy: 'ghost' }), /^Retrieval strategy 'ghost' not found\. Available: \['basic_search'\]$/],
        [hashingDatabase('x_db', { default_embedding_strategy: 'ghost' }), /^Embedding strategy 'ghost' not found\. Available: \['hashing'\]$/],
      ];
      for (const [body, re] of cases) {
        const res = await t.app.inject({ method: 'POST', url: `${P}/rag/databases`, payload: body });
        assert.equal(res.statusCode, 400, res.body);
        assert.match(json(res).detail, re);
      }
      assert.equal((await t.app.inject(`${P}/rag/databases/x_db`)).statusCode, 404, 'nothing was saved');
    });

    test('400 without a rag section; 404 for an unknown project; the database is saved in llamafarm.yaml', async () => {
      await createOfflineProject(t.app, 'my-org', 'plain');
      await t.ctx.projects.mutate('my-org', 'plain', (c) => {
        delete c.rag;
      });
      const noRag = await t.app.inject({ method: 'POST', url: '/v1/projects/my-org/plain/rag/databases', payload: hashingDatabase('a_db') });
      assert.equal(noRag.statusCode, 400);
      assert.deepEqual(json(noRag), { detail: 'RAG not configured for this project' });
      assert.equal((await t.app.inject('/v1/projects/my-org/plain/rag/databases')).statusCode, 400);
      assert.equal((await t.app.inject({ method: 'POST', url: '/v1/projects/my-org/ghost/rag/databases', payload: hashingDatabase('a_db') })).statusCode, 404);
      await create(hashingDatabase('saved_db', { config: { table_name: 'chunks' } }));
      const project = json(await t.app.inject(P)).project;
      assert.deepEqual(
        project.config.rag.databases.find((d: any) => d.name === 'saved_db'),
        { ...hashingDatabase('saved_db'), config: { table_name: 'chunks' } },
      );
    });
  });

  describe('update', () => {
    test('name or type → 422; unknown database → 404; each field replaces the old one', async () => {
      for (const payload of [{ name: 'renamed' }, { type: 'ChromaStore' }, { name: 'saved_db' }]) {
        const res = await t.app.inject({ method: 'PATCH', url: `${P}/rag/databases/saved_db`, payload });
        assert.equal(res.statusCode, 422, res.body);
        assert.deepEqual(json(res).detail[0].loc, ['body', Object.keys(payload)[0]]);
      }
      assert.equal((await t.app.inject({ method: 'PATCH', url: `${P}/rag/databases/ghost_db`, payload: { config: {} } })).statusCode, 404);
      const res = await t.app.inject({
        method: 'PATCH',
        url: `${P}/rag/databases/saved_db`,
        payload: {
          config: { ann_index: 'none' },
          retrieval_strategies: [
            { name: 'hybrid', type: 'HybridUniversalStrategy', config: { combination_method: 'rank_fusion' } },
            { name: 'basic_search', type: 'BasicSimilarityStrategy' },
          ],
          default_retrieval_strategy: 'hybrid',
        },
      });
      assert.equal(res.statusCode, 200, res.body);
      const body = json(res);
      assert.deepEqual(body.config, { ann_index: 'none' }, 'config is replaced, not merged');
      assert.deepEqual(body.retrieval_strategies.map((s: any) => s.name), ['hybrid', 'basic_search']);
      assert.equal(body.default_retrieval_strategy, 'hybrid');
      assert.equal(body.embedding_strategies[0].name, 'hashing', 'fields not sent are kept');
      const cleared = json(await t.app.inject({ method: 'PATCH', url: `${P}/rag/databases/saved_db`, payload: { default_retrieval_strategy: null } }));
      assert.equal(cleared.default_retrieval_strategy, undefined, 'null removes a default');
    });

    test('defaults are checked against the updated lists; bad strategies are 400 naming their kind', async () => {
      const stale = await t.app.inject({ method: 'PATCH', url: `${P}/rag/databases/saved_db`, payload: { retrieval_strategies: [{ name: 'only', type: 'BasicSimilarityStrategy' }], default_retrieval_strategy: 'basic_search' } });
      assert.equal(stale.statusCode, 400);
      assert.equal(json(stale).detail, "Retrieval strategy 'basic_search' not found. Available: ['only']");
      const emb = await t.app.inject({ method: 'PATCH', url: `${P}/rag/databases/saved_db`, payload: { default_embedding_strategy: 'nope' } });
      assert.equal(json(emb).detail, "Embedding strategy 'nope' not found. Available: ['hashing']");
      const badRet = await t.app.inject({ method: 'PATCH', url: `${P}/rag/databases/saved_db`, payload: { retrieval_strategies: [{ name: 'x', type: 'Nope' }] } });
      assert.equal(badRet.statusCode, 400);
      assert.match(json(badRet).detail, /^Invalid retrieval strategy: retrieval_strategies\[0\]\.type/);
      const badEmb = await t.app.inject({ method: 'PATCH', url: `${P}/rag/databases/saved_db`, payload: { embedding_strategies: [{ name: 'x', type: 'HashingEmbedder', extra: 1 }] } });
      assert.equal(badEmb.statusCode, 400);
      assert.match(json(badEmb).detail, /^Invalid embedding strategy: embedding_strategies\[0\]\.extra: is not a known field/);
      assert.equal(json(await t.app.inject(`${P}/rag/databases/saved_db`)).retrieval_strategies.length, 2, 'nothing was saved');
    });
  });

  describe('delete', () => {
    test('409 while datasets depend on it, naming them', async () => {
      const res = await t.app.inject({ method: 'DELETE', url: `${P}/rag/databases/fda_db` });
      assert.equal(res.statusCode, 409);
      assert.deepEqual(json(res), { detail: "Cannot delete database 'fda_db': 1 dataset(s) depend on it. Delete or reassign these datasets first: ['fda']" });
      assert.equal((await t.app.inject({ method: 'DELETE', url: `${P}/rag/databases/ghost_db` })).statusCode, 404);
    });

    test('delete_collection drops the stored vectors for real; false keeps them; default_database is cleared', async () => {
      // Data in a database no dataset depends on: ingest, then reassign the dataset elsewhere.
      for (const name of ['drop_db', 'keep_db']) {
        await create(hashingDatabase(name));
        await ingest(t.app, 'my-org', 'chatbot', `${name}_ds`, name, [DOCS.aiOverview]);
        assert.ok((await storeCount(name)) > 0);
        await t.ctx.projects.mutate('my-org', 'chatbot', (c) => {
          c.datasets!.find((d) => d.name === `${name}_ds`)!.database = 'main_database';
        });
      }
      await t.ctx.projects.mutate('my-org', 'chatbot', (c) => {
        c.rag!.default_database = 'drop_db';
      });
      const storeDir = join(t.dataDir, 'projects', 'my-org', 'chatbot', 'lf_data', 'stores', 'drop_db');
      assert.ok(existsSync(storeDir));
      const dropped = await t.app.inject({ method: 'DELETE', url: `${P}/rag/databases/drop_db` });
      assert.equal(dropped.statusCode, 200, dropped.body);
      assert.equal(json(dropped).collection_deleted, true);
      assert.equal(json(dropped).database.name, 'drop_db');
      assert.ok(!existsSync(storeDir), 'the store folder is gone');
      assert.equal(json(await t.app.inject(`${P}/rag/databases`)).default_database, undefined);
      await create(hashingDatabase('drop_db'));
      assert.equal(await storeCount('drop_db'), 0, 're-created empty');

      const kept = await t.app.inject({ method: 'DELETE', url: `${P}/rag/databases/keep_db?delete_collection=false` });
      assert.equal(json(kept).collection_deleted, false);
      await create(hashingDatabase('keep_db'));
      assert.ok((await storeCount('keep_db')) > 0, 'the data was kept');
    });

    test('a store that cannot be reached still deletes, with collection_deleted false', async () => {
      const res = await t.app.inject({ method: 'DELETE', url: `${P}/rag/databases/new_database` });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(json(res).collection_deleted, false);
      assert.equal(json(res).database.type, 'ChromaStore');
    });
  });
});
