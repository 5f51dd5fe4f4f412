/**
 * The lexical pieces of HybridUniversalStrategy tuned with the retrieval quality harness: relative-score
 * fusion, support between chunks of one document, and pseudo-relevance feedback — as pure functions and on a
 * real LanceDB store (HashingEmbedder vectors).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { StoreError, type Hit, type SearchQuery, type VectorStore } from '../../src/adapters/stores/types.js';
import { createStore } from '../../src/adapters/stores/registry.js';
import { createEmbedder } from '../../src/adapters/embedders/registry.js';
import { relativeFuse, withDocumentSupport } from '../../src/adapters/retrievers/scoring.js';
import { feedbackTerms, readFeedback } from '../../src/adapters/retrievers/feedback.js';
import { createRetrievalStrategy } from '../../src/adapters/retrievers/registry.js';
import { contentQuery } from '../../src/adapters/retrievers/full-text.js';
import { StrategyConfigError, type RetrievalContext } from '../../src/adapters/retrievers/types.js';

const hit = (id: string, score: number, metadata: Record<string, unknown> = {}, text = id): Hit => ({ id, text, metadata, score });
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≠ ${b}`);

describe('relativeFuse', () => {
  test('min-max normalises each list before the weighted average, so the scales of the lists do not matter', () => {
    const fused = relativeFuse([
      { hits: [hit('a', 0.95), hit('b', 0.9), hit('c', 0.85)], weight: 0.75 }, // saturated BM25-like scores
      { hits: [hit('c', 0.7), hit('d', 0.6), hit('a', 0.5)], weight: 0.25 }, // cosine-like scores
    ]);
    const by = Object.fromEntries(fused.map((f) => [f.hit.id, f.score]));
    close(by.a, 0.75);
    close(by.b, 0.75 * 0.5);
    close(by.c, 0.25);
    close(by.d, 0.25 * 0.5);
    assert.deepEqual(fused.map((f) => f.hit.id), ['a', 'b', 'c', 'd']);
  });

  test('a list whose scores are all equal (or a single hit) counts each hit as its best', () => {
    const fused = relativeFuse([{ hits: [hit('x', 0.3), hit('y', 0.3)], weight: 1 }]);
    assert.deepEqual(fused.map((f) => f.score), [1, 1]);
    assert.equal(relativeFuse([{ hits: [hit('z', 0.1)], weight: 1 }])[0].score, 1);
  });
});

describe('withDocumentSupport', () => {
  const fused = (entries: [string, number, string | undefined][]) =>
    entries.map(([id, score, doc]) => ({ hit: hit(id, score, doc ? { file_hash: doc } : {}), score, raw: score, lists: 1 }));
  const docOf = (h: Hit) => h.metadata.file_hash as string | undefined;

  test('a chunk gains share × the scores of its document’s other chunks; order changes accordingly', () => {
    const out = withDocumentSupport(fused([['a1', 0.6, 'A'], ['b1', 0.5, 'B'], ['b2', 0.4, 'B'], ['c', 0.55, undefined]]), 0.5, docOf);
    const by = Object.fromEntries(out.map((f) => [f.hit.id, f.score]));
    close(by.a1, 0.6);
    close(by.b1, 0.5 + 0.5 * 0.4);
    close(by.b2, 0.4 + 0.5 * 0.5);
    close(by.c, 0.55);
    assert.deepEqual(out.map((f) => f.hit.id), ['b1', 'b2', 'a1', 'c']);
  });

  test('scores stay in [0, 1] (divided by the best only when it passes 1); share 0 changes nothing', () => {
    const out = withDocumentSupport(fused([['x1', 1, 'X'], ['x2', 1, 'X'], ['y', 0.5, 'Y']]), 1, docOf);
    assert.deepEqual(out.map((f) => f.score), [1, 1, 0.25]);
    const same = fused([['p', 0.2, 'P'], ['q', 0.1, 'P']]);
    assert.equal(withDocumentSupport(same, 0, docOf), same);
  });
});

describe('contentQuery', () => {
  test('drops question words and other function words, keeps the content; all function words → the whole query', () => {
    assert.equal(contentQuery('When should llamas be sheared?'), 'llamas sheared');
    assert.equal(contentQuery('Why does B12 deficiency raise homocysteine?'), 'B12 deficiency raise homocysteine');
    assert.equal(contentQuery('What is it?'), 'What is it');
    assert.equal(contentQuery('?!'), '');
  });
});

describe('feedbackTerms', () => {
  const hits = [
    hit('1', 0.9, {}, 'Homocysteine levels fall when folate and cobalamin are given; cobalamin deficiency raises homocysteine.'),
    hit('2', 0.8, {}, 'Folate supplements lower plasma homocysteine in adults.'),
    hit('3', 0.7, {}, 'Unrelated words about glaciers and glaciers.'),
  ];

  test('words of the best hits the query lacks, the best-ranked hits weighing most; stop words and numbers never', () => {
    const terms = feedbackTerms('Vitamin B12 deficiency increases homocysteine', hits, { docs: 2, terms: 3 });
    // cobalamin twice in the best hit; folate in both; then words once in the best hit (ties: alphabetical stem).
    assert.deepEqual(terms, ['cobalamin', 'folate', 'fall']);
    assert.ok(!terms.includes('glaciers'), 'only the best `docs` hits teach');
    const all = feedbackTerms('homocysteine', hits, { docs: 3, terms: 50 });
    for (const w of ['and', 'are', 'the', 'homocysteine', '12']) assert.ok(!all.includes(w), w);
    assert.ok(all.includes('glaciers'));
  });

  test('nothing to learn from → no terms', () => {
    assert.deepEqual(feedbackTerms('query', [], { docs: 5, terms: 5 }), []);
    assert.deepEqual(feedbackTerms('query words', [hit('x', 1, {}, 'query words 42')], { docs: 5, terms: 5 }), []);
  });

  test('config: defaults, and bad values are StrategyConfigErrors naming the key', () => {
    assert.equal(readFeedback('T', {}, 'feedback'), undefined);
    assert.deepEqual(readFeedback('T', { feedback: {} }, 'feedback'), { docs: 10, terms: 20, weight: 0.3 });
    assert.throws(() => readFeedback('T', { feedback: { weight: 2 } }, 'feedback'), (e: unknown) => e instanceof StrategyConfigError && /feedback\.weight/.test(e.message));
    assert.throws(() => readFeedback('T', { feedback: 3 }, 'feedback'), StrategyConfigError);
    assert.throws(() => createRetrievalStrategy('HybridUniversalStrategy', { document_support: -1 }), /document_support/);
    assert.throws(() => createRetrievalStrategy('HybridUniversalStrategy', { combination_method: 'nope' }), /relative_score/);
  });
});

describe('HybridUniversalStrategy lexical options on a real store', () => {
  const DOCS = [
    ['A', 'Homocysteine in blood rises with cobalamin deficiency.'],
    ['A', 'Cobalamin and folate supplements bring it back down within weeks.'],
    ['A', 'Cobalamin is vitamin B12.'],
    ['B', 'Cobalamin absorption needs intrinsic factor from the stomach.'],
    ['C', 'Glaciers retreat when summers are warm.'],
    ['D', 'Sheep graze on alpine meadows in summer.'],
  ] as const;
  let dir: string;
  let store: VectorStore;
  const searches: SearchQuery[] = [];
  const embedder = createEmbedder('HashingEmbedder', { dimension: 256 });

  before(async () => {
    dir = await tempDir('lf-lexical-');
    store = await createStore('LanceDBStore', { dir: join(dir, 'db'), database: 'db', config: {} });
    const vectors = await embedder.embed(DOCS.map(([, text]) => text));
    await store.upsert(DOCS.map(([doc, text], i) => ({ id: `c${i}`, text, vector: vectors[i], metadata: { file_hash: doc } })));
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const recording: Pick<VectorStore, 'search'> = { search: (q) => (searches.push(q), store.search(q)) };
  const ctx = (query: string, topK: number): RetrievalContext => ({
    store: new Proxy(store, { get: (t, p) => (p === 'search' ? recording.search : Reflect.get(t, p)) }),
    query,
    topK,
    hints: {},
    embed: (t) => embedder.embed(t),
  });

  test('feedback searches the top hit’s other words and finds a chunk that shares none with the query', async () => {
    const plain = createRetrievalStrategy('HybridUniversalStrategy', { combination_method: 'relative_score', alpha: 0 });
    const withFeedback = createRetrievalStrategy('HybridUniversalStrategy', { combination_method: 'relative_score', alpha: 0, feedback: { docs: 1, terms: 3, weight: 0.5 } });
    const query = 'homocysteine blood';
    const before = await plain.retrieve(ctx(query, 5));
    assert.deepEqual(before.map((h) => h.id), ['c0'], 'only one chunk has the query words');
    searches.length = 0;
    const after = await withFeedback.retrieve(ctx(query, 5));
    assert.equal(searches.length, 2);
    assert.equal(searches[0].text, 'homocysteine blood');
    assert.deepEqual(searches[1].text!.split(' ').sort(), ['cobalamin', 'deficiency', 'rises']);
    assert.equal(after[0].id, 'c0');
    assert.ok(after.some((h) => h.id === 'c3'), 'found through the word "cobalamin" of the top hit');
    for (const h of after) assert.ok(h.score >= 0 && h.score <= 1);
    assert.equal(after[0].metadata.fusion_method, 'relative_score');
  });

  test('drop_stop_words sends the content words only to the full-text index', async () => {
    searches.length = 0;
    await createRetrievalStrategy('HybridUniversalStrategy', { alpha: 0, drop_stop_words: true }).retrieve(ctx('When does homocysteine rise?', 3));
    assert.deepEqual(searches.map((q) => q.text), ['homocysteine rise']);
  });

  test('a query the embedder cannot represent (zero vector) is answered from full text alone, and says so', async () => {
    const zero: RetrievalContext = { ...ctx('cobalamin absorption', 3), embed: async (t) => t.map(() => new Float32Array(256)) };
    const hits = await createRetrievalStrategy('HybridUniversalStrategy', { combination_method: 'relative_score', alpha: 0.5 }).retrieve(zero);
    assert.equal(hits[0].id, 'c3');
    for (const h of hits) assert.match(String(h.metadata.hybrid_degraded), /vector search skipped: .*all zeros/);
    // Vector search alone has nothing to fall back on: the store's refusal reaches the caller.
    await assert.rejects(createRetrievalStrategy('BasicSimilarityStrategy').retrieve(zero), (e: unknown) => e instanceof StoreError && e.code === 'invalid_vector');
  });

  test('document support lifts the second chunk of a document that matches twice', async () => {
    const query = 'cobalamin absorption';
    const without = await createRetrievalStrategy('HybridUniversalStrategy', { alpha: 0 }).retrieve(ctx(query, 5));
    const withSupport = await createRetrievalStrategy('HybridUniversalStrategy', { alpha: 0, document_support: 1 }).retrieve(ctx(query, 5));
    assert.equal(without[0].id, 'c3', 'without support, the one chunk of document B with both words leads');
    assert.equal(withSupport.at(-1)!.id, 'c3', 'with support, the three chunks of document A (one word each) lead');
    for (const h of withSupport) assert.ok(h.score >= 0 && h.score <= 1);
  });
});
