/**
 * MultiTurnRAGStrategy: a complex question (at least `complexity_threshold` (50) characters and several parts:
 * "and", "also", several question marks, ...) is split into up to `max_sub_queries` (3) focused sub-queries of
 * at least `min_query_length` (20) characters; each is retrieved on its own (`base_strategy`, or with
 * `enable_reranking` the `reranker_strategy` (CrossEncoderRerankedStrategy) with `reranker_config`),
 * `sub_query_top_k` (10) each, then the results are merged: one hit per chunk (its best score), near-duplicate
 * texts (word Jaccard ≥ `dedup_similarity_threshold`, 0.95) dropped, and min(top_k, `final_top_k` (10)) kept.
 * A simple question is retrieved as it is. Hits say which `sub_query` found them.
 */
import type { Hit } from '../stores/types.js';
import { bool, num, obj, str } from './config.js';
import { annotate, bestFirst } from './scoring.js';
import type { CreateStrategy, RetrievalContext, RetrievalStrategy, StrategyConfig } from './types.js';

const MULTI_PART = [/\band\b/i, /\balso\b/i, /\badditionally\b/i, /\bfurthermore\b/i, /\bmoreover\b/i, /\?.*\?/s];

function wordSet(text: string): Set<string> {
  return new Set(text.toLowerCase().split(/\s+/).filter(Boolean));
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let inter = 0;
  for (const w of a) if (b.has(w)) inter++;
  return inter / (a.size + b.size - inter);
}

export class MultiTurnRAGStrategy implements RetrievalStrategy {
  readonly type = 'MultiTurnRAGStrategy';
  private readonly maxSubQueries: number;
  private readonly complexityThreshold: number;
  private readonly minQueryLength: number;
  private readonly subQueryTopK: number;
  private readonly finalTopK: number;
  private readonly dedupThreshold: number;
  private readonly perSubQuery: RetrievalStrategy;

  constructor(config: StrategyConfig, create: CreateStrategy) {
    this.maxSubQueries = num(this.type, config, 'max_sub_queries', 3, { min: 1, max: 10, integer: true });
    this.complexityThreshold = num(this.type, config, 'complexity_threshold', 50, { min: 0 });
    this.minQueryLength = num(this.type, config, 'min_query_length', 20, { min: 1 });
    this.subQueryTopK = num(this.type, config, 'sub_query_top_k', 10, { min: 1, integer: true });
    this.finalTopK = num(this.type, config, 'final_top_k', 10, { min: 1, integer: true });
    this.dedupThreshold = num(this.type, config, 'dedup_similarity_threshold', 0.95, { min: 0, max: 1 });
    this.perSubQuery = bool(this.type, config, 'enable_reranking', false)
      ? create(str(this.type, config, 'reranker_strategy') ?? 'CrossEncoderRerankedStrategy', obj(this.type, config, 'reranker_config') ?? {})
      : create(str(this.type, config, 'base_strategy') ?? 'BasicSimilarityStrategy', obj(this.type, config, 'base_strategy_config') ?? {});
  }

  /** The sub-queries of a complex question, or just the question. */
  decompose(query: string): string[] {
    const q = query.trim();
    if (q.length < this.complexityThreshold || !MULTI_PART.some((re) => re.test(q))) return [q];
    const parts = q
      .split(/\?+|;|\b(?:and also|and|also|additionally|furthermore|moreover)\b/i)
      .map((p) => p.replace(/^[\s,.:]+|[\s,.:]+$/g, ''))
      .filter((p) => p.length >= this.minQueryLength);
    const unique = [...new Set(parts)].slice(0, this.maxSubQueries);
    return unique.length >= 2 ? unique : [q];
  }

  async retrieve(ctx: RetrievalContext): Promise<Hit[]> {
    const subQueries = this.decompose(ctx.query);
    const results = await Promise.all(subQueries.map((q) => this.perSubQuery.retrieve({ ...ctx, query: q, topK: this.subQueryTopK })));
    const best = new Map<string, Hit>();
    results.forEach((hits, i) => {
      for (const hit of hits) {
        const cur = best.get(hit.id);
        if (!cur || hit.score > cur.score) best.set(hit.id, subQueries.length > 1 ? annotate(hit, { sub_query: subQueries[i], sub_queries: subQueries.length }) : hit);
      }
    });
    const kept: { hit: Hit; words: Set<string> }[] = [];
    for (const hit of bestFirst([...best.values()])) {
      const words = wordSet(hit.text);
      if (this.dedupThreshold < 1 && kept.some((k) => jaccard(k.words, words) >= this.dedupThreshold)) continue;
      kept.push({ hit, words });
    }
    return kept.slice(0, Math.min(ctx.topK, this.finalTopK)).map((k) => k.hit);
  }
}
