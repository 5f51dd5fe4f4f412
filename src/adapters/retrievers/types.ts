/**
 * Retrieval strategies (original §4.7, decision 0006): turn a query into scored chunks using one vector store.
 * Every strategy returns hits best first with scores in [0, 1] (higher is better), so one `score_threshold`
 * means the same whatever strategy ran. Strategies add what they learned to each hit's metadata (e.g.
 * `fusion_score`, `reranker_score`, `rerank_degraded`), never remove stored metadata (except `include_metadata:
 * false`, which drops `_`-prefixed keys).
 */
import type { Hit, MetadataFilter, VectorStore } from '../stores/types.js';
import { AdapterError } from '../../core/adapter-error.js';

/** Request fields passed through to strategies (`/rag/query`); each strategy uses what applies to it. */
export interface RetrievalHints {
  /** Vector weight in hybrid fusion, 0–1 (text weight is 1 − alpha). */
  hybridAlpha?: number;
  /** Reranker model name (a `runtime.models` name) overriding the strategy's `model_name`. */
  rerankModel?: string;
  /** Informational: the LanceDB store always uses cosine. */
  distanceMetric?: string;
  queryExpansion?: boolean;
  maxTokens?: number;
}

/** A cross-encoder: scores (query, document) pairs jointly. */
export interface Reranker {
  /** Identity reported in hit metadata (`reranker_model`). */
  readonly model: string;
  /** Relevance of each document, best first: `index` into `documents`, `score` as the model gives it. */
  rerank(query: string, documents: string[], o?: { signal?: AbortSignal; timeoutMs?: number }): Promise<{ index: number; score: number }[]>;
}

/** Thrown by `RetrievalContext.reranker` when a model name cannot be turned into a reranker. */
export class RerankerUnavailableError extends AdapterError {
  constructor(message: string) {
    super('config', 'Reranker', message);
    this.name = 'RerankerUnavailableError';
  }
}

export interface RetrievalContext {
  store: VectorStore;
  /** The user's query text. */
  query: string;
  /** How many hits the caller wants (strategies may return fewer). */
  topK: number;
  /** The request's metadata filter; strategies pass it to the store so `topK` is filled with matching chunks. */
  filter?: MetadataFilter;
  hints: RetrievalHints;
  /** Embeds texts with the database's embedder (the query's own vector is cached: embed it through here). */
  embed(texts: string[]): Promise<Float32Array[]>;
  /** Query rewrites from the project's model, when the caller has one (MultiQueryStrategy). */
  generateVariations?: (query: string, n: number) => Promise<string[]>;
  /** Resolves a `runtime.models` name to a reranker; throws RerankerUnavailableError when it cannot. */
  reranker?: (modelName: string) => Reranker;
  signal?: AbortSignal;
}

export interface RetrievalStrategy {
  /** The config `type` this strategy implements (legacy names resolve to the type that runs). */
  readonly type: string;
  /** Hits best first, scores in [0, 1]; at most `ctx.topK` of them. */
  retrieve(ctx: RetrievalContext): Promise<Hit[]>;
}

export type StrategyConfig = Record<string, unknown>;

/** Builds another strategy by type (used by strategies that wrap others: hybrid, cross-encoder, multi-turn). */
export type CreateStrategy = (type: string, config?: StrategyConfig) => RetrievalStrategy;

export type StrategyFactory = (config: StrategyConfig, create: CreateStrategy) => RetrievalStrategy;

/** A strategy config that cannot be used (wrong value types or ranges); the message names the key. */
export class StrategyConfigError extends AdapterError {
  constructor(message: string) {
    super('config', 'Retrieval strategy', message);
    this.name = 'StrategyConfigError';
  }
}
