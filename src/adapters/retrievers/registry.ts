/**
 * Retrieval strategy registry: a retrieval strategy `type` in llamafarm.yaml → strategy factory. The original's
 * legacy type names map to what runs today (VectorRetriever → BasicSimilarityStrategy, HybridRetriever →
 * HybridUniversalStrategy, BM25Retriever → full-text only, RerankedRetriever → RerankedStrategy); the
 * lower-case aliases of hybrid sub-strategies (basic, filtered, multi_query, reranked) are read too.
 * Types the config accepts but this build cannot run (GraphRetriever, ElasticRetriever) are `unavailable`:
 * the retrieval service falls back to the database default and says what ran.
 */
import { BasicSimilarityStrategy } from './basic.js';
import { CrossEncoderRerankedStrategy } from './cross-encoder.js';
import { FullTextStrategy } from './full-text.js';
import { HybridUniversalStrategy } from './hybrid.js';
import { MetadataFilteredStrategy } from './metadata-filtered.js';
import { MultiQueryStrategy } from './multi-query.js';
import { MultiTurnRAGStrategy } from './multi-turn.js';
import { RerankedStrategy } from './reranked.js';
import { StrategyConfigError, type RetrievalStrategy, type StrategyConfig, type StrategyFactory } from './types.js';
import { AdapterError } from '../../core/adapter-error.js';

const FACTORIES: Record<string, StrategyFactory> = {
  BasicSimilarityStrategy: (c) => new BasicSimilarityStrategy(c),
  MetadataFilteredStrategy: (c) => new MetadataFilteredStrategy(c),
  MultiQueryStrategy: (c) => new MultiQueryStrategy(c),
  RerankedStrategy: (c) => new RerankedStrategy(c),
  HybridUniversalStrategy: (c, create) => new HybridUniversalStrategy(c, create),
  CrossEncoderRerankedStrategy: (c, create) => new CrossEncoderRerankedStrategy(c, create),
  MultiTurnRAGStrategy: (c, create) => new MultiTurnRAGStrategy(c, create),
  BM25Retriever: () => new FullTextStrategy(),
};

/** Other names for a type (legacy config types, hybrid sub-strategy aliases). */
export const STRATEGY_ALIASES: Readonly<Record<string, string>> = {
  VectorRetriever: 'BasicSimilarityStrategy',
  HybridRetriever: 'HybridUniversalStrategy',
  RerankedRetriever: 'RerankedStrategy',
  basic: 'BasicSimilarityStrategy',
  filtered: 'MetadataFilteredStrategy',
  metadata_filtered: 'MetadataFilteredStrategy',
  multi_query: 'MultiQueryStrategy',
  reranked: 'RerankedStrategy',
  cross_encoder: 'CrossEncoderRerankedStrategy',
  bm25: 'BM25Retriever',
};

const UNAVAILABLE: Readonly<Record<string, string>> = {
  GraphRetriever: 'it needs a graph store, which this build does not have',
  ElasticRetriever: 'it needs an Elasticsearch backend, which this build does not have',
};

export class StrategyUnavailableError extends AdapterError {
  constructor(readonly strategyType: string, message: string) {
    super('config', 'Retrieval strategy', message);
    this.name = 'StrategyUnavailableError';
  }
}

/** Every type name this build can run (aliases excluded). */
export const RETRIEVAL_STRATEGY_TYPES: readonly string[] = Object.keys(FACTORIES);

/** The type that runs for a configured type name (aliases resolved), or undefined for unknown/unavailable types. */
export function runnableType(type: string): string | undefined {
  const resolved = Object.hasOwn(STRATEGY_ALIASES, type) ? STRATEGY_ALIASES[type] : type;
  return Object.hasOwn(FACTORIES, resolved) ? resolved : undefined;
}

/**
 * Builds a strategy. Unknown or unavailable types → StrategyUnavailableError; bad config → StrategyConfigError.
 */
export function createRetrievalStrategy(type: string, config: StrategyConfig = {}): RetrievalStrategy {
  const resolved = runnableType(type);
  if (!resolved) {
    const why = Object.hasOwn(UNAVAILABLE, type) ? UNAVAILABLE[type] : `it is not a known type (known: ${RETRIEVAL_STRATEGY_TYPES.join(', ')})`;
    throw new StrategyUnavailableError(type, `Retrieval strategy type ${type} cannot run: ${why}`);
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new StrategyConfigError(`${resolved}: config must be an object`);
  return FACTORIES[resolved](config, createRetrievalStrategy);
}
