/**
 * MultiQueryStrategy: searches with the query and `num_queries − 1` variations of it, then merges each chunk's
 * scores. Variations come from the project's model when the caller provides one (`generateVariations`), else
 * from lexical rewrites (query-variants.ts); a failing model falls back to the lexical ones.
 * Config: `num_queries` (3, 1–10, the original query included), `aggregation_method` max | mean | weighted
 * (default: query i weighs 1/(i+1), or `query_weights[i]`) | reciprocal_rank, `search_multiplier` (2: each
 * search fetches top_k × 2). Merged scores stay in [0, 1]; `query_frequency` says how many searches found the chunk.
 */
import type { Hit } from '../stores/types.js';
import { vectorSearch } from './basic.js';
import { num, oneOf } from './config.js';
import { lexicalVariants } from './query-variants.js';
import { annotate, bestFirst, RRF_K } from './scoring.js';
import { StrategyConfigError, type RetrievalContext, type RetrievalStrategy, type StrategyConfig } from './types.js';

const AGGREGATIONS = ['max', 'mean', 'weighted', 'reciprocal_rank'] as const;
type Aggregation = (typeof AGGREGATIONS)[number];

export class MultiQueryStrategy implements RetrievalStrategy {
  readonly type = 'MultiQueryStrategy';
  private readonly numQueries: number;
  private readonly aggregation: Aggregation;
  private readonly searchMultiplier: number;
  private readonly queryWeights?: number[];

  constructor(config: StrategyConfig = {}) {
    this.numQueries = num(this.type, config, 'num_queries', 3, { min: 1, max: 10, integer: true });
    this.aggregation = oneOf(this.type, config, 'aggregation_method', AGGREGATIONS, 'weighted');
    this.searchMultiplier = num(this.type, config, 'search_multiplier', 2, { min: 1 });
    const w = config.query_weights;
    if (w !== undefined && w !== null) {
      if (!Array.isArray(w) || !w.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)) {
        throw new StrategyConfigError(`${this.type}: config "query_weights" must be a list of non-negative numbers`);
      }
      this.queryWeights = w as number[];
    }
  }

  private async variations(ctx: RetrievalContext): Promise<{ queries: string[]; source: string }> {
    const want = this.numQueries - 1;
    if (want === 0) return { queries: [], source: 'none' };
    if (ctx.generateVariations) {
      try {
        const fromModel = (await ctx.generateVariations(ctx.query, want))
          .filter((q) => typeof q === 'string' && q.trim() !== '' && q.trim() !== ctx.query.trim())
          .slice(0, want);
        if (fromModel.length) return { queries: fromModel, source: 'model' };
      } catch {
        /* the lexical variants below */
      }
    }
    return { queries: lexicalVariants(ctx.query, want), source: 'lexical' };
  }

  private weight(i: number): number {
    return this.queryWeights?.[i] ?? 1 / (i + 1);
  }

  async retrieve(ctx: RetrievalContext): Promise<Hit[]> {
    const { queries: extra, source } = await this.variations(ctx);
    const queries = [ctx.query, ...extra];
    const k = Math.ceil(ctx.topK * this.searchMultiplier);
    const lists = await Promise.all(queries.map((q) => vectorSearch(ctx, k, ctx.filter, q)));

    const found = new Map<string, { hit: Hit; entries: { query: number; rank: number; score: number }[] }>();
    lists.forEach((hits, query) =>
      hits.forEach((hit, rank) => {
        const cur = found.get(hit.id) ?? { hit, entries: [] };
        cur.entries.push({ query, rank, score: hit.score });
        found.set(hit.id, cur);
      }),
    );
    const merged = [...found.values()].map(({ hit, entries }) => {
      const score = this.aggregate(entries, queries.length);
      return annotate(hit, { query_frequency: entries.length, query_variations: queries.length, query_variations_source: source }, score);
    });
    return bestFirst(merged).slice(0, ctx.topK);
  }

  private aggregate(entries: { query: number; rank: number; score: number }[], queryCount: number): number {
    switch (this.aggregation) {
      case 'max':
        return Math.max(...entries.map((e) => e.score));
      case 'mean':
        return entries.reduce((a, e) => a + e.score, 0) / entries.length;
      case 'weighted': {
        const total = entries.reduce((a, e) => a + this.weight(e.query), 0);
        return total > 0 ? entries.reduce((a, e) => a + this.weight(e.query) * e.score, 0) / total : 0;
      }
      case 'reciprocal_rank':
        return entries.reduce((a, e) => a + 1 / (RRF_K + e.rank), 0) / (queryCount / RRF_K);
    }
  }
}
