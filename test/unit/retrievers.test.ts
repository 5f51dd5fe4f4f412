/** Retrieval strategy building blocks: fusion arithmetic, filters, lexical variants, the registry, configs. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Hit } from '../../src/adapters/stores/types.js';
import { minMax, rrfFuse, weightedFuse, RRF_K } from '../../src/adapters/retrievers/scoring.js';
import { andFilters } from '../../src/adapters/retrievers/filters.js';
import { lexicalVariants } from '../../src/adapters/retrievers/query-variants.js';
import { createRetrievalStrategy, runnableType, StrategyUnavailableError, RETRIEVAL_STRATEGY_TYPES } from '../../src/adapters/retrievers/registry.js';
import { StrategyConfigError } from '../../src/adapters/retrievers/types.js';
import { metadataFactor, recencyFactor } from '../../src/adapters/retrievers/reranked.js';
import { MultiTurnRAGStrategy } from '../../src/adapters/retrievers/multi-turn.js';
import { keywordQuery } from '../../src/adapters/retrievers/full-text.js';
import { RETRIEVAL_TYPES } from '../../src/config/schema.js';

const hit = (id: string, score: number): Hit => ({ id, text: id, metadata: {}, score });

describe('fusion and normalisation', () => {
  test('rrfFuse: weighted 1/(60 + rank) sums, divided by the best possible sum', () => {
    const fused = rrfFuse([
      { hits: [hit('a', 0.9), hit('b', 0.8), hit('c', 0.1)], weight: 0.5 },
      { hits: [hit('a', 0.3), hit('d', 0.2)], weight: 0.5 },
    ]);
    assert.deepEqual(fused.map((f) => f.hit.id), ['a', 'b', 'd', 'c']);
    assert.equal(fused[0].score, 1, 'first in every list scores 1');
    assert.ok(Math.abs(fused[0].raw - 1 / RRF_K) < 1e-12);
    const b = fused.find((f) => f.hit.id === 'b')!;
    assert.ok(Math.abs(b.raw - 0.5 / (RRF_K + 1)) < 1e-12);
    assert.ok(Math.abs(b.score - 0.5 / (RRF_K + 1) / (1 / RRF_K)) < 1e-12);
    assert.equal(b.lists, 1);
    for (const f of fused) assert.ok(f.score >= 0 && f.score <= 1);
  });

  test('weightedFuse: weighted average of the lists’ scores, a missing list counting 0', () => {
    const fused = weightedFuse([
      { hits: [hit('a', 0.8), hit('b', 0.6)], weight: 3 },
      { hits: [hit('b', 1), hit('c', 0.5)], weight: 1 },
    ]);
    const by = Object.fromEntries(fused.map((f) => [f.hit.id, f.score]));
    assert.ok(Math.abs(by.a - 0.6) < 1e-12);
    assert.ok(Math.abs(by.b - 0.7) < 1e-12);
    assert.ok(Math.abs(by.c - 0.125) < 1e-12);
    assert.deepEqual(fused.map((f) => f.hit.id), ['b', 'a', 'c']);
  });

  test('a list of weight 0 is ignored; minMax maps to [0, 1] and equal values to 0.5', () => {
    assert.deepEqual(rrfFuse([{ hits: [hit('x', 1)], weight: 0 }]), []);
    assert.deepEqual(minMax([3, -1, 7]), [0.5, 0, 1]);
    assert.deepEqual(minMax([2, 2]), [0.5, 0.5]);
    assert.deepEqual(minMax([]), []);
  });
});

describe('filters', () => {
  test('andFilters merges disjoint keys and operator objects; a clash on one key is checked afterwards', () => {
    assert.deepEqual(andFilters(undefined, { a: 1 }), { store: { a: 1 } });
    assert.deepEqual(andFilters({ a: 1 }, { b: 2 }), { store: { a: 1, b: 2 } });
    assert.deepEqual(andFilters({ n: { $gt: 1 } }, { n: { $lt: 5 } }), { store: { n: { $gt: 1, $lt: 5 } } });
    assert.deepEqual(andFilters({ d: 'x' }, { d: { $in: ['x', 'y'] } }), { store: { d: 'x' }, post: { d: { $in: ['x', 'y'] } } });
    assert.deepEqual(andFilters({}, {}), {});
  });

  test('keywordQuery keeps words only', () => {
    assert.equal(keywordQuery('What\'s "BM25" (Okapi)?: a:b'), 'What s BM25 Okapi a b');
    assert.equal(keywordQuery('?!'), '');
  });
});

describe('lexical query variants', () => {
  test('keywords, a statement form and clauses; never the query itself; at most n', () => {
    const q = 'What are the feeding needs of llamas and alpacas?';
    const v = lexicalVariants(q, 5);
    assert.ok(v.length >= 3 && v.length <= 5, JSON.stringify(v));
    assert.equal(v[0], 'feeding needs llamas alpacas');
    assert.equal(v[1], 'the feeding needs of llamas and alpacas');
    assert.ok(v.includes('alpacas'), JSON.stringify(v));
    assert.ok(!v.some((x) => x.toLowerCase().replace(/\W+/g, ' ').trim() === q.toLowerCase().replace(/\W+/g, ' ').trim()));
    assert.equal(new Set(v.map((x) => x.toLowerCase())).size, v.length, 'distinct');
    assert.deepEqual(lexicalVariants(q, 0), []);
    assert.equal(lexicalVariants(q, 1).length, 1);
  });

  test('a query with nothing to vary gives no variants', () => {
    assert.deepEqual(lexicalVariants('llama', 3), []);
  });
});

describe('registry', () => {
  test('every schema type either runs or is a known unavailable one; aliases resolve', () => {
    for (const type of RETRIEVAL_TYPES) {
      if (runnableType(type)) assert.ok(createRetrievalStrategy(type, type === 'CrossEncoderRerankedStrategy' ? { model_name: 'x' } : {}));
      else assert.throws(() => createRetrievalStrategy(type), StrategyUnavailableError);
    }
    assert.equal(runnableType('VectorRetriever'), 'BasicSimilarityStrategy');
    assert.equal(runnableType('HybridRetriever'), 'HybridUniversalStrategy');
    assert.equal(runnableType('RerankedRetriever'), 'RerankedStrategy');
    assert.equal(runnableType('BM25Retriever'), 'BM25Retriever');
    assert.equal(runnableType('filtered'), 'MetadataFilteredStrategy');
    assert.equal(runnableType('GraphRetriever'), undefined);
    assert.equal(createRetrievalStrategy('VectorRetriever').type, 'BasicSimilarityStrategy');
    assert.ok(RETRIEVAL_STRATEGY_TYPES.includes('MultiTurnRAGStrategy'));
    assert.throws(() => createRetrievalStrategy('NoSuchStrategy'), /not a known type/);
    assert.throws(() => createRetrievalStrategy('ElasticRetriever'), /Elasticsearch/);
  });

  test('bad config values are StrategyConfigErrors naming the key', () => {
    const bad: [string, Record<string, unknown>, RegExp][] = [
      ['MultiQueryStrategy', { num_queries: 0 }, /num_queries/],
      ['MultiQueryStrategy', { aggregation_method: 'median' }, /aggregation_method/],
      ['MultiQueryStrategy', { query_weights: [1, -1] }, /query_weights/],
      ['HybridUniversalStrategy', { combination_method: 'magic' }, /combination_method/],
      ['HybridUniversalStrategy', { alpha: 2 }, /alpha/],
      ['HybridUniversalStrategy', { strategies: [{ type: 'HybridUniversalStrategy' }] }, /another hybrid/],
      ['HybridUniversalStrategy', { strategies: 'basic' }, /strategies/],
      ['MetadataFilteredStrategy', { filters: { a: { $regex: 'x' } } }, /unknown operator/],
      ['BasicSimilarityStrategy', { similarity_threshold: 'high' }, /similarity_threshold/],
      ['RerankedStrategy', { rerank_factors: { similarity_weight: 0, recency_weight: 0, length_weight: 0, metadata_weight: 0 } }, /positive weight/],
      ['CrossEncoderRerankedStrategy', { initial_k: 0 }, /initial_k/],
    ];
    for (const [type, config, re] of bad) {
      assert.throws(() => createRetrievalStrategy(type, config), (e: unknown) => e instanceof StrategyConfigError && re.test(e.message), `${type} ${JSON.stringify(config)}`);
    }
    assert.throws(() => createRetrievalStrategy('CrossEncoderRerankedStrategy', { base_strategy: 'GraphRetriever' }), StrategyUnavailableError);
  });
});

describe('RerankedStrategy factors', () => {
  const now = Date.parse('2026-06-15T12:00:00Z');
  test('recency: age of the first date found (ISO or epoch seconds/ms)', () => {
    assert.equal(recencyFactor({ timestamp: '2026-06-15T00:00:00Z' }, now), 1);
    assert.equal(recencyFactor({ modified_at: now / 1000 - 3 * 86400 }, now), 0.8);
    assert.equal(recencyFactor({ created_at: now - 20 * 86400000 }, now), 0.5);
    assert.equal(recencyFactor({ date: '2026-04-01' }, now), 0.2);
    assert.equal(recencyFactor({ date: '2020-01-01' }, now), 0);
    assert.equal(recencyFactor({ date: 'not a date' }, now), 0);
    assert.equal(recencyFactor({}, now), 0);
  });

  test('metadata signals add up and are capped at 1', () => {
    assert.equal(metadataFactor({}), 0);
    assert.equal(metadataFactor({ priority: 'High' }), 0.3);
    assert.ok(Math.abs(metadataFactor({ type: 'faq', verified: true }) - 0.4) < 1e-12);
    assert.equal(metadataFactor({ priority: 'critical', type: 'faq', category: 'featured', verified: true, expert_reviewed: true, view_count: 1e9 }), 1);
  });
});

describe('MultiTurnRAGStrategy decomposition', () => {
  const s = new MultiTurnRAGStrategy({}, (type, config) => createRetrievalStrategy(type, config));
  test('a long multi-part question becomes sub-queries; a simple one stays whole', () => {
    const parts = s.decompose('What do llamas eat in winter and how often should their wool be sheared by a farmer?');
    assert.deepEqual(parts, ['What do llamas eat in winter', 'how often should their wool be sheared by a farmer']);
    assert.deepEqual(s.decompose('What do llamas eat?'), ['What do llamas eat?']);
    assert.deepEqual(s.decompose('Tell me everything there is to know about the shearing of llamas in spring'), ['Tell me everything there is to know about the shearing of llamas in spring']);
  });
});
