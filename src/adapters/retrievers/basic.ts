/**
 * BasicSimilarityStrategy (also the legacy `VectorRetriever`): nearest chunks to the query vector.
 * Config: `max_results` (100; k = min(top_k, max_results)), `similarity_threshold` (0; hits below are dropped),
 * `include_metadata` (true; false drops `_`-prefixed keys). `top_k`, `distance_metric` and `score_threshold` in
 * the config are accepted and not used here (the request's `top_k` rules; the store measures cosine).
 */
import type { Hit, MetadataFilter } from '../stores/types.js';
import { bool, num } from './config.js';
import { withoutInternalMetadata } from './filters.js';
import type { RetrievalContext, RetrievalStrategy, StrategyConfig } from './types.js';

/** Embeds the query (through the context's cache) and asks the store for the `k` nearest chunks. */
export async function vectorSearch(ctx: RetrievalContext, k: number, filter: MetadataFilter | undefined = ctx.filter, text = ctx.query): Promise<Hit[]> {
  if (k <= 0) return [];
  const [vector] = await ctx.embed([text]);
  return ctx.store.search({ vector, topK: k, ...(filter ? { filter } : {}) });
}

export class BasicSimilarityStrategy implements RetrievalStrategy {
  readonly type: string = 'BasicSimilarityStrategy';
  private readonly maxResults: number;
  private readonly similarityThreshold: number;
  private readonly includeMetadata: boolean;

  constructor(config: StrategyConfig = {}) {
    this.maxResults = num(this.type, config, 'max_results', 100, { min: 1, integer: true });
    this.similarityThreshold = num(this.type, config, 'similarity_threshold', 0, { min: 0, max: 1 });
    this.includeMetadata = bool(this.type, config, 'include_metadata', true);
  }

  async retrieve(ctx: RetrievalContext): Promise<Hit[]> {
    const hits = await vectorSearch(ctx, Math.min(ctx.topK, this.maxResults));
    const kept = hits.filter((h) => h.score >= this.similarityThreshold);
    return this.includeMetadata ? kept : kept.map(withoutInternalMetadata);
  }
}
