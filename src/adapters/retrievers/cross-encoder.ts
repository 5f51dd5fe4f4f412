/**
 * CrossEncoderRerankedStrategy: a base retrieval of `initial_k` (30) candidates re-ordered by a cross-encoder
 * (`model_name`: a `runtime.models` name; the request's `rerank_model` wins). Reranker scores are min-max
 * normalised to [0, 1] (all equal → 0.5); candidates below `relevance_threshold` (0) are dropped and
 * min(top_k, `final_k` (10)) kept. Hits carry `reranker_score`, `reranker_raw_score`, `rerank_position`
 * (1-based), `reranker_model` and `base_score`.
 * When the reranker cannot be used (no such model, server down, bad answer, timeout after `timeout` s, 60) the
 * candidates keep the base order with score 0.5 and carry `rerank_degraded: true` and `rerank_error`.
 * Config: `base_strategy` (BasicSimilarityStrategy | MetadataFilteredStrategy | any type) + `base_strategy_config`.
 */
import type { Hit } from '../stores/types.js';
import { num, obj, str } from './config.js';
import { annotate, bestFirst, minMax } from './scoring.js';
import { RerankerUnavailableError, type CreateStrategy, type RetrievalContext, type RetrievalStrategy, type StrategyConfig } from './types.js';

/** Score given to every candidate when reranking failed (the original's neutral score). */
export const DEGRADED_SCORE = 0.5;

export class CrossEncoderRerankedStrategy implements RetrievalStrategy {
  readonly type = 'CrossEncoderRerankedStrategy';
  private readonly modelName?: string;
  private readonly initialK: number;
  private readonly finalK: number;
  private readonly relevanceThreshold: number;
  private readonly timeoutMs: number;
  private readonly base: RetrievalStrategy;

  constructor(config: StrategyConfig, create: CreateStrategy) {
    this.modelName = str(this.type, config, 'model_name');
    this.initialK = num(this.type, config, 'initial_k', 30, { min: 1, integer: true });
    this.finalK = num(this.type, config, 'final_k', 10, { min: 1, integer: true });
    this.relevanceThreshold = num(this.type, config, 'relevance_threshold', 0, { min: 0, max: 1 });
    this.timeoutMs = num(this.type, config, 'timeout', 60, { min: 0.001 }) * 1000;
    this.base = create(str(this.type, config, 'base_strategy') ?? 'BasicSimilarityStrategy', obj(this.type, config, 'base_strategy_config') ?? {});
  }

  async retrieve(ctx: RetrievalContext): Promise<Hit[]> {
    const candidates = await this.base.retrieve({ ...ctx, topK: Math.max(this.initialK, ctx.topK) });
    if (candidates.length === 0) return [];
    const modelName = ctx.hints.rerankModel ?? this.modelName;
    let reranked: Hit[];
    try {
      if (!modelName) throw new RerankerUnavailableError('no model_name is configured for the reranker');
      if (!ctx.reranker) throw new RerankerUnavailableError('no reranker models are available here');
      const reranker = ctx.reranker(modelName);
      const ranked = await reranker.rerank(ctx.query, candidates.map((h) => h.text), { signal: ctx.signal, timeoutMs: this.timeoutMs });
      reranked = this.apply(candidates, ranked, reranker.model);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      reranked = candidates.map((h) =>
        annotate(h, { base_score: h.score, rerank_degraded: true, rerank_error: reason, ...(modelName ? { reranker_model: modelName } : {}) }, DEGRADED_SCORE),
      );
    }
    return reranked
      .filter((h) => h.score >= this.relevanceThreshold)
      .slice(0, Math.min(ctx.topK, this.finalK))
      .map((h, i) => annotate(h, { rerank_position: i + 1 }));
  }

  /** Candidates in reranked order; any the reranker left out follow in base order with score 0. */
  private apply(candidates: Hit[], ranked: { index: number; score: number }[], model: string): Hit[] {
    const seen = new Set<number>();
    const unique = ranked.filter((r) => !seen.has(r.index) && seen.add(r.index));
    const normalised = minMax(unique.map((r) => r.score));
    const out = bestFirst(
      unique.map((r, i) => {
        const hit = candidates[r.index];
        return annotate(hit, { base_score: hit.score, reranker_score: normalised[i], reranker_raw_score: r.score, reranker_model: model }, normalised[i]);
      }),
    );
    candidates.forEach((hit, i) => {
      if (!seen.has(i)) out.push(annotate(hit, { base_score: hit.score, reranker_score: 0, reranker_model: model }, 0));
    });
    return out;
  }
}
