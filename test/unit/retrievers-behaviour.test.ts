/**
 * Strategy behaviour beyond the conformance suite, on a real LanceDB store holding a small farm handbook
 * (HashingEmbedder): the cross-encoder's normalisation, ordering and degraded paths against the rerank fake,
 * the HTTP rerank protocol, hybrid weighting and its fallback, multi-query variation sources, basic config.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { createStore } from '../../src/adapters/stores/registry.js';
import { createEmbedder } from '../../src/adapters/embedders/registry.js';
import type { SearchQuery, VectorStore } from '../../src/adapters/stores/types.js';
import { createRetrievalStrategy } from '../../src/adapters/retrievers/registry.js';
import { HttpReranker, rerankUrl } from '../../src/adapters/retrievers/rerankers/http.js';
import { RerankerUnavailableError, type RetrievalContext } from '../../src/adapters/retrievers/types.js';
import { DEGRADED_SCORE } from '../../src/adapters/retrievers/cross-encoder.js';
import { RerankFake } from '../fakes/rerank-fake.js';

const TEXTS = [
  'Llamas eat grass and hay. An adult llama eats about two percent of its body weight every day.',
  'Shear llamas once a year, in spring, before the hot weather arrives.',
  'Llamas spit mostly at each other when they argue about food.',
  'A llama is about 1.8 metres tall at the head and lives for about twenty years.',
  'Alpacas are smaller than llamas and are raised for their soft fibre.',
  'Guard llamas protect sheep from coyotes and foxes on many farms.',
  'Clean the water trough every week and give fresh hay in winter.',
  'Vaccinate the herd against tetanus once a year; ask your vet about the schedule.',
];

describe('retrieval strategies on a real store', () => {
  let dir: string;
  let store: VectorStore;
  const embedder = createEmbedder('HashingEmbedder', { dimension: 256 });
  const fake = new RerankFake();

  before(async () => {
    dir = await tempDir('lf-retrievers-');
    store = await createStore('LanceDBStore', { dir: join(dir, 'db'), database: 'db', config: {} });
    const vectors = await embedder.embed(TEXTS);
    await store.upsert(TEXTS.map((text, i) => ({ id: `farm_${i}`, text, vector: vectors[i], metadata: { source: 'handbook.md', n: i, _internal: 'x', priority: i === 7 ? 'critical' : 'low' } })));
    await fake.start();
  });
  after(async () => {
    await store.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  const ctx = (query: string, topK: number, extra: Partial<RetrievalContext> = {}): RetrievalContext => ({
    store,
    query,
    topK,
    hints: {},
    embed: (t) => embedder.embed(t),
    reranker: (name) => {
      if (name !== 'reranker') throw new RerankerUnavailableError(`model '${name}' is not in runtime.models`);
      return new HttpReranker({ baseUrl: fake.url, model: 'bge-reranker-test' });
    },
    ...extra,
  });

  describe('CrossEncoderRerankedStrategy', () => {
    test('sends the protocol request and orders by normalised reranker scores', async () => {
      fake.requests.length = 0;
      fake.behaviour = { scores: [1, 8, -3, 2, 5, 0.5, 4, 3] };
      const s = createRetrievalStrategy('CrossEncoderRerankedStrategy', { model_name: 'reranker', initial_k: 8, final_k: 8 });
      const hits = await s.retrieve(ctx('when to shear llamas', 8));
      assert.equal(fake.requests.length, 1);
      const req = fake.requests[0];
      assert.equal(req.path, '/v1/rerank');
      assert.deepEqual(Object.keys(req.body).sort(), ['documents', 'model', 'query', 'return_documents']);
      assert.equal(req.body.model, 'bge-reranker-test');
      assert.equal(req.body.query, 'when to shear llamas');
      assert.equal(req.body.return_documents, false);
      assert.equal(req.body.documents.length, 8);
      // Each hit's score is (raw − min) / (max − min) of the raw score the fake gave its document.
      const raw = (text: string) => fake.behaviour.scores![req.body.documents.indexOf(text)];
      assert.deepEqual(hits.map((h) => raw(h.text)), [8, 5, 4, 3, 2, 1, 0.5, -3]);
      for (const h of hits) assert.ok(Math.abs(h.score - (raw(h.text) + 3) / 11) < 1e-9);
      assert.equal(hits[0].score, 1);
      assert.equal(hits.at(-1)!.score, 0);
      assert.deepEqual(hits.map((h) => h.metadata.rerank_position), [1, 2, 3, 4, 5, 6, 7, 8]);
      assert.equal(hits[0].metadata.reranker_model, 'bge-reranker-test');
      assert.equal(hits[0].metadata.reranker_raw_score, 8);
      assert.equal(typeof hits[0].metadata.base_score, 'number');
    });

    test('relevance_threshold, final_k and top_k cap the results; equal scores are 0.5', async () => {
      fake.behaviour = { scores: [1, 8, -3, 2, 5, 0.5, 4, 3] };
      const s = createRetrievalStrategy('CrossEncoderRerankedStrategy', { model_name: 'reranker', relevance_threshold: 0.6, final_k: 10 });
      const hits = await s.retrieve(ctx('llamas', 8));
      assert.equal(hits.length, 3, 'raw 8, 5 and 4 normalise to >= 0.6');
      assert.equal((await createRetrievalStrategy('CrossEncoderRerankedStrategy', { model_name: 'reranker', final_k: 2 }).retrieve(ctx('llamas', 8))).length, 2);
      assert.equal((await createRetrievalStrategy('CrossEncoderRerankedStrategy', { model_name: 'reranker' }).retrieve(ctx('llamas', 3))).length, 3);
      fake.behaviour = { scores: [2, 2, 2, 2, 2, 2, 2, 2] };
      const equal = await createRetrievalStrategy('CrossEncoderRerankedStrategy', { model_name: 'reranker' }).retrieve(ctx('llamas', 4));
      assert.deepEqual(equal.map((h) => h.score), [0.5, 0.5, 0.5, 0.5]);
    });

    test('documents the reranker leaves out follow in base order with score 0', async () => {
      fake.behaviour = { rawBody: JSON.stringify({ data: [{ index: 2, relevance_score: 0.9 }, { index: 0, relevance_score: 0.1 }] }) };
      const base = await createRetrievalStrategy('BasicSimilarityStrategy').retrieve(ctx('llama food', 5));
      const hits = await createRetrievalStrategy('CrossEncoderRerankedStrategy', { model_name: 'reranker', initial_k: 5 }).retrieve(ctx('llama food', 5));
      assert.deepEqual(hits.slice(0, 2).map((h) => h.id), [base[2].id, base[0].id]);
      assert.deepEqual(hits.slice(2).map((h) => h.id), [base[1].id, base[3].id, base[4].id]);
      assert.deepEqual(hits.map((h) => h.score), [1, 0, 0, 0, 0]);
    });

    test('degraded paths: a failing server, a bad answer, an unknown model, no model — base order, 0.5, reported', async () => {
      const base = await createRetrievalStrategy('BasicSimilarityStrategy').retrieve(ctx('guard llamas protect sheep', 5));
      const cases: [Partial<typeof fake.behaviour>, Record<string, unknown>, RegExp][] = [
        [{ status: 500 }, { model_name: 'reranker' }, /answered 500/],
        [{ rawBody: 'not json' }, { model_name: 'reranker' }, /not JSON/],
        [{ rawBody: JSON.stringify({ data: [{ index: 99, relevance_score: 1 }] }) }, { model_name: 'reranker' }, /invalid item/],
        [{}, { model_name: 'ghost' }, /'ghost' is not in runtime.models/],
        [{}, {}, /no model_name/],
      ];
      for (const [behaviour, config, reason] of cases) {
        fake.behaviour = behaviour;
        const hits = await createRetrievalStrategy('CrossEncoderRerankedStrategy', { initial_k: 5, ...config }).retrieve(ctx('guard llamas protect sheep', 5));
        assert.deepEqual(hits.map((h) => h.id), base.map((h) => h.id), `${reason}: base order`);
        for (const h of hits) {
          assert.equal(h.score, DEGRADED_SCORE);
          assert.equal(h.metadata.rerank_degraded, true);
          assert.match(String(h.metadata.rerank_error), reason);
        }
      }
    });

    test('a timeout degrades too, and the rerank_model hint picks the model', async () => {
      fake.behaviour = { delayMs: 1500 };
      const slow = await createRetrievalStrategy('CrossEncoderRerankedStrategy', { model_name: 'reranker', timeout: 0.05 }).retrieve(ctx('llamas', 2));
      assert.match(String(slow[0].metadata.rerank_error), /timed out/);
      fake.behaviour = {};
      const hinted = await createRetrievalStrategy('CrossEncoderRerankedStrategy', { model_name: 'ghost' }).retrieve(ctx('llamas', 2, { hints: { rerankModel: 'reranker' } }));
      assert.equal(hinted[0].metadata.rerank_degraded, undefined);
      assert.equal(hinted[0].metadata.reranker_model, 'bge-reranker-test');
    });
  });

  describe('HttpReranker protocol', () => {
    test('URL: /v1 added unless the base ends with it', () => {
      assert.equal(rerankUrl('http://h:1'), 'http://h:1/v1/rerank');
      assert.equal(rerankUrl('http://h:1/v1/'), 'http://h:1/v1/rerank');
      assert.equal(rerankUrl('http://h:1/api'), 'http://h:1/api/v1/rerank');
    });

    test('reads `results` as well as `data`, sends the API key, sorts best first', async () => {
      const cohere = await new RerankFake('results').start();
      try {
        const r = new HttpReranker({ baseUrl: `${cohere.url}/v1`, model: 'm', apiKey: 'sk-test' });
        const out = await r.rerank('llama wool', ['cats', 'llama wool is soft', 'wool']);
        assert.deepEqual(out.map((x) => x.index), [1, 2, 0]);
        assert.equal(cohere.requests[0].headers.authorization, 'Bearer sk-test');
        assert.deepEqual(await r.rerank('x', []), [], 'no documents, no request');
        assert.equal(cohere.requests.length, 1);
      } finally {
        await cohere.close();
      }
    });

    test('an unreachable server is an error naming the URL', async () => {
      const r = new HttpReranker({ baseUrl: 'http://127.0.0.1:9', model: 'm', timeoutMs: 2000 });
      await assert.rejects(r.rerank('q', ['d']), /127\.0\.0\.1:9\/v1\/rerank unreachable/);
    });
  });

  describe('HybridUniversalStrategy', () => {
    /** The store, counting searches by kind, optionally refusing full text. */
    const spy = (refuseText: boolean) => {
      const calls = { vector: 0, text: 0 };
      const wrapped: VectorStore = Object.create(store) as VectorStore;
      wrapped.search = async (q: SearchQuery) => {
        if (q.text) calls.text++;
        if (q.vector) calls.vector++;
        if (q.text && refuseText) throw new Error('no full-text index here');
        return store.search(q);
      };
      return { wrapped, calls };
    };

    test('vector and full-text lists are both searched and fused', async () => {
      const { wrapped, calls } = spy(false);
      const hits = await createRetrievalStrategy('HybridUniversalStrategy', { combination_method: 'rank_fusion' }).retrieve(ctx('coyotes', 3, { store: wrapped }));
      assert.deepEqual(calls, { vector: 1, text: 1 });
      assert.equal(hits[0].id, 'farm_5', 'the only chunk with the word ranks first');
      assert.equal(hits[0].metadata.fusion_method, 'rank_fusion');
      assert.equal(typeof hits[0].metadata.fusion_score, 'number');
    });

    test('hybrid_alpha: 1 searches vectors only, 0 full text only (the hint beats the config)', async () => {
      const v = spy(false);
      const vectorOnly = await createRetrievalStrategy('HybridUniversalStrategy', { alpha: 0.2 }).retrieve(ctx('llama', 4, { store: v.wrapped, hints: { hybridAlpha: 1 } }));
      assert.deepEqual(v.calls, { vector: 1, text: 0 });
      const basic = await createRetrievalStrategy('BasicSimilarityStrategy').retrieve(ctx('llama', 4));
      assert.deepEqual(vectorOnly.map((h) => h.id), basic.map((h) => h.id));
      assert.deepEqual(vectorOnly.map((h) => h.score), basic.map((h) => h.score), 'weighted average of one list is its score');
      const t = spy(false);
      const textOnly = await createRetrievalStrategy('HybridUniversalStrategy').retrieve(ctx('vaccinate tetanus', 4, { store: t.wrapped, hints: { hybridAlpha: 0 } }));
      assert.deepEqual(t.calls, { vector: 0, text: 1 });
      assert.equal(textOnly[0].id, 'farm_7');
    });

    test('without full-text search the vectors answer and hits say hybrid_degraded', async () => {
      const { wrapped } = spy(true);
      const hits = await createRetrievalStrategy('HybridUniversalStrategy').retrieve(ctx('shear in spring', 3, { store: wrapped }));
      assert.equal(hits.length, 3);
      assert.match(String(hits[0].metadata.hybrid_degraded), /no full-text index here/);
      const onlyText = await createRetrievalStrategy('HybridUniversalStrategy').retrieve(ctx('shear in spring', 3, { store: wrapped, hints: { hybridAlpha: 0 } }));
      assert.equal(onlyText.length, 3, 'full text alone failing still answers from the vectors');
    });
  });

  describe('MultiQueryStrategy and basic configs', () => {
    test('model variations are used; a failing model falls back to lexical variants', async () => {
      const asked: [string, number][] = [];
      const good = await createRetrievalStrategy('MultiQueryStrategy', { num_queries: 3 }).retrieve(
        ctx('llama height', 3, { generateVariations: async (q, n) => (asked.push([q, n]), ['how tall is a llama', 'llama size in metres']) }),
      );
      assert.deepEqual(asked, [['llama height', 2]]);
      assert.equal(good[0].metadata.query_variations_source, 'model');
      assert.equal(good[0].metadata.query_variations, 3);
      assert.equal(good[0].id, 'farm_3');
      const bad = await createRetrievalStrategy('MultiQueryStrategy').retrieve(
        ctx('How tall is a llama?', 3, { generateVariations: async () => Promise.reject(new Error('model down')) }),
      );
      assert.equal(bad[0].metadata.query_variations_source, 'lexical');
      assert.ok((bad[0].metadata.query_frequency as number) >= 1);
    });

    test('similarity_threshold, max_results and include_metadata', async () => {
      const all = await createRetrievalStrategy('BasicSimilarityStrategy').retrieve(ctx('llama', 8));
      const cut = all[3].score;
      const kept = await createRetrievalStrategy('BasicSimilarityStrategy', { similarity_threshold: cut }).retrieve(ctx('llama', 8));
      assert.ok(kept.length >= 4 && kept.length < 8 && kept.every((h) => h.score >= cut));
      assert.equal((await createRetrievalStrategy('BasicSimilarityStrategy', { max_results: 2 }).retrieve(ctx('llama', 8))).length, 2);
      const stripped = await createRetrievalStrategy('BasicSimilarityStrategy', { include_metadata: false }).retrieve(ctx('llama', 1));
      assert.equal(stripped[0].metadata._internal, undefined);
      assert.equal(stripped[0].metadata.source, 'handbook.md');
      assert.equal(all[0].metadata._internal, 'x');
    });

    test('RerankedStrategy: metadata signals lift a chunk; final_k caps', async () => {
      const plain = await createRetrievalStrategy('BasicSimilarityStrategy').retrieve(ctx('llamas and the herd', 8));
      const reranked = await createRetrievalStrategy('RerankedStrategy', { rerank_factors: { similarity_weight: 0.5, metadata_weight: 0.5, recency_weight: 0, length_weight: 0 } }).retrieve(ctx('llamas and the herd', 8));
      assert.equal(reranked[0].id, 'farm_7', 'the critical-priority chunk comes first');
      assert.notEqual(plain[0].id, 'farm_7');
      assert.equal(reranked[0].metadata.base_similarity_score, plain.find((h) => h.id === 'farm_7')!.score);
      assert.equal((await createRetrievalStrategy('RerankedStrategy', { final_k: 2 }).retrieve(ctx('llama', 8))).length, 2);
    });

    test('MetadataFilteredStrategy: config filters restrict, with operators', async () => {
      const hits = await createRetrievalStrategy('MetadataFilteredStrategy', { filters: { n: { $gte: 5 } } }).retrieve(ctx('llama', 8));
      assert.deepEqual(hits.map((h) => h.metadata.n).sort(), [5, 6, 7]);
      const both = await createRetrievalStrategy('MetadataFilteredStrategy', { filters: { n: { $gte: 5 } } }).retrieve(ctx('llama', 8, { filter: { n: { $lt: 7 } } }));
      assert.deepEqual(both.map((h) => h.metadata.n).sort(), [5, 6]);
      const clash = await createRetrievalStrategy('MetadataFilteredStrategy', { filters: { n: { $in: [1, 2, 3] } } }).retrieve(ctx('llama', 8, { filter: { n: { $in: [3, 4] } } }));
      assert.deepEqual(clash.map((h) => h.metadata.n), [3]);
    });
  });
});
