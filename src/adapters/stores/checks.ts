/**
 * Checks every store runs before it writes or searches, and the score mappings of decision 0006, so that all
 * stores refuse the same inputs with the same errors and score the same way.
 */
import { StoreError, type StoredChunk } from './types.js';

/** Throws StoreError('invalid_vector' | 'dimension_mismatch') unless `v` is a usable vector of `dimension`. */
export function checkVector(v: unknown, dimension: number | undefined, what: string): asserts v is Float32Array {
  if (!(v instanceof Float32Array)) throw new StoreError(`${what}: vector must be a Float32Array`, 'invalid_vector');
  if (v.length === 0) throw new StoreError(`${what}: vector is empty`, 'invalid_vector');
  if (dimension !== undefined && dimension > 0 && v.length !== dimension) {
    throw new StoreError(`${what}: vector has dimension ${v.length}, the store holds dimension ${dimension}`, 'dimension_mismatch');
  }
  let norm = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!Number.isFinite(x)) throw new StoreError(`${what}: vector has a non-finite value (${x}) at ${i}`, 'invalid_vector');
    norm += x * x;
  }
  if (norm === 0) throw new StoreError(`${what}: vector is all zeros (no direction to compare)`, 'invalid_vector');
}

/**
 * Validates a whole batch before anything is written (all or nothing) and returns its dimension.
 * `dimension` is the store's dimension when it has one.
 */
export function checkBatch(chunks: readonly StoredChunk[], dimension: number | undefined): number {
  let dim = dimension && dimension > 0 ? dimension : undefined;
  for (const [i, c] of chunks.entries()) {
    const what = `chunk ${i}${typeof c?.id === 'string' ? ` (${c.id})` : ''}`;
    if (!c || typeof c.id !== 'string' || c.id.length === 0) throw new StoreError(`${what}: id must be a non-empty string`, 'other');
    if (typeof c.text !== 'string') throw new StoreError(`${what}: text must be a string`, 'other');
    if (c.metadata !== undefined && (typeof c.metadata !== 'object' || c.metadata === null || Array.isArray(c.metadata))) {
      throw new StoreError(`${what}: metadata must be an object`, 'other');
    }
    checkVector(c.vector, dim, what);
    dim ??= c.vector.length;
  }
  return dim ?? 0;
}

/** Keeps the first chunk of each id (like the original store) and counts the repeats. */
export function firstOfEachId(chunks: readonly StoredChunk[]): { unique: StoredChunk[]; repeats: number } {
  const seen = new Set<string>();
  const unique: StoredChunk[] = [];
  for (const c of chunks) {
    if (seen.has(c.id)) continue;
    seen.add(c.id);
    unique.push(c);
  }
  return { unique, repeats: chunks.length - unique.length };
}

export function clamp01(x: number): number {
  if (Number.isNaN(x)) return 0;
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** Cosine distance (1 − cos, in [0, 2]) → score (1 + cos) / 2 in [0, 1] (decision 0006). */
export function cosineDistanceToScore(distance: number): number {
  return clamp01(1 - distance / 2);
}

/**
 * A BM25 score (unbounded, ≥ 0) → [0, 1] by saturation `s / (s + k)`: monotone, so the ranking is kept, and
 * absolute (a weak match stays low even when it is the best one), so one threshold means the same on every query.
 */
export function bm25ToScore(bm25: number, halfAt = BM25_HALF_SCORE): number {
  if (!(bm25 > 0)) return 0;
  return clamp01(bm25 / (bm25 + halfAt));
}

/** BM25 value that maps to 0.5. A rare query word in a short chunk scores well above it, a common word below. */
export const BM25_HALF_SCORE = 2;

/** Reciprocal-rank-fusion constant (the usual 60). */
export const RRF_K = 60;

/**
 * An RRF sum over `lists` result lists (0-based ranks: Σ 1/(k + rank)) → [0, 1] by dividing by its maximum,
 * `lists / k` (rank 0 in every list), so the top hit of every list scores 1.
 */
export function rrfToScore(rrfSum: number, lists = 2, k = RRF_K): number {
  return clamp01(rrfSum / (lists / k));
}
