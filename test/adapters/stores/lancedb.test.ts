/** LanceDBStore beyond the conformance suite: persistence, shared handles, the automatic ANN index, registry. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { LanceDBStore, lanceOptionsFromConfig } from '../../../src/adapters/stores/lancedb/store.js';
import { openTableCount } from '../../../src/adapters/stores/lancedb/shared-table.js';
import { createStore, STORE_TYPES } from '../../../src/adapters/stores/registry.js';
import { StoreError, type StoredChunk } from '../../../src/adapters/stores/types.js';
import { matchesFilter } from '../../../src/adapters/stores/filter.js';
import { unitVector } from '../../conformance/stores.js';
import { agreementFilters, agreementRows, assertFiltersAgree } from './filter-agreement.js';

const root = mkdtempSync(join(tmpdir(), 'lf-lancedb-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => join(root, `db${++n}`);

function chunk(i: number, metadata: Record<string, unknown> = {}, dim = 16): StoredChunk {
  return { id: `id${i}`, text: `text of chunk ${i}`, vector: unitVector(i + 1, dim), metadata: { chunk_index: i, ...metadata } };
}

async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof StoreError, `expected StoreError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

describe('registry', () => {
  test('LanceDBStore opens; QdrantStore is refused as unavailable; unknown types name the known ones', async () => {
    const store = await createStore('LanceDBStore', { dir: freshDir(), database: 'main', config: {} });
    assert.equal(store.type, 'LanceDBStore');
    await store.close();
    await rejectsWith(createStore('QdrantStore', { dir: freshDir(), database: 'x', config: {} }), 'unavailable', /is not available in this build/);
    await rejectsWith(createStore('FaissStore', { dir: freshDir(), database: 'x', config: {} }), 'unavailable', /LanceDBStore, ChromaStore/);
    await rejectsWith(createStore('toString', { dir: freshDir(), database: 'x', config: {} }), 'unavailable');
    assert.deepEqual([...STORE_TYPES].sort(), ['ChromaStore', 'LanceDBStore', 'PGVectorStore', 'QdrantStore']);
  });

  test('LanceDB config keys are read and checked', async () => {
    assert.deepEqual(lanceOptionsFromConfig('/d', {}), { dir: '/d', table: 'chunks', indexPolicy: {} });
    assert.deepEqual(
      lanceOptionsFromConfig('/d', { table_name: 'docs', ann_index: 'IVF_FLAT', ann_index_threshold: 1000, optimize_after_writes: 5 }),
      { dir: '/d', table: 'docs', indexPolicy: { annIndex: 'IVF_FLAT', annThreshold: 1000, optimizeAfterWrites: 5 } },
    );
    assert.deepEqual(lanceOptionsFromConfig('/d', { ann_index: 'auto' }).indexPolicy, {});
    assert.throws(() => lanceOptionsFromConfig('/d', { ann_index: 'HNSW' }), /ann_index/);
    assert.throws(() => lanceOptionsFromConfig('/d', { ann_index_threshold: 0 }), /ann_index_threshold/);
    assert.throws(() => lanceOptionsFromConfig('/d', { table_name: '../x' }), /table_name/);
    // Keys of other stores (Chroma's) are ignored rather than refused.
    assert.equal(lanceOptionsFromConfig('/d', { collection_name: 'documents', distance_metric: 'cosine' }).table, 'chunks');
    await rejectsWith(createStore('LanceDBStore', { dir: freshDir(), database: 'x', config: { ann_index: 42 } }), 'config');
  });
});

describe('LanceDBStore', () => {
  test('data and embedder identity survive close and reopen; store.json holds the identity', async () => {
    const dir = freshDir();
    const a = await LanceDBStore.open({ dir });
    await a.setEmbedder('nomic-embed-text', 16);
    await a.upsert([chunk(1, { source: 'a.pdf' }), chunk(2)]);
    await a.close();
    assert.equal(openTableCount(), 0);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'store.json'), 'utf8')).embedder, 'nomic-embed-text');
    const b = await LanceDBStore.open({ dir });
    const d = await b.describe();
    assert.equal(d.rows, 2);
    assert.equal(d.embedder, 'nomic-embed-text');
    assert.equal(d.dimension, 16);
    const [top] = await b.search({ vector: unitVector(2, 16), topK: 1 });
    assert.deepEqual(top.metadata, { chunk_index: 1, source: 'a.pdf' });
    await rejectsWith(b.setEmbedder('other-model', 16), 'embedder_mismatch', /nomic-embed-text/);
    await b.close();
  });

  test('stores opened on the same directory share one handle and see each other at once', async () => {
    const dir = freshDir();
    const [a, b] = await Promise.all([LanceDBStore.open({ dir }), LanceDBStore.open({ dir })]);
    assert.equal(openTableCount(), 1);
    await a.upsert([chunk(1)]);
    assert.equal(await b.count(), 1);
    await Promise.all([a.upsert([chunk(2), chunk(3)]), b.upsert([chunk(3), chunk(4)])]);
    assert.equal(await a.count(), 4);
    await a.close();
    assert.equal(await b.count(), 4);
    await rejectsWith(a.count(), 'other', /closed/);
    await b.close();
    assert.equal(openTableCount(), 0);
  });

  test('drop removes the table files and the sidecar, so the directory can be deleted', async () => {
    const dir = freshDir();
    const store = await LanceDBStore.open({ dir });
    await store.setEmbedder('m', 16);
    await store.upsert([chunk(1), chunk(2)]);
    assert.ok(existsSync(join(dir, 'chunks.lance')), 'table directory missing');
    await store.drop();
    assert.deepEqual(readdirSync(dir), []);
    rmSync(dir, { recursive: true });
    assert.deepEqual(await store.upsert([chunk(5)]), { stored: 1, skipped: 0 });
    assert.equal(await store.count(), 1);
    await store.close();
    const reopened = await LanceDBStore.open({ dir });
    assert.equal(await reopened.count(), 1);
    await reopened.close();
  });

  test('promoted keys holding values of another type still round-trip and filter by the common rules', async () => {
    const store = await LanceDBStore.open({ dir: freshDir() });
    await store.upsert([
      chunk(1, { page: 'iv', dataset: ['d1', 'd2'], source: "O'Brien.pdf" }),
      chunk(2, { page: 4, dataset: 'd1', source: 'plain.pdf' }),
      chunk(3, { page: null, source: 7 }),
    ]);
    assert.equal(await store.count({ page: 'iv' }), 1);
    assert.equal(await store.count({ page: { $ne: 4 } }), 1); // 'iv' (row 3 has page null = missing)
    assert.equal(await store.count({ page: null }), 1);
    assert.equal(await store.count({ dataset: 'd1' }), 1); // arrays are whole values
    assert.equal(await store.count({ source: "O'Brien.pdf" }), 1);
    assert.equal(await store.count({ source: 7 }), 1);
    assert.equal(await store.count({ source: { $in: ['plain.pdf', 7] } }), 2);
    const [hit] = await store.search({ vector: unitVector(2, 16), topK: 1 });
    assert.deepEqual(hit.metadata, { chunk_index: 1, page: 'iv', dataset: ['d1', 'd2'], source: "O'Brien.pdf" });
    assert.equal(await store.deleteWhere({ source: { $in: ['plain.pdf', 7] } }), 2);
    assert.equal(await store.count(), 1);
    await store.close();
  });

  test('filters agree with the reference semantics, on common keys (SQL columns) and other keys alike', async () => {
    const store = await LanceDBStore.open({ dir: freshDir() });
    await assertFiltersAgree(store);
    await store.close();
    // The same generated rows and filters with their keys moved onto the promoted columns.
    const onColumns: Record<string, string> = { lang: 'source', flag: 'dataset', score: 'chunk_index', "o'dd \"key\"": 'file_hash' };
    const move = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).map(([k, v]) => [onColumns[k] ?? k, v])) as T;
    const rows = agreementRows(80, 3).map(move);
    const columns = await LanceDBStore.open({ dir: freshDir() });
    await columns.upsert(rows.map((metadata, i) => ({ id: `r${i}`, text: `row ${i}`, vector: unitVector(i + 1, 16), metadata })));
    for (const filter of agreementFilters(200, 5).map(move)) {
      const expected = rows.flatMap((m, i) => (matchesFilter(m, filter) ? [`r${i}`] : [])).sort();
      const what = JSON.stringify(filter);
      assert.equal(await columns.count(filter), expected.length, `count ${what}`);
      const hits = await columns.search({ vector: unitVector(1, 16), topK: 100, filter });
      assert.deepEqual(hits.map((h) => h.id).sort(), expected, `search ${what}`);
    }
    await columns.close();
  });

  test('a filter checked outside SQL still fills topK from far-away rows, and deletes in batches', async () => {
    const store = await LanceDBStore.open({ dir: freshDir() });
    const rows = Array.from({ length: 1500 }, (_, i) => chunk(i, { rare: i % 500 === 7, bucket: i % 2 }));
    await store.upsert(rows);
    const hits = await store.search({ vector: unitVector(1, 16), topK: 3, filter: { rare: true } });
    assert.deepEqual(hits.map((h) => h.id).sort(), ['id1007', 'id507', 'id7']);
    assert.equal(await store.count({ bucket: 1 }), 750);
    assert.equal(await store.deleteWhere({ bucket: 1 }), 750);
    assert.equal(await store.count(), 750);
    await store.close();
  });

  test('the ANN index is built by itself past the threshold, reported by describe, and searches stay right', async () => {
    const dir = freshDir();
    const store = await LanceDBStore.open({ dir, indexPolicy: { annThreshold: 600 } });
    await store.upsert(Array.from({ length: 500 }, (_, i) => chunk(i, { file_hash: `h${i % 5}` })));
    await store.settle();
    let d = await store.describe();
    assert.equal(d.indexes?.vector, 'FLAT');
    assert.equal(d.indexes?.vectorThreshold, 600);
    assert.equal(d.indexes?.fullText, 'BM25');
    await store.upsert(Array.from({ length: 200 }, (_, i) => chunk(500 + i, { file_hash: `h${i % 5}` })));
    await store.settle();
    d = await store.describe();
    assert.equal(d.indexes?.vector, 'IVF_HNSW_SQ', JSON.stringify(d.indexes));
    assert.equal(d.indexes?.vectorBuilding, undefined);
    assert.equal(d.indexes?.lastError, undefined);
    // Rows written after the build are unindexed but found.
    await store.upsert([chunk(9000, { file_hash: 'late' })]);
    assert.equal((await store.describe()).indexes?.unindexedRows, 1);
    const [late] = await store.search({ vector: unitVector(9001, 16), topK: 1 });
    assert.equal(late.id, 'id9000');
    const query = unitVector(12345, 16);
    const approx = await store.search({ vector: query, topK: 10 });
    const exact = await store.search({ vector: query, topK: 10, exact: true });
    assert.equal(exact.length, 10);
    assert.ok(approx.filter((h) => exact.some((e) => e.id === h.id)).length >= 8, 'ANN recall@10 below 0.8 on 701 rows');
    for (const i of [3, 333, 650]) {
      const [top] = await store.search({ vector: unitVector(i + 1, 16), topK: 1 });
      assert.equal(top.id, `id${i}`);
      assert.ok(top.score > 0.999, `score ${top.score}`);
      const filtered = await store.search({ vector: unitVector(i + 1, 16), topK: 5, filter: { file_hash: 'h1' } });
      assert.equal(filtered.length, 5);
      assert.ok(filtered.every((h) => h.metadata.file_hash === 'h1'), 'filter ignored under ANN');
    }
    await store.close();
    // The index is on disk: a reopened store reports it.
    const again = await LanceDBStore.open({ dir, indexPolicy: { annThreshold: 600 } });
    assert.equal((await again.describe()).indexes?.vector, 'IVF_HNSW_SQ');
    await again.drop();
    assert.equal((await again.describe()).indexes?.vector, 'FLAT');
    await again.close();
  });

  test('a maintenance job that runs past its time limit is killed, reported and retried after the next write', async () => {
    const store = await LanceDBStore.open({ dir: freshDir(), indexPolicy: { annThreshold: 100 } });
    process.env.LF_LANCE_MAINTENANCE_TIMEOUT_MS = '1';
    try {
      await store.upsert(Array.from({ length: 150 }, (_, i) => chunk(i)));
      await store.settle();
    } finally {
      delete process.env.LF_LANCE_MAINTENANCE_TIMEOUT_MS;
    }
    let d = await store.describe();
    assert.equal(d.indexes?.vector, 'FLAT');
    assert.match(d.indexes?.lastError ?? '', /SIGKILL.*timed out after 0 s/);
    assert.equal(await store.count(), 150, 'no data lost with the job');
    await store.upsert([chunk(150)]);
    await store.settle();
    d = await store.describe();
    assert.equal(d.indexes?.vector, 'IVF_HNSW_SQ', JSON.stringify(d.indexes));
    assert.equal(d.indexes?.lastError, undefined);
    await store.close();
  });

  test('ann_index none keeps exact search whatever the size', async () => {
    const store = await LanceDBStore.open({ dir: freshDir(), indexPolicy: { annIndex: 'none', annThreshold: 10 } });
    await store.upsert(Array.from({ length: 50 }, (_, i) => chunk(i)));
    await store.settle();
    const d = await store.describe();
    assert.equal(d.indexes?.vector, 'FLAT');
    assert.equal(d.indexes?.vectorThreshold, undefined);
    await store.close();
  });

  test('optimisation after many writes runs in the background and loses nothing', async () => {
    const store = await LanceDBStore.open({ dir: freshDir(), indexPolicy: { optimizeAfterWrites: 3 } });
    for (let b = 0; b < 8; b++) await store.upsert(Array.from({ length: 20 }, (_, i) => chunk(b * 10 + i)));
    await store.settle();
    assert.equal(await store.count(), 90);
    assert.equal((await store.describe()).indexes?.lastError, undefined);
    const hits = await store.search({ text: 'chunk', topK: 100 });
    assert.equal(hits.length, 90);
    await store.close();
  });

  test('optimisations are spaced by optimizeMinIntervalMs; the one held back runs on settle and nothing is lost', async () => {
    const store = await LanceDBStore.open({ dir: freshDir(), indexPolicy: { optimizeAfterWrites: 1, optimizeMinIntervalMs: 600_000 } });
    await store.upsert(Array.from({ length: 10 }, (_, i) => chunk(i)));
    await store.settle(); // the first optimisation runs at once
    assert.equal((await store.describe()).indexes?.unindexedRows, 0);
    for (let b = 1; b <= 3; b++) await store.upsert(Array.from({ length: 10 }, (_, i) => chunk(b * 10 + i)));
    // Due after every write, but held back by the interval: the new rows wait outside the BM25 index...
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await store.describe()).indexes?.unindexedRows, 30);
    // ...and are still found (searched exactly meanwhile).
    assert.equal((await store.search({ text: 'chunk', topK: 100 })).length, 40);
    await store.settle(); // starts the held-back job now
    const d = await store.describe();
    assert.equal(d.indexes?.unindexedRows, 0, JSON.stringify(d.indexes));
    assert.equal(d.indexes?.lastError, undefined);
    assert.equal(await store.count(), 40);
    await store.close(); // clears the interval timer: the test process exits promptly
  });

  test('dataVersion changes with writes, deletes and drops, not with index maintenance', async () => {
    const store = await LanceDBStore.open({ dir: freshDir(), indexPolicy: { optimizeAfterWrites: 1, optimizeMinIntervalMs: 0 } });
    assert.equal(await store.dataVersion(), 'none');
    await store.upsert(Array.from({ length: 10 }, (_, i) => chunk(i)));
    const written = await store.dataVersion();
    await store.settle(); // an optimisation job commits new table versions
    await store.upsert([chunk(10)]);
    const second = await store.dataVersion();
    assert.notEqual(second, written);
    await store.settle();
    assert.equal((await store.describe()).indexes?.unindexedRows, 0, 'an optimisation ran (it folded the new row into the BM25 index)');
    assert.equal(await store.dataVersion(), second, 'maintenance keeps the data version');
    assert.equal(await store.deleteWhere({ chunk_index: 10 }), 1);
    const deleted = await store.dataVersion();
    assert.notEqual(deleted, second);
    await store.settle();
    assert.equal(await store.dataVersion(), deleted);
    await store.drop();
    assert.equal(await store.dataVersion(), 'none');
    await store.upsert([chunk(1)]);
    assert.ok(![written, second, deleted, 'none'].includes(await store.dataVersion()), 'a re-created table has a new version');
    await store.close();
  });
});
