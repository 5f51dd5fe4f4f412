/**
 * Chroma's distances and their scores in [0, 1] (decision 0006): cosine 1 − d/2 = (1 + cos)/2; ip 1 − d/2 =
 * (1 + dot)/2; l2 (squared) 1 − d/4, which is (1 + cos)/2 for unit vectors; all clamped.
 */
import { clamp01, cosineDistanceToScore } from '../checks.js';
import type { ChromaSpace } from './config.js';

export function scoreOf(space: ChromaSpace, distance: number): number {
  if (space === 'cosine') return cosineDistanceToScore(distance);
  return clamp01(space === 'ip' ? 1 - distance / 2 : 1 - distance / 4);
}

/** The distance Chroma reports for `space` (cosine: 1 − cos; ip: 1 − dot; l2: squared Euclidean). */
export function distanceOf(space: ChromaSpace, a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  let l2 = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
    l2 += (a[i] - b[i]) ** 2;
  }
  if (space === 'l2') return l2;
  if (space === 'ip') return 1 - dot;
  return na === 0 || nb === 0 ? 1 : 1 - dot / Math.sqrt(na * nb);
}
