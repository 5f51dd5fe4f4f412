/** The metadata filter part of the vector store conformance suite (semantics: src/adapters/stores/filter.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VectorStore } from '../../src/adapters/stores/types.js';
import { ids, rejectsWith, unitVector } from './stores-fixtures.js';

/** Registers the filter tests; `fresh` opens an empty store, `fullText` also checks filtered text search. */
export function metadataFilterTests(fresh: () => Promise<VectorStore>, fullText: boolean): void {
  // source/page/dataset/file_hash are common keys; lang/n/draft are arbitrary ones.
  const rows = [
    { source: 'a.pdf', page: 1, dataset: 'd1', lang: 'en', n: 10, draft: true },
    { source: 'a.pdf', page: 2, dataset: 'd1', lang: 'fr', n: 20, draft: false },
    { source: 'b.pdf', page: 3, dataset: 'd2', lang: 'en', n: 30 },
    { source: 'b.pdf', page: '4', dataset: 'd2', lang: 'de', n: '40' },
    { source: 'c.md', dataset: 'd3', n: 50, draft: true },
    { source: 'c.md', page: 6, dataset: 'd3', lang: 'en', n: 60, draft: false },
  ];
  let store: VectorStore;
  const id = (i: number): string => `f${i}`;
  const expectIds = async (filter: Parameters<VectorStore['count']>[0], want: number[]): Promise<void> => {
    const expected = want.map(id).sort();
    const what = JSON.stringify(filter);
    assert.deepEqual(ids(await store.search({ vector: unitVector(1), topK: 50, filter })), expected, `search ${what}`);
    if (fullText) assert.deepEqual(ids(await store.search({ text: 'filterable', topK: 50, filter })), expected, `text search ${what}`);
    assert.equal(await store.count(filter), expected.length, `count ${what}`);
  };

  test('set up', async () => {
    store = await fresh();
    await store.upsert(rows.map((metadata, i) => ({ id: id(i), text: `filterable row ${i}`, vector: unitVector(100 + i), metadata })));
  });
  test('scalar equality (string, number, boolean) and array membership', async () => {
    await expectIds({ source: 'a.pdf' }, [0, 1]);
    await expectIds({ page: 3 }, [2]);
    await expectIds({ n: 20 }, [1]);
    await expectIds({ draft: true }, [0, 4]);
    await expectIds({ lang: 'en' }, [0, 2, 5]);
    await expectIds({ dataset: ['d1', 'd3'] }, [0, 1, 4, 5]);
    await expectIds({ page: [1, 6] }, [0, 5]);
  });
  test('equality is strict about types: 4 does not match "4"', async () => {
    await expectIds({ page: 4 }, []);
    await expectIds({ page: '4' }, [3]);
    await expectIds({ n: 40 }, []);
    await expectIds({ n: '40' }, [3]);
  });
  test('$eq $ne $in $nin', async () => {
    await expectIds({ lang: { $eq: 'fr' } }, [1]);
    await expectIds({ source: { $ne: 'a.pdf' } }, [2, 3, 4, 5]);
    await expectIds({ lang: { $ne: 'en' } }, [1, 3]); // row 4 has no lang: excluded
    await expectIds({ source: { $in: ['b.pdf', 'c.md'] } }, [2, 3, 4, 5]);
    await expectIds({ n: { $in: [10, 60, 999] } }, [0, 5]);
    await expectIds({ dataset: { $nin: ['d1', 'd2'] } }, [4, 5]);
    await expectIds({ lang: { $nin: ['en'] } }, [1, 3]);
  });
  test('$gt $gte $lt $lte compare numbers with numbers and strings with strings', async () => {
    await expectIds({ page: { $gt: 2 } }, [2, 5]);
    await expectIds({ page: { $gte: 2 } }, [1, 2, 5]);
    await expectIds({ page: { $lt: 3 } }, [0, 1]);
    await expectIds({ page: { $lte: 3 } }, [0, 1, 2]);
    await expectIds({ n: { $gt: 20, $lte: 50 } }, [2, 4]);
    await expectIds({ source: { $gte: 'b' } }, [2, 3, 4, 5]);
    await expectIds({ lang: { $lt: 'en' } }, [3]);
  });
  test('several keys are ANDed; a missing key excludes the row', async () => {
    await expectIds({ source: 'a.pdf', lang: 'fr' }, [1]);
    await expectIds({ dataset: { $in: ['d2', 'd3'] }, draft: true }, [4]);
    await expectIds({ lang: 'en', page: { $gte: 3 }, n: { $lt: 100 } }, [2, 5]);
    await expectIds({ missing_key: 'x' }, []);
    await expectIds({ page: { $gt: 0 }, source: 'c.md' }, [5]);
  });
  test('an unknown operator is refused', async () => {
    await rejectsWith(store.count({ page: { $regex: 'x' } as never }), 'invalid_filter');
  });
  test('deleteWhere with an arbitrary key returns the number removed', async () => {
    assert.equal(await store.deleteWhere({ lang: 'en', draft: false }), 1);
    assert.equal(await store.count(), rows.length - 1);
    await expectIds({ lang: 'en' }, [0, 2]);
  });
}
