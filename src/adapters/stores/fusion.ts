/**
 * Hybrid search for stores that run the vector and the full-text query separately (PGVectorStore, ChromaStore):
 * reciprocal-rank fusion of the ranked lists, scored in [0, 1] by `rrfToScore` (decision 0006), the same fusion
 * LanceDB's RRF reranker applies inside LanceDBStore.
 */
import { RRF_K, rrfToScore } from './checks.js';
import type { Hit } from './types.js';

/**
 * Fuses best-first hit lists by Σ 1/(k + rank) over the lists a hit appears in. Ties go to the hit with the
 * better best rank, then to the earlier list. A hit keeps its `distance` from whichever list had one.
 */
export function fuseByRank(lists: readonly Hit[][], topK: number, k = RRF_K): Hit[] {
  const fused = new Map<string, { hit: Hit; sum: number; best: number; order: number }>();
  let order = 0;
  for (const list of lists) {
    list.forEach((hit, rank) => {
      const entry = fused.get(hit.id);
      if (!entry) {
        fused.set(hit.id, { hit, sum: 1 / (k + rank), best: rank, order: order++ });
        return;
      }
      entry.sum += 1 / (k + rank);
      entry.best = Math.min(entry.best, rank);
      if (entry.hit.distance === undefined && hit.distance !== undefined) entry.hit = { ...entry.hit, distance: hit.distance };
    });
  }
  return [...fused.values()]
    .sort((a, b) => b.sum - a.sum || a.best - b.best || a.order - b.order)
    .slice(0, Math.max(0, topK))
    .map(({ hit, sum }) => ({ ...hit, score: rrfToScore(sum, lists.length, k) }));
}
