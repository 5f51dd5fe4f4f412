/**
 * HybridUniversalStrategy (also the legacy `HybridRetriever`): semantic search fused with the store's full-text
 * (BM25) search.
 * Config:
 * - `combination_method`: `weighted_average` (default; `score_fusion` is read the same) — each chunk's scores
 *   averaged with the weights below (a list that missed the chunk counts 0) — or `rank_fusion` (weighted
 *   reciprocal-rank fusion, k = 60). Both give scores in [0, 1]; `fusion_score` in metadata is the raw value.
 * - `alpha` (alias `hybrid_alpha`, default 0.5; the request's `hybrid_alpha` wins): weight of the semantic side;
 *   the full-text side weighs 1 − alpha.
 * - `strategies`: the semantic side as sub-strategies `[{type, weight (1), config}]` (types or the aliases basic,
 *   filtered, multi_query, reranked); default: one vector search.
 * - `full_text` (true): set false for the original's behaviour (sub-strategies only).
 * - `candidate_multiplier` (2): each list fetches top_k × 2; `final_k`, when set, caps the results.
 * When the store cannot search full text, the semantic side alone answers and hits say `hybrid_degraded`.
 */
import type { Hit } from '../stores/types.js';
import { vectorSearch } from './basic.js';
import { bool, num, oneOf, optNum } from './config.js';
import { textSearch } from './full-text.js';
import { annotate, rrfFuse, weightedFuse, type RankedList } from './scoring.js';
import { StrategyConfigError, type CreateStrategy, type RetrievalContext, type RetrievalStrategy, type StrategyConfig } from './types.js';

const METHODS = ['weighted_average', 'rank_fusion', 'score_fusion'] as const;

interface SubStrategy {
  strategy: RetrievalStrategy;
  weight: number;
}

export class HybridUniversalStrategy implements RetrievalStrategy {
  readonly type = 'HybridUniversalStrategy';
  private readonly method: (typeof METHODS)[number];
  private readonly alpha: number;
  private readonly fullText: boolean;
  private readonly multiplier: number;
  private readonly finalK?: number;
  private readonly semantic: SubStrategy[];

  constructor(config: StrategyConfig, create: CreateStrategy) {
    this.method = oneOf(this.type, config, 'combination_method', METHODS, 'weighted_average');
    this.alpha = num(this.type, config, config.alpha !== undefined ? 'alpha' : 'hybrid_alpha', 0.5, { min: 0, max: 1 });
    this.fullText = bool(this.type, config, 'full_text', true);
    this.multiplier = num(this.type, config, 'candidate_multiplier', 2, { min: 1 });
    this.finalK = optNum(this.type, config, 'final_k', { min: 1, integer: true });
    this.semantic = this.readStrategies(config.strategies, create);
  }

  private readStrategies(raw: unknown, create: CreateStrategy): SubStrategy[] {
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) throw new StrategyConfigError(`${this.type}: config "strategies" must be a list of {type, weight, config}`);
    return raw.map((s: unknown, i) => {
      const entry = (s ?? {}) as Record<string, unknown>;
      if (typeof entry.type !== 'string') throw new StrategyConfigError(`${this.type}: strategies[${i}].type must be a strategy type`);
      if (['HybridUniversalStrategy', 'HybridRetriever', 'hybrid'].includes(entry.type)) throw new StrategyConfigError(`${this.type}: strategies[${i}] cannot be another hybrid strategy`);
      const weight = num(this.type, entry, 'weight', 1, { min: 0 });
      const config = entry.config && typeof entry.config === 'object' ? (entry.config as StrategyConfig) : {};
      return { strategy: create(entry.type, config), weight };
    });
  }

  async retrieve(ctx: RetrievalContext): Promise<Hit[]> {
    const alpha = ctx.hints.hybridAlpha ?? this.alpha;
    const k = Math.ceil(ctx.topK * this.multiplier);
    const semanticWeight = this.fullText ? alpha : 1;
    const semanticTotal = this.semantic.reduce((a, s) => a + s.weight, 0);
    const semanticJobs: Promise<RankedList>[] =
      semanticWeight <= 0
        ? []
        : this.semantic.length === 0
          ? [vectorSearch(ctx, k).then((hits) => ({ hits, weight: semanticWeight }))]
          : this.semantic.map(async (s) => ({
              hits: await s.strategy.retrieve({ ...ctx, topK: k }),
              weight: semanticTotal > 0 ? (semanticWeight * s.weight) / semanticTotal : 0,
            }));
    let degraded: string | undefined;
    const textJob: Promise<RankedList | undefined> =
      this.fullText && alpha < 1
        ? textSearch(ctx, k).then(
            (hits) => ({ hits, weight: 1 - alpha }),
            (e: unknown) => {
              degraded = `full-text search unavailable: ${(e as Error).message}`;
              return undefined;
            },
          )
        : Promise.resolve(undefined);
    const [semantic, text] = await Promise.all([Promise.all(semanticJobs), textJob]);
    let lists = text ? [...semantic, text] : semantic;
    // Full text alone (alpha 0) failing still answers, from the vectors.
    if (lists.length === 0) lists = [{ hits: await vectorSearch(ctx, k), weight: 1 }];
    const fused = this.method === 'rank_fusion' ? rrfFuse(lists) : weightedFuse(lists);
    const limit = Math.min(ctx.topK, this.finalK ?? ctx.topK);
    return fused.slice(0, limit).map((f) =>
      annotate(f.hit, { fusion_score: f.raw, fusion_method: this.method === 'rank_fusion' ? 'rank_fusion' : 'weighted_average', ...(degraded ? { hybrid_degraded: degraded } : {}) }, f.score),
    );
  }
}
