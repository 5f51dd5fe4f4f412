/**
 * Ranking-quality metrics as BEIR computes them (pytrec_eval): nDCG@k with linear gains, Recall@k and MRR@k over
 * the queries that have judgements. Pure functions: a ranking is a best-first list of document ids, judgements
 * are graded relevances per document (0 or absent = not relevant).
 */

/** Graded relevance of each judged document for one query. */
export type Judgements = ReadonlyMap<string, number>;

/** Query id → its judgements. */
export type Qrels = ReadonlyMap<string, Judgements>;

/** Query id → document ids, best first. */
export type Run = ReadonlyMap<string, readonly string[]>;

/**
 * Document ids best first with each id kept once, at its best position: a document split into several chunks
 * counts once, scored by its best chunk (hits arrive best first, so the first occurrence is the maximum).
 */
export function uniqueInOrder(ids: Iterable<string>): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const id of ids) {
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
  }
  return out;
}

function gainOf(judgements: Judgements, id: string): number {
  const g = judgements.get(id) ?? 0;
  return g > 0 ? g : 0;
}

/** Normalised discounted cumulative gain at `k`: Σ gain / log2(rank + 1) over the top k, divided by its ideal. */
export function ndcgAt(ranking: readonly string[], judgements: Judgements, k: number): number {
  const ideal = [...judgements.values()].filter((g) => g > 0).sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, ideal.length); i++) idcg += ideal[i] / Math.log2(i + 2);
  if (idcg === 0) return 0;
  let dcg = 0;
  const top = uniqueInOrder(ranking).slice(0, k);
  for (let i = 0; i < top.length; i++) dcg += gainOf(judgements, top[i]) / Math.log2(i + 2);
  return dcg / idcg;
}

/** Share of the relevant documents found in the top `k`. */
export function recallAt(ranking: readonly string[], judgements: Judgements, k: number): number {
  let relevant = 0;
  for (const g of judgements.values()) if (g > 0) relevant++;
  if (relevant === 0) return 0;
  let found = 0;
  for (const id of uniqueInOrder(ranking).slice(0, k)) if (gainOf(judgements, id) > 0) found++;
  return found / relevant;
}

/** 1 / rank of the first relevant document in the top `k`, 0 when there is none. */
export function reciprocalRankAt(ranking: readonly string[], judgements: Judgements, k: number): number {
  const top = uniqueInOrder(ranking).slice(0, k);
  for (let i = 0; i < top.length; i++) if (gainOf(judgements, top[i]) > 0) return 1 / (i + 1);
  return 0;
}

export interface RetrievalMetrics {
  ndcg10: number;
  recall10: number;
  recall100: number;
  mrr10: number;
  /** Queries evaluated: those with at least one relevant judgement. */
  queries: number;
}

/**
 * Means over every query that has a relevant judgement (a query missing from the run scores 0); queries without
 * judgements are not counted, as in BEIR.
 */
export function evaluateRun(run: Run, qrels: Qrels): RetrievalMetrics {
  const sums = { ndcg10: 0, recall10: 0, recall100: 0, mrr10: 0 };
  let queries = 0;
  for (const [qid, judgements] of qrels) {
    if (![...judgements.values()].some((g) => g > 0)) continue;
    queries++;
    const ranking = run.get(qid) ?? [];
    sums.ndcg10 += ndcgAt(ranking, judgements, 10);
    sums.recall10 += recallAt(ranking, judgements, 10);
    sums.recall100 += recallAt(ranking, judgements, 100);
    sums.mrr10 += reciprocalRankAt(ranking, judgements, 10);
  }
  const mean = (x: number) => (queries ? x / queries : 0);
  return { ndcg10: mean(sums.ndcg10), recall10: mean(sums.recall10), recall100: mean(sums.recall100), mrr10: mean(sums.mrr10), queries };
}
