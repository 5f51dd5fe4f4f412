/**
 * The vector store conformance suite: every `VectorStore` (LanceDB now; pgvector, Chroma later) must pass it.
 * It only uses the `VectorStore` interface, so it says nothing about how a store keeps its data.
 *
 *   storeConformance('MyStore', async ({ dimension, name }) => openAnEmptyStore(...), async () => cleanUp());
 *
 * The factory returns an empty store for a fresh `name` that accepts vectors of `dimension`; the suite closes
 * every store it opened, and calls `cleanup` once at the end. A store without full-text search passes
 * `{ fullText: false }` as the fourth argument; everything else is required of every store.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { StoreError, type VectorStore } from '../../src/adapters/stores/types.js';
import { assertBestFirst, chunk, DIM, range, rejectsWith, unitVector } from './stores-fixtures.js';
import { metadataFilterTests } from './stores-filters.js';
import { ownershipTests } from './stores-ownership.js';

export { unitVector } from './stores-fixtures.js';

export interface StoreFactoryOptions {
  dimension: number;
  name: string;
}
export type StoreFactory = (opts: StoreFactoryOptions) => Promise<VectorStore>;

export interface StoreConformanceOptions {
  /** The store answers `search({text})` and hybrid queries (default true); false skips those checks. */
  fullText?: boolean;
}

export function storeConformance(
  label: string,
  factory: StoreFactory,
  cleanup?: () => Promise<void>,
  { fullText = true }: StoreConformanceOptions = {},
): void {
  let counter = 0;
  const textOnly = fullText ? {} : { skip: `${label} has no full-text search` };
  const opened: VectorStore[] = [];
  async function fresh(dimension = DIM): Promise<VectorStore> {
    const store = await factory({ dimension, name: `conf_${process.pid}_${++counter}` });
    opened.push(store);
    return store;
  }

  describe(`VectorStore conformance: ${label}`, () => {
    after(async () => {
      for (const s of opened) await s.close();
      await cleanup?.();
    });

    test('upsert stores chunks and count/describe see them', async () => {
      const store = await fresh();
      assert.deepEqual(await store.upsert(range(10).map((i) => chunk(i))), { stored: 10, skipped: 0 });
      assert.equal(await store.count(), 10);
      const d = await store.describe();
      assert.equal(d.rows, 10);
      assert.equal(d.dimension, DIM);
      assert.deepEqual(await store.upsert([]), { stored: 0, skipped: 0 });
      assert.equal(await store.count(), 10);
    });

    test('re-upserting the same ids replaces rows: same count, new text and metadata', async () => {
      const store = await fresh();
      await store.upsert(range(10).map((i) => chunk(i)));
      const again = range(10).map((i) => chunk(i, { text: `rewritten ${i}`, metadata: { chunk_index: i, version: 2 } }));
      assert.deepEqual(await store.upsert(again), { stored: 0, skipped: 10 });
      assert.equal(await store.count(), 10);
      const [top] = await store.search({ vector: unitVector(4), topK: 1 });
      assert.equal(top.id, chunk(3).id);
      assert.equal(top.text, 'rewritten 3');
      assert.deepEqual(top.metadata, { chunk_index: 3, version: 2 });
      // A mixed batch: 5 known ids and 5 new ones.
      assert.deepEqual(await store.upsert(range(10, 5).map((i) => chunk(i))), { stored: 5, skipped: 5 });
      assert.equal(await store.count(), 15);
    });

    test('an id repeated inside one batch is stored once (the first wins)', async () => {
      const store = await fresh();
      const batch = [chunk(1, { text: 'first' }), chunk(2), chunk(1, { text: 'second' })];
      assert.deepEqual(await store.upsert(batch), { stored: 2, skipped: 1 });
      assert.equal(await store.count(), 2);
      const [top] = await store.search({ vector: unitVector(2), topK: 1 });
      assert.equal(top.text, 'first');
    });

    test('1,000+ vectors in one batch, then three more batches of 1,000', async () => {
      const store = await fresh();
      assert.deepEqual(await store.upsert(range(1200).map((i) => chunk(i))), { stored: 1200, skipped: 0 });
      for (let b = 0; b < 3; b++) {
        const res = await store.upsert(range(1000, 1200 + b * 1000).map((i) => chunk(i)));
        assert.deepEqual(res, { stored: 1000, skipped: 0 });
      }
      assert.equal(await store.count(), 4200);
      for (const i of [0, 1199, 2500, 4199]) {
        const [top] = await store.search({ vector: unitVector(i + 1), topK: 1 });
        assert.equal(top.id, chunk(i).id);
      }
    });

    test('4 concurrent writers of disjoint ids lose and duplicate nothing', async () => {
      const store = await fresh();
      const writer = async (w: number): Promise<number> => {
        let stored = 0;
        for (let b = 0; b < 5; b++) stored += (await store.upsert(range(50, w * 1000 + b * 50).map((i) => chunk(i)))).stored;
        return stored;
      };
      const stored = await Promise.all([0, 1, 2, 3].map(writer));
      assert.deepEqual(stored, [250, 250, 250, 250]);
      assert.equal(await store.count(), 1000);
      // Overlapping concurrent re-upserts of the same ids still leave one row per id.
      const again = await Promise.all([0, 1, 2, 3].map(() => store.upsert(range(50).map((i) => chunk(i)))));
      assert.equal(again.reduce((n, r) => n + r.stored, 0), 0);
      assert.equal(await store.count(), 1000);
    });

    test('NaN, ±Infinity and all-zero vectors are refused and nothing of the batch is written', async () => {
      const store = await fresh();
      await store.upsert([chunk(0)]);
      for (const bad of [NaN, Infinity, -Infinity]) {
        const v = unitVector(99);
        v[5] = bad;
        await rejectsWith(store.upsert([chunk(1), chunk(2, { vector: v }), chunk(3)]), 'invalid_vector');
      }
      await rejectsWith(store.upsert([chunk(1), chunk(2, { vector: new Float32Array(DIM) })]), 'invalid_vector');
      assert.equal(await store.count(), 1);
      const q = unitVector(1);
      q[0] = NaN;
      await rejectsWith(store.search({ vector: q, topK: 1 }), 'invalid_vector');
    });

    test('a vector of another dimension is refused (writes and queries)', async () => {
      const store = await fresh();
      await store.upsert([chunk(0)]);
      await rejectsWith(store.upsert([chunk(1, {}, DIM + 1)]), 'dimension_mismatch');
      await rejectsWith(store.upsert([chunk(2), chunk(3, {}, DIM - 1)]), 'dimension_mismatch');
      assert.equal(await store.count(), 1);
      await rejectsWith(store.search({ vector: unitVector(1, DIM + 1), topK: 1 }), 'dimension_mismatch');
      // A batch that mixes dimensions is refused even by an empty store.
      const empty = await fresh();
      await rejectsWith(empty.upsert([chunk(1), chunk(2, {}, DIM * 2)]), 'dimension_mismatch');
      assert.equal(await empty.count(), 0);
    });

    test('metadata round-trips: strings, numbers, booleans, arrays, nested objects', async () => {
      const store = await fresh();
      const metadata = {
        source: "O'Brien \"quoted\" ünïcödé 🦙.pdf",
        page: 3,
        score: -0.125,
        big: 1234567890123,
        flag: true,
        off: false,
        tags: ['a', 'b', 'c'],
        mixed: [1, 'two', { three: 3 }],
        nested: { a: { b: { c: 'deep' } }, list: [1, 2] },
        empty: '',
      };
      await store.upsert([chunk(7, { metadata }), chunk(8)]);
      const [top] = await store.search({ vector: unitVector(8), topK: 1 });
      assert.equal(top.id, chunk(7).id);
      assert.deepEqual(top.metadata, metadata);
      const [filtered] = await store.search({ vector: unitVector(9), topK: 1, filter: { flag: true } });
      assert.deepEqual(filtered.metadata, metadata);
      if (fullText) {
        const [byText] = await store.search({ text: 'ordinary', topK: 1, filter: { flag: true } });
        assert.deepEqual(byText.metadata, metadata);
      }
    });

    describe('metadata filters', () => metadataFilterTests(fresh, fullText));
    describe('chunk ownership across datasets', () => ownershipTests(fresh));

    test('deleteWhere by file_hash returns the number removed; an empty filter is refused', async () => {
      const store = await fresh();
      await store.upsert(range(30).map((i) => chunk(i)));
      assert.equal(await store.count({ file_hash: 'hash1' }), 10);
      assert.equal(await store.deleteWhere({ file_hash: 'hash1' }), 10);
      assert.equal(await store.count(), 20);
      assert.equal(await store.count({ file_hash: 'hash1' }), 0);
      assert.equal(await store.deleteWhere({ file_hash: 'hash1' }), 0);
      assert.equal(await store.deleteWhere({ file_hash: { $in: ['hash0', 'nope'] }, chunk_index: { $lt: 10 } }), 4);
      assert.equal(await store.count(), 16);
      await rejectsWith(store.deleteWhere({}), 'invalid_filter');
      assert.equal(await store.count(), 16);
      const hits = await store.search({ vector: unitVector(2), topK: 50 });
      assert.ok(hits.every((h) => h.metadata.file_hash !== 'hash1'), 'a deleted chunk was found');
      assert.equal(hits.length, 16);
    });

    test('full-text search finds a rare word', textOnly, async () => {
      const store = await fresh();
      const texts = range(40).map((i) => `The farmer walked the field on day ${i} and counted the llamas.`);
      texts[17] = 'A zebracorn appeared near the barn, which surprised every llama.';
      await store.upsert(texts.map((text, i) => chunk(i, { text })));
      const hits = await store.search({ text: 'zebracorn', topK: 5 });
      assert.ok(hits.length >= 1, 'no full-text hit');
      assert.equal(hits[0].id, chunk(17).id);
      assert.ok(hits[0].score > 0 && hits[0].score <= 1, `score ${hits[0].score}`);
      assert.equal((await store.search({ text: 'zebracorn', topK: 5, filter: { file_hash: 'hash0' } })).length, 0);
      assert.equal((await store.search({ text: 'qwertyuiopasdf', topK: 5 })).length, 0);
      // Punctuation and query-syntax characters are just text.
      const odd = await store.search({ text: 'zebracorn: "barn" AND (llama) OR -field*?', topK: 3 });
      assert.equal(odd[0]?.id, chunk(17).id);
      for (const h of await store.search({ text: 'llamas field', topK: 40 })) assert.ok(h.score >= 0 && h.score <= 1, `score ${h.score}`);
    });

    test('hybrid search returns scores in [0, 1], best first, and a chunk first in both lists scores ≈ 1', textOnly, async () => {
      const store = await fresh();
      const texts = range(30).map((i) => `Routine note ${i} about irrigation schedules.`);
      texts[9] = 'The quokka census found many quokka families.';
      await store.upsert(texts.map((text, i) => chunk(i, { text })));
      const hits = await store.search({ vector: unitVector(10), text: 'quokka', topK: 10 });
      assert.ok(hits.length >= 1 && hits.length <= 10, `${hits.length} hits`);
      assert.equal(hits[0].id, chunk(9).id);
      assert.ok(Math.abs(hits[0].score - 1) < 1e-6, `top score ${hits[0].score}`);
      for (const h of hits) assert.ok(h.score >= 0 && h.score <= 1, `score ${h.score}`);
      assertBestFirst(hits);
      const filtered = await store.search({ vector: unitVector(10), text: 'quokka', topK: 10, filter: { file_hash: 'hash1' } });
      assert.ok(filtered.length > 0 && filtered.every((h) => h.metadata.file_hash === 'hash1'), 'filter not applied to hybrid search');
    });

    test('vector scores are (1 + cos) / 2: same vector ≈ 1, orthogonal ≈ 0.5, opposite ≈ 0', async () => {
      const store = await fresh();
      const v = new Float32Array(DIM);
      v[0] = 1;
      const orth = new Float32Array(DIM);
      orth[1] = 1;
      const opposite = new Float32Array(DIM);
      opposite[0] = -1;
      await store.upsert([
        ...range(20).map((i) => chunk(i)),
        { id: 'same', text: 'same', vector: v, metadata: {} },
        { id: 'orth', text: 'orth', vector: orth, metadata: {} },
        { id: 'opposite', text: 'opposite', vector: opposite, metadata: {} },
      ]);
      const hits = await store.search({ vector: v, topK: 23 });
      assert.equal(hits.length, 23);
      assert.equal(hits[0].id, 'same');
      assert.ok(hits[0].score > 0.999, `self score ${hits[0].score}`);
      const byId = new Map(hits.map((h) => [h.id, h.score]));
      assert.ok(Math.abs((byId.get('orth') ?? -1) - 0.5) < 1e-3, `orthogonal score ${byId.get('orth')}`);
      assert.ok((byId.get('opposite') ?? 1) < 1e-3, `opposite score ${byId.get('opposite')}`);
      assert.equal(hits.at(-1)?.id, 'opposite');
      assertBestFirst(hits);
      // The top-1 of any stored vector is that chunk.
      for (const i of [0, 7, 19]) {
        const [top] = await store.search({ vector: unitVector(i + 1), topK: 1 });
        assert.equal(top.id, chunk(i).id);
        assert.ok(top.score > 0.999, `self score ${top.score}`);
      }
    });

    test('topK bounds the result; an empty store returns nothing; a query needs a vector or a text', async () => {
      const store = await fresh();
      assert.deepEqual(await store.search({ vector: unitVector(1), topK: 5 }), []);
      if (fullText) assert.deepEqual(await store.search({ text: 'anything', topK: 5 }), []);
      await store.upsert(range(12).map((i) => chunk(i)));
      assert.equal((await store.search({ vector: unitVector(1), topK: 5 })).length, 5);
      assert.equal((await store.search({ vector: unitVector(1), topK: 50 })).length, 12);
      assert.deepEqual(await store.search({ vector: unitVector(1), topK: 0 }), []);
      await assert.rejects(store.search({ topK: 3 }), StoreError);
    });

    test('drop removes everything; the store can be written again, even with another dimension', async () => {
      const store = await fresh();
      await store.upsert(range(25).map((i) => chunk(i)));
      await store.drop();
      assert.equal(await store.count(), 0);
      assert.equal((await store.describe()).rows, 0);
      assert.deepEqual(await store.search({ vector: unitVector(1), topK: 3 }), []);
      assert.deepEqual(await store.upsert(range(5).map((i) => chunk(i, {}, DIM * 2))), { stored: 5, skipped: 0 });
      assert.equal(await store.count(), 5);
      assert.equal((await store.describe()).dimension, DIM * 2);
      await store.drop();
      await store.drop(); // dropping an empty store is fine
      assert.equal(await store.count(), 0);
    });

    test('setEmbedder remembers the embedder and guards the dimension and the model', async (t) => {
      const store = await fresh();
      if (!store.setEmbedder) {
        t.skip('store does not implement setEmbedder');
        return;
      }
      await store.setEmbedder('embedder-a', DIM);
      let d = await store.describe();
      assert.equal(d.embedder, 'embedder-a');
      assert.equal(d.dimension, DIM);
      await rejectsWith(store.upsert([chunk(1, {}, DIM + 4)]), 'dimension_mismatch');
      await store.upsert(range(3).map((i) => chunk(i)));
      await rejectsWith(store.setEmbedder('embedder-a', DIM + 4), 'dimension_mismatch');
      await rejectsWith(store.setEmbedder('embedder-b', DIM), 'embedder_mismatch');
      await store.setEmbedder('embedder-a', DIM);
      assert.equal(await store.count(), 3);
      await store.drop();
      d = await store.describe();
      assert.equal(d.embedder, undefined);
      assert.equal(d.rows, 0);
      // Once emptied, another embedder (and dimension) may take over.
      await store.setEmbedder('embedder-b', DIM + 4);
      assert.deepEqual(await store.upsert([chunk(1, {}, DIM + 4)]), { stored: 1, skipped: 0 });
      assert.equal((await store.describe()).embedder, 'embedder-b');
    });
  });
}
