/**
 * Score arithmetic shared by strategies (decision 0006): fusion of several ranked lists into one list with scores
 * in [0, 1], min-max normalisation, and copying hits with extra metadata.
 */
import type { Hit } from '../stores/types.js';

export const RRF_K = 60;

export function clamp01(x: number): number {
  if (!Number.isFinite(x)) return 0;
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** A copy of the hit with `extra` merged into its metadata (and the score replaced when given). */
export function annotate(hit: Hit, extra: Record<string, unknown>, score?: number): Hit {
  return { ...hit, metadata: { ...hit.metadata, ...extra }, score: score ?? hit.score };
}

/** Sorts best first; equal scores keep their input order (Array.prototype.sort is stable). */
export function bestFirst<T extends { score: number }>(items: T[]): T[] {
  return [...items].sort((a, b) => b.score - a.score);
}

export interface RankedList {
  hits: Hit[];
  weight: number;
  /** The list holds every chunk the search could match (fewer hits than asked for). */
  complete?: boolean;
}

export interface FusedHit {
  hit: Hit;
  /** Normalised to [0, 1]. */
  score: number;
  /** The raw fused value (RRF sum or weighted sum) before normalisation. */
  raw: number;
  /** How many lists contained the chunk. */
  lists: number;
}

function positiveWeights(lists: RankedList[]): RankedList[] {
  return lists.filter((l) => l.weight > 0 && Number.isFinite(l.weight));
}

/**
 * Weighted reciprocal-rank fusion: raw = Σ weight / (k + rank) over the lists holding the chunk (rank 0-based),
 * divided by its maximum Σ weight / k, so a chunk ranked first in every list scores 1.
 */
export function rrfFuse(lists: RankedList[], k = RRF_K): FusedHit[] {
  const used = positiveWeights(lists);
  const max = used.reduce((a, l) => a + l.weight, 0) / k;
  const byId = new Map<string, FusedHit>();
  for (const list of used) {
    list.hits.forEach((hit, rank) => {
      const add = list.weight / (k + rank);
      const cur = byId.get(hit.id);
      if (cur) {
        cur.raw += add;
        cur.lists += 1;
      } else byId.set(hit.id, { hit, raw: add, score: 0, lists: 1 });
    });
  }
  const out = [...byId.values()];
  for (const f of out) f.score = max > 0 ? clamp01(f.raw / max) : 0;
  return bestFirst(out);
}

/**
 * Weighted average of each list's own scores (already in [0, 1]); a chunk missing from a list counts 0 there.
 * Dividing by the total weight keeps the result in [0, 1].
 */
export function weightedFuse(lists: RankedList[]): FusedHit[] {
  const used = positiveWeights(lists);
  const total = used.reduce((a, l) => a + l.weight, 0);
  const byId = new Map<string, FusedHit>();
  for (const list of used) {
    for (const hit of list.hits) {
      const add = list.weight * clamp01(hit.score);
      const cur = byId.get(hit.id);
      if (cur) {
        cur.raw += add;
        cur.lists += 1;
      } else byId.set(hit.id, { hit, raw: add, score: 0, lists: 1 });
    }
  }
  const out = [...byId.values()];
  for (const f of out) f.score = total > 0 ? clamp01(f.raw / total) : 0;
  return bestFirst(out);
}

/**
 * Relative-score fusion: each list's scores scaled within the list — its best hit 1, its worst 0 (or, for a
 * `complete` list, whose missing chunks really score nothing, 0 itself); all equal: all 1 — then averaged
 * with the list weights; a chunk missing from a list counts 0 there. Score-aware like `weightedFuse`, but
 * indifferent to each list's scale (BM25 saturation vs cosine), so a small weight really means a small say.
 */
export function relativeFuse(lists: RankedList[]): FusedHit[] {
  return weightedFuse(
    lists.map((list) => {
      const scores = list.hits.map((h) => h.score);
      const hi = Math.max(...scores);
      const lo = list.complete ? Math.min(0, ...scores) : Math.min(...scores);
      return { weight: list.weight, hits: list.hits.map((hit) => ({ ...hit, score: hi > lo ? (hit.score - lo) / (hi - lo) : 1 })) };
    }),
  );
}

/**
 * Chunks of one document support each other: each fused score gains `share` × the scores of the other fused
 * chunks with the same `documentOf` key (chunks without a key get nothing); when that lifts the best score
 * past 1, all are divided by it so they stay in [0, 1]. Best first again.
 */
export function withDocumentSupport(fused: FusedHit[], share: number, documentOf: (hit: Hit) => string | undefined): FusedHit[] {
  if (!(share > 0) || fused.length === 0) return fused;
  const totals = new Map<string, number>();
  for (const f of fused) {
    const doc = documentOf(f.hit);
    if (doc !== undefined) totals.set(doc, (totals.get(doc) ?? 0) + f.score);
  }
  const boosted = fused.map((f) => {
    const doc = documentOf(f.hit);
    return { ...f, score: f.score + (doc === undefined ? 0 : share * (totals.get(doc)! - f.score)) };
  });
  const scale = Math.max(1, ...boosted.map((f) => f.score));
  for (const f of boosted) f.score = clamp01(f.score / scale);
  return bestFirst(boosted);
}

/** Min-max normalisation to [0, 1]; when every value is equal, each becomes 0.5. */
export function minMax(values: number[]): number[] {
  if (values.length === 0) return [];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (!(hi > lo)) return values.map(() => 0.5);
  return values.map((v) => (v - lo) / (hi - lo));
}
