/**
 * HybridUniversalStrategy with `lexical` on a real LanceDB store: the full-text side runs on the lexical engine
 * (not the store's index), keeps feedback and filters working, and falls back to the store's full-text search
 * for a store that cannot list its rows.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import type { SearchQuery, VectorStore } from '../../src/adapters/stores/types.js';
import { createStore } from '../../src/adapters/stores/registry.js';
import { createEmbedder } from '../../src/adapters/embedders/registry.js';
import { createRetrievalStrategy } from '../../src/adapters/retrievers/registry.js';
import type { RetrievalContext } from '../../src/adapters/retrievers/types.js';

describe('HybridUniversalStrategy lexical engine on a real LanceDB store', () => {
  const DOCS = [
    ['A', 0, 'Vitamin deficiency\n\nHomocysteine in blood rises with cobalamin deficiency.'],
    ['A', 1, 'Supplements bring it back down within weeks.'],
    ['B', 0, 'Cobalamin absorption needs intrinsic factor from the stomach.'],
    ['C', 0, 'Glaciers retreat when summers are warm.'],
    ['D', 0, 'Sheep graze on alpine meadows in summer.'],
  ] as const;
  let dir: string;
  let store: VectorStore;
  let recorded: VectorStore;
  let withoutRows: VectorStore;
  const textSearches: SearchQuery[] = [];
  const embedder = createEmbedder('HashingEmbedder', { dimension: 256 });

  before(async () => {
    dir = await tempDir('lf-lexhybrid-');
    store = await createStore('LanceDBStore', { dir: join(dir, 'db'), database: 'db', config: {} });
    const vectors = await embedder.embed(DOCS.map(([, , text]) => text));
    await store.upsert(DOCS.map(([doc, chunk, text], i) => ({ id: `c${i}`, text, vector: vectors[i]!, metadata: { file_hash: doc, chunk_index: chunk } })));
    const search = (q: SearchQuery) => {
      if (q.text !== undefined) textSearches.push(q);
      return store.search(q);
    };
    // One proxy each, so the engine's per-store cache is kept between queries.
    recorded = new Proxy(store, { get: (t, p) => (p === 'search' ? search : Reflect.get(t, p)) });
    withoutRows = new Proxy(store, { get: (t, p) => (p === 'search' ? search : p === 'readRows' ? undefined : Reflect.get(t, p)) });
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const ctx = (s: VectorStore, query: string, topK: number, extra: Partial<RetrievalContext> = {}): RetrievalContext => ({
    store: s,
    query,
    topK,
    hints: {},
    embed: (t) => embedder.embed(t),
    ...extra,
  });
  const strategy = (lexical: unknown, more: Record<string, unknown> = {}) =>
    createRetrievalStrategy('HybridUniversalStrategy', { combination_method: 'relative_score', alpha: 0, lexical, ...more });

  test('a misspelt word finds its chunk through character 3-grams, without the store’s full-text index', async () => {
    textSearches.length = 0;
    const hits = await strategy({ expansion: false }).retrieve(ctx(recorded, 'cobalamn absorbtion', 3));
    assert.equal(hits[0]!.id, 'c2');
    assert.equal(textSearches.length, 0, 'the store was not asked for full text');
    for (const h of hits) assert.ok(h.score >= 0 && h.score <= 1);
    const storeOnly = await createRetrievalStrategy('HybridUniversalStrategy', { alpha: 0 }).retrieve(ctx(store, 'cobalamn absorbtion', 3));
    assert.deepEqual(storeOnly, [], 'the store’s BM25 index has no such word');
  });

  test('with title context, a later chunk of a document matches its title words', async () => {
    const hits = await strategy({ expansion: false, char_ngrams: 0, whole_document: 1 }).retrieve(ctx(recorded, 'vitamin', 5));
    assert.deepEqual(hits.map((h) => h.id).sort(), ['c0', 'c1']);
    const noTitle = await strategy({ expansion: false, char_ngrams: 0, whole_document: 1, title_context: false }).retrieve(ctx(recorded, 'vitamin', 5));
    assert.deepEqual(noTitle.map((h) => h.id), ['c0']);
  });

  test('by default a short document scores as one unit: each of its chunks matches', async () => {
    const hits = await strategy({ expansion: false, char_ngrams: 0 }).retrieve(ctx(recorded, 'supplements', 5));
    assert.deepEqual(hits.map((h) => h.id).sort(), ['c0', 'c1']);
    assert.equal(hits[0]!.score, hits[1]!.score);
  });

  test('a metadata filter restricts the engine’s hits', async () => {
    const hits = await strategy(true).retrieve(ctx(recorded, 'cobalamin', 5, { filter: { file_hash: 'B' } }));
    assert.deepEqual(hits.map((h) => h.id), ['c2']);
  });

  test('feedback searches the engine again with the top hit’s words', async () => {
    const plain = await strategy({ expansion: false, char_ngrams: 0, whole_document: 1 }).retrieve(ctx(recorded, 'homocysteine blood', 5));
    assert.deepEqual(plain.map((h) => h.id), ['c0']);
    const fed = await strategy({ expansion: false, char_ngrams: 0, whole_document: 1 }, { feedback: { docs: 1, terms: 5, weight: 0.5 } }).retrieve(ctx(recorded, 'homocysteine blood', 5));
    assert.ok(fed.some((h) => h.id === 'c2'), 'found through "cobalamin" of the top hit');
  });

  test('a store that cannot list its rows answers full text itself', async () => {
    textSearches.length = 0;
    const hits = await strategy(true).retrieve(ctx(withoutRows, 'cobalamin absorption', 3));
    assert.equal(hits[0]!.id, 'c2');
    assert.deepEqual(textSearches.map((q) => q.text), ['cobalamin absorption']);
  });
});
