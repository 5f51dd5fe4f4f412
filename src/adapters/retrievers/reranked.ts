/**
 * RerankedStrategy (also the legacy `RerankedRetriever`): a broad vector search (`initial_k`, 30, at least
 * 2 × top_k) re-scored by heuristic factors, each in [0, 1]:
 * - similarity: the vector score;
 * - recency: age of the first date found in `timestamp`, `modified_at`, `updated_at`, `created_at`, `date`,
 *   `processed_at` (≤ 1 day 1, ≤ 7 days 0.8, ≤ 30 days 0.5, ≤ 90 days 0.2, else 0);
 * - length: chunk length / `length_normalization` (1000 characters), capped at 1;
 * - metadata: signals such as `priority` (critical/high/medium), `type` (faq, guide, ...), `category`
 *   (important, featured, ...), `verified`, `expert_reviewed`, `view_count`, capped at 1.
 * The score is their weighted average with `rerank_factors` {similarity_weight 0.7, recency_weight 0.1,
 * length_weight 0.1, metadata_weight 0.1}, so it stays in [0, 1]. The original's keys {recency, length,
 * metadata_boost} are read as weights beside a similarity weight of 1. `final_k`, when set, caps the results.
 */
import type { Hit } from '../stores/types.js';
import { vectorSearch } from './basic.js';
import { num, obj, optNum } from './config.js';
import { annotate, bestFirst, clamp01 } from './scoring.js';
import { StrategyConfigError, type RetrievalContext, type RetrievalStrategy, type StrategyConfig } from './types.js';

interface Weights {
  similarity: number;
  recency: number;
  length: number;
  metadata: number;
}

const DEFAULT_WEIGHTS: Weights = { similarity: 0.7, recency: 0.1, length: 0.1, metadata: 0.1 };
const DATE_KEYS = ['timestamp', 'modified_at', 'updated_at', 'created_at', 'date', 'processed_at'];
const DAY_MS = 86_400_000;

function readWeights(type: string, factors: Record<string, unknown> | undefined): Weights {
  if (!factors) return DEFAULT_WEIGHTS;
  const w = (key: string, fallback: number) => num(type, factors, key, fallback, { min: 0 });
  const legacy = ['recency', 'length', 'metadata_boost'].some((k) => factors[k] !== undefined);
  const weights = legacy
    ? { similarity: w('similarity_weight', 1), recency: w('recency', 0), length: w('length', 0), metadata: w('metadata_boost', 0) }
    : {
        similarity: w('similarity_weight', DEFAULT_WEIGHTS.similarity),
        recency: w('recency_weight', DEFAULT_WEIGHTS.recency),
        length: w('length_weight', DEFAULT_WEIGHTS.length),
        metadata: w('metadata_weight', DEFAULT_WEIGHTS.metadata),
      };
  if (weights.similarity + weights.recency + weights.length + weights.metadata <= 0) {
    throw new StrategyConfigError(`${type}: config "rerank_factors" needs at least one positive weight`);
  }
  return weights;
}

function toMillis(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v < 1e11 ? v * 1000 : v; // seconds or ms
  if (typeof v === 'string' && v.trim() !== '') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

export function recencyFactor(metadata: Record<string, unknown>, now = Date.now()): number {
  for (const key of DATE_KEYS) {
    const t = toMillis(metadata[key]);
    if (t === undefined) continue;
    const days = (now - t) / DAY_MS;
    if (days <= 1) return 1;
    if (days <= 7) return 0.8;
    if (days <= 30) return 0.5;
    if (days <= 90) return 0.2;
    return 0;
  }
  return 0;
}

function lower(v: unknown): string {
  return typeof v === 'string' ? v.toLowerCase() : '';
}

export function metadataFactor(m: Record<string, unknown>): number {
  let boost = 0;
  boost += ({ critical: 0.5, high: 0.3, medium: 0.1 } as Record<string, number>)[lower(m.priority)] ?? 0;
  const type = lower(m.type) || lower(m.document_type);
  if (['documentation', 'tutorial', 'guide'].includes(type)) boost += 0.2;
  else if (['faq', 'troubleshooting'].includes(type)) boost += 0.3;
  else if (['policy', 'procedure', 'regulation'].includes(type)) boost += 0.1;
  if (['important', 'featured', 'recommended'].includes(lower(m.category))) boost += 0.15;
  if (m.verified === true) boost += 0.1;
  if (m.expert_reviewed === true) boost += 0.1;
  if (typeof m.view_count === 'number' && m.view_count > 0) boost += Math.min(Math.log10(m.view_count + 1) / 4, 0.2);
  return Math.min(boost, 1);
}

export class RerankedStrategy implements RetrievalStrategy {
  readonly type = 'RerankedStrategy';
  private readonly initialK: number;
  private readonly finalK?: number;
  private readonly lengthNormalization: number;
  private readonly weights: Weights;

  constructor(config: StrategyConfig = {}) {
    this.initialK = num(this.type, config, 'initial_k', 30, { min: 1, integer: true });
    this.finalK = optNum(this.type, config, 'final_k', { min: 1, integer: true });
    this.lengthNormalization = num(this.type, config, 'length_normalization', 1000, { min: 1 });
    this.weights = readWeights(this.type, obj(this.type, config, 'rerank_factors'));
  }

  async retrieve(ctx: RetrievalContext): Promise<Hit[]> {
    const candidates = await vectorSearch(ctx, Math.max(this.initialK, ctx.topK * 2));
    const w = this.weights;
    const total = w.similarity + w.recency + w.length + w.metadata;
    const now = Date.now();
    const rescored = candidates.map((hit) => {
      const recency = recencyFactor(hit.metadata, now);
      const length = Math.min(hit.text.length / this.lengthNormalization, 1);
      const meta = metadataFactor(hit.metadata);
      const score = clamp01((w.similarity * hit.score + w.recency * recency + w.length * length + w.metadata * meta) / total);
      return annotate(hit, { base_similarity_score: hit.score, rerank_factors: { recency, length, metadata: meta } }, score);
    });
    return bestFirst(rescored).slice(0, Math.min(ctx.topK, this.finalK ?? ctx.topK));
  }
}
