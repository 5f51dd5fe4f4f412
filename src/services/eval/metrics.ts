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

/** The metrics at a cut-off `k` (plus Recall@100), means over the queries with a relevant judgement. */
export interface MetricsAtK {
  ndcg: number;
  recall: number;
  recall100: number;
  mrr: number;
  queries: number;
}

/** One query's scores at `k`. */
export function queryMetricsAt(ranking: readonly string[], judgements: Judgements, k: number): Omit<MetricsAtK, 'queries'> {
  return { ndcg: ndcgAt(ranking, judgements, k), recall: recallAt(ranking, judgements, k), recall100: recallAt(ranking, judgements, 100), mrr: reciprocalRankAt(ranking, judgements, k) };
}

/**
 * Means over every query that has a relevant judgement (a query missing from the run scores 0); queries without
 * judgements are not counted, as in BEIR. The one implementation behind the harness and the evaluation task.
 */
export function evaluateRunAt(run: Run, qrels: Qrels, k: number): MetricsAtK {
  const sums = { ndcg: 0, recall: 0, recall100: 0, mrr: 0 };
  let queries = 0;
  for (const [qid, judgements] of qrels) {
    if (![...judgements.values()].some((g) => g > 0)) continue;
    queries++;
    const m = queryMetricsAt(run.get(qid) ?? [], judgements, k);
    sums.ndcg += m.ndcg;
    sums.recall += m.recall;
    sums.recall100 += m.recall100;
    sums.mrr += m.mrr;
  }
  const mean = (x: number) => (queries ? x / queries : 0);
  return { ndcg: mean(sums.ndcg), recall: mean(sums.recall), recall100: mean(sums.recall100), mrr: mean(sums.mrr), queries };
}

/** The nearest-rank percentile `p` (0-100) of `values`; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export interface RetrievalMetrics {
  ndcg10: number;
  recall10: number;
  recall100: number;
  mrr10: number;
  /** Queries evaluated: those with at least one relevant judgement. */
  queries: number;
}

/** The harness's figures: the metrics at 10 (and Recall@100). */
export function evaluateRun(run: Run, qrels: Qrels): RetrievalMetrics {
  const m = evaluateRunAt(run, qrels, 10);
  return { ndcg10: m.ndcg, recall10: m.recall, recall100: m.recall100, mrr10: m.mrr, queries: m.queries };
}
