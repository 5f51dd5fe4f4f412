/**
 * Runs the retrieval strategy conformance suite against every strategy type (legacy names and the main
 * config variants too) over real documents (../shared corpora) embedded with the HashingEmbedder and stored in
 * LanceDB. The cross-encoder runs against the protocol-exact rerank fake, working and failing.
 */
import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '../../src/adapters/stores/registry.js';
import { createEmbedder } from '../../src/adapters/embedders/registry.js';
import { createRetrievalStrategy } from '../../src/adapters/retrievers/registry.js';
import { HttpReranker } from '../../src/adapters/retrievers/rerankers/http.js';
import type { RetrievalContext } from '../../src/adapters/retrievers/types.js';
import type { VectorStore } from '../../src/adapters/stores/types.js';
import { RerankFake } from '../fakes/rerank-fake.js';
import { needShared, sharedPath } from '../helpers/shared.js';
import { buildCorpus, retrieverConformance, type Corpus } from './retrievers.js';

const FILES = [
  'samples/documents/ai_overview.txt',
  'samples/documents/machine_learning_guide.md',
  'samples/documents/python_programming_basics.md',
  'demos/static_samples/customer_support/knowledge_base.txt',
  'demos/static_samples/research_papers/transformer_architecture.txt',
  'demos/static_samples/research_papers/llm_scaling_laws.txt',
].map((f) => ['corpora', 'llamafarm', ...f.split('/')]);

const skip = FILES.map((f) => needShared(...f)).find(Boolean);
if (skip) {
  console.log(`# skipping retriever conformance: ${skip}`);
} else {
  const root = mkdtempSync(join(tmpdir(), 'lf-retrievers-conformance-'));
  const stores: VectorStore[] = [];
  let corpus: Corpus | undefined;
  const fake = new RerankFake();
  const failing = new RerankFake('results');

  before(async () => {
    await fake.start();
    await failing.start();
    failing.behaviour = { status: 500 };
    const store = await createStore('LanceDBStore', { dir: join(root, 'docs'), database: 'docs', config: {} });
    const empty = await createStore('LanceDBStore', { dir: join(root, 'empty'), database: 'empty', config: {} });
    stores.push(store, empty);
    corpus = await buildCorpus(store, empty, createEmbedder('HashingEmbedder', { dimension: 256 }), FILES.map((f) => sharedPath(...f)));
  });
  after(async () => {
    for (const s of stores) await s.close();
    await fake.close();
    await failing.close();
    rmSync(root, { recursive: true, force: true });
  });

  const get = () => corpus!;
  const strategy = (type: string, config: Record<string, unknown> = {}) => () => createRetrievalStrategy(type, config);
  const rerankWith = (f: RerankFake): Partial<RetrievalContext> => ({ reranker: (name) => new HttpReranker({ baseUrl: f.url, model: name }) });

  retrieverConformance('BasicSimilarityStrategy', strategy('BasicSimilarityStrategy'), get);
  retrieverConformance('VectorRetriever (legacy → Basic)', strategy('VectorRetriever'), get);
  retrieverConformance('MetadataFilteredStrategy (config filter on the same key as the request)', strategy('MetadataFilteredStrategy', { filters: { dataset: { $in: ['even', 'odd'] } } }), get);
  retrieverConformance('MultiQueryStrategy (lexical variants, weighted)', strategy('MultiQueryStrategy'), get);
  retrieverConformance('MultiQueryStrategy (model variations, reciprocal_rank)', strategy('MultiQueryStrategy', { aggregation_method: 'reciprocal_rank', num_queries: 3 }), get, {
    extra: { generateVariations: async (q, n) => [`${q} explained`, `details about ${q}`].slice(0, n) },
  });
  retrieverConformance('MultiQueryStrategy (max)', strategy('MultiQueryStrategy', { aggregation_method: 'max' }), get);
  retrieverConformance('RerankedStrategy', strategy('RerankedStrategy'), get);
  retrieverConformance('RerankedRetriever (legacy → Reranked)', strategy('RerankedRetriever'), get);
  retrieverConformance('HybridUniversalStrategy (weighted_average)', strategy('HybridUniversalStrategy'), get);
  retrieverConformance('HybridUniversalStrategy (rank_fusion)', strategy('HybridUniversalStrategy', { combination_method: 'rank_fusion' }), get);
  retrieverConformance(
    'HybridUniversalStrategy (sub-strategies + full text)',
    strategy('HybridUniversalStrategy', { strategies: [{ type: 'basic', weight: 0.6 }, { type: 'reranked', weight: 0.4 }], combination_method: 'rank_fusion' }),
    get,
  );
  retrieverConformance(
    'HybridUniversalStrategy (relative_score, feedback, document support)',
    strategy('HybridUniversalStrategy', { combination_method: 'relative_score', alpha: 0.1, feedback: { docs: 5, terms: 10, weight: 0.3 }, document_support: 0.2 }),
    get,
  );
  retrieverConformance('HybridRetriever (legacy → HybridUniversal)', strategy('HybridRetriever'), get);
  retrieverConformance('BM25Retriever (legacy → full text only)', strategy('BM25Retriever'), get);
  retrieverConformance('CrossEncoderRerankedStrategy (HTTP reranker)', strategy('CrossEncoderRerankedStrategy', { model_name: 'reranker' }), get, { extra: rerankWith(fake) });
  retrieverConformance('CrossEncoderRerankedStrategy (reranker failing → base order)', strategy('CrossEncoderRerankedStrategy', { model_name: 'reranker' }), get, { extra: rerankWith(failing) });
  retrieverConformance('MultiTurnRAGStrategy', strategy('MultiTurnRAGStrategy'), get);
  retrieverConformance('MultiTurnRAGStrategy (reranking sub-queries)', strategy('MultiTurnRAGStrategy', { enable_reranking: true, reranker_config: { model_name: 'reranker' } }), get, {
    extra: rerankWith(fake),
  });
}
