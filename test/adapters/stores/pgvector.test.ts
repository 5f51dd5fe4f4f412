/**
 * PGVectorStore specifics (the shared behaviour is in test/conformance/stores.ts): config and table naming,
 * the table layout in Postgres, filters compiled to SQL agreeing with the JS semantics, NUL characters,
 * wide vectors without HNSW, a table dropped behind the store's back, and an unreachable server.
 * Runs against PGlite + pgvector served over the wire protocol by pglite-socket (test/helpers/pglite-server.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { defaultTableName, pgOptionsFromConfig } from '../../../src/adapters/stores/pgvector/config.js';
import { orQuery } from '../../../src/adapters/stores/pgvector/sql.js';
import type { PGVectorStore } from '../../../src/adapters/stores/pgvector/store.js';
import { createStore } from '../../../src/adapters/stores/registry.js';
import { StoreError, type VectorStore } from '../../../src/adapters/stores/types.js';
import { unitVector } from '../../conformance/stores.js';
import { startPgliteServer, type PgliteServer } from '../../helpers/pglite-server.js';
import { assertFiltersAgree } from './filter-agreement.js';

function isStoreError(code: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof StoreError, `expected a StoreError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  };
}

describe('PGVectorStore config', () => {
  test('the connection string comes from the config, else LF_PG_URL; none is a clear "unavailable"', () => {
    assert.equal(pgOptionsFromConfig('/d', 'db', { connection_string: 'postgres://a@h/x' }, {}).connectionString, 'postgres://a@h/x');
    assert.equal(pgOptionsFromConfig('/d', 'db', {}, { LF_PG_URL: 'postgresql://b@h/y' }).connectionString, 'postgresql://b@h/y');
    assert.throws(() => pgOptionsFromConfig('/d', 'db', {}, {}), (err: unknown) => isStoreError('unavailable')(err) && /LF_PG_URL/.test((err as Error).message));
    assert.throws(() => pgOptionsFromConfig('/d', 'db', { connection_string: 'mysql://x' }, {}), StoreError);
  });

  test('the default table name is lf_<sha1(dir)[:12]>_<database>, safe and at most 63 characters', () => {
    const name = defaultTableName('/data/projects/ns/p/lf_data/stores/Main-DB', 'Main-DB');
    assert.match(name, /^lf_[0-9a-f]{12}_main_db$/);
    assert.equal(defaultTableName('/a', 'x'), defaultTableName('/a', 'x'));
    assert.notEqual(defaultTableName('/a', 'x'), defaultTableName('/b', 'x'));
    const long = defaultTableName('/a', `${'ä'.repeat(10)}"; DROP TABLE users; --${'x'.repeat(100)}`);
    assert.ok(long.length <= 63 && /^[a-z0-9_]+$/.test(long), long);
  });

  test('identifiers and the text-search configuration are checked, never spliced in as given', () => {
    const url = { connection_string: 'postgres://a@h/x' };
    for (const table_name of ['x"; DROP TABLE t; --', '1abc', 'a'.repeat(64), '']) {
      assert.throws(() => pgOptionsFromConfig('/d', 'db', { ...url, table_name }, {}), StoreError, table_name);
    }
    assert.throws(() => pgOptionsFromConfig('/d', 'db', { ...url, schema: 'public; --' }, {}), StoreError);
    assert.throws(() => pgOptionsFromConfig('/d', 'db', { ...url, text_search_config: "english')" }, {}), StoreError);
    assert.throws(() => pgOptionsFromConfig('/d', 'db', { ...url, hnsw_m: 32, hnsw_ef_construction: 40 }, {}), StoreError);
    const o = pgOptionsFromConfig('/d', 'db', { ...url, table_name: 'My_Chunks', schema: 'rag', pool_max: 2 }, {});
    assert.deepEqual([o.table, o.schema, o.poolMax, o.textSearchConfig], ['My_Chunks', 'rag', 2, 'english']);
  });

  test('full-text queries become an OR of plain words', () => {
    assert.equal(orQuery('zebracorn: "barn" AND (llama) OR -field*?'), 'zebracorn | barn | and | llama | or | field');
    assert.equal(orQuery(' ?! '), undefined);
  });

  test('an unreachable server is StoreError("unavailable") naming the server without its password', async () => {
    await assert.rejects(
      createStore('PGVectorStore', { dir: '/d', database: 'db', config: { connection_string: 'postgres://u:secret@127.0.0.1:9/x', pool_max: 1 } }),
      (err: unknown) => isStoreError('unavailable')(err) && !(err as Error).message.includes('secret') && /127\.0\.0\.1:9/.test((err as Error).message),
    );
  });
});

describe('PGVectorStore on PGlite + pgvector', () => {
  let server: PgliteServer;
  const stores: VectorStore[] = [];
  let n = 0;
  async function open(config: Record<string, unknown> = {}): Promise<PGVectorStore> {
    const name = `t${++n}`;
    const store = (await createStore('PGVectorStore', { dir: `/pgvector-test/${name}`, database: name, config: { connection_string: server.url, pool_max: 1, ...config } })) as PGVectorStore;
    stores.push(store);
    return store;
  }
  /** Catalog questions go through the store's own connection (pglite-socket wants one client at a time). */
  async function sql<T extends pg.QueryResultRow>(store: PGVectorStore, text: string, params: unknown[] = []): Promise<T[]> {
    const pool = (store as unknown as { shared: { pool: pg.Pool } }).shared.pool;
    return (await pool.query<T>(text, params)).rows;
  }

  before(async () => {
    server = await startPgliteServer();
  });
  after(async () => {
    for (const s of stores) await s.close();
    await server.stop();
  });

  test('first write creates the table with HNSW, full-text and metadata indexes; drop removes it and the identity', async () => {
    const store = await open({ table_name: 'custom_chunks' });
    assert.equal(store.tableName, '"public"."custom_chunks"');
    assert.deepEqual(await sql(store, "SELECT to_regclass('public.custom_chunks') IS NULL AS missing"), [{ missing: true }]);
    await store.setEmbedder('emb-a', 8);
    assert.deepEqual(await sql(store, 'SELECT embedder, dimension FROM lf_store_meta WHERE table_name = $1', ['custom_chunks']), [{ embedder: 'emb-a', dimension: 8 }]);
    await store.upsert([{ id: 'a', text: 'hello', vector: unitVector(1, 8), metadata: { k: 1 } }]);
    const indexes = await sql<{ indexdef: string }>(store, "SELECT indexdef FROM pg_indexes WHERE tablename = 'custom_chunks' ORDER BY indexname");
    const defs = indexes.map((i) => i.indexdef).join('\n');
    assert.match(defs, /USING hnsw \(embedding vector_cosine_ops\)/);
    assert.match(defs, /USING gin \(tsv\)/);
    assert.match(defs, /USING gin \(metadata jsonb_path_ops\)/);
    assert.deepEqual((await store.describe()).indexes, { vector: 'HNSW', fullText: 'TSVECTOR' });
    await store.drop();
    assert.deepEqual(await sql(store, "SELECT to_regclass('public.custom_chunks') IS NULL AS missing"), [{ missing: true }]);
    assert.deepEqual(await sql(store, 'SELECT * FROM lf_store_meta WHERE table_name = $1', ['custom_chunks']), []);
  });

  test('two store objects for the same database see the same rows; other databases are separate tables', async () => {
    const a = await open({ table_name: 'shared_t' });
    const b = await open({ table_name: 'shared_t' });
    const other = await open();
    await a.upsert([{ id: 'x', text: 'one', vector: unitVector(1, 8), metadata: {} }]);
    assert.equal(await b.count(), 1);
    assert.deepEqual(await b.upsert([{ id: 'x', text: 'two', vector: unitVector(1, 8), metadata: {} }]), { stored: 0, skipped: 1 });
    assert.equal((await a.search({ text: 'two', topK: 1 }))[0]?.id, 'x');
    assert.equal(await other.count(), 0);
  });

  test('filters compiled to SQL agree with the JS semantics on mixed-type metadata', async () => {
    await assertFiltersAgree(await open());
  });

  test('NUL characters are stored as U+FFFD instead of failing the batch', async () => {
    const store = await open();
    await store.upsert([{ id: 'nul', text: 'a\u0000b', vector: unitVector(3, 8), metadata: { s: 'x\u0000y', list: ['\u0000'] } }]);
    const [hit] = await store.search({ vector: unitVector(3, 8), topK: 1 });
    assert.equal(hit.text, 'a\uFFFDb');
    assert.deepEqual(hit.metadata, { s: 'x\uFFFDy', list: ['\uFFFD'] });
  });

  test('vectors wider than HNSW allows (2000) are stored and searched exactly', async () => {
    const store = await open();
    await store.upsert([0, 1, 2].map((i) => ({ id: `w${i}`, text: `wide ${i}`, vector: unitVector(i + 1, 2048), metadata: {} })));
    assert.deepEqual((await store.describe()).indexes, { vector: 'FLAT', fullText: 'TSVECTOR' });
    const [top] = await store.search({ vector: unitVector(2, 2048), topK: 1 });
    assert.equal(top.id, 'w1');
    assert.ok(top.score > 0.999, `score ${top.score}`);
  });

  test('exact search and the HNSW index agree on a filtered query', async () => {
    const store = await open();
    await store.upsert(Array.from({ length: 300 }, (_, i) => ({ id: `h${i}`, text: `row ${i}`, vector: unitVector(i + 1, 16), metadata: { odd: i % 2 === 1 } })));
    for (const seed of [5, 77]) {
      const q = { vector: unitVector(seed, 16), topK: 10, filter: { odd: true } };
      const approx = await store.search(q);
      const exact = await store.search({ ...q, exact: true });
      assert.equal(exact.length, 10);
      assert.ok(exact.every((h) => h.metadata.odd === true), 'filter not applied');
      assert.deepEqual(approx.map((h) => h.id).slice(0, 3), exact.map((h) => h.id).slice(0, 3));
    }
  });

  test('a table dropped behind the store reads as empty, and the next write re-creates it', async () => {
    const store = await open({ table_name: 'vanishing' });
    await store.upsert([{ id: 'a', text: 'one', vector: unitVector(1, 8), metadata: { k: 'v' } }]);
    await sql(store, 'DROP TABLE public.vanishing');
    assert.equal(await store.count(), 0);
    assert.deepEqual(await store.search({ vector: unitVector(1, 8), text: 'one', topK: 3 }), []);
    assert.equal(await store.deleteWhere({ k: 'v' }), 0);
    assert.deepEqual(await store.upsert([{ id: 'b', text: 'two', vector: unitVector(2, 8), metadata: {} }]), { stored: 1, skipped: 0 });
    assert.equal(await store.count(), 1);
  });

  test('a closed store refuses calls', async () => {
    const store = await open();
    await store.close();
    await assert.rejects(store.count(), StoreError);
  });
});
