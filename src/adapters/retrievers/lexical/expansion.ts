/**
 * Document expansion by nearest neighbours (Tao et al. 2006 style): each document borrows, fractionally, the
 * words of the documents most like it, so a query phrased in a neighbour's words still finds it.
 *
 * For document d: its `queryTerms` highest tf·idf terms search the index (d itself excluded); the best
 * `neighbours` hits n get weights w_n = their BM25 scores normalised to sum 1; then
 *   tf'_d(t) = tf_d(t) + weight · len_d · Σ_n w_n · tf_n(t) / len_n
 * (fractional, not rounded or truncated: both were measured to lose). Ordinary BM25 then runs on tf'.
 */
import { Bm25Index, type Bm25Options } from './bm25-index.js';

export interface ExpansionOptions {
  /** How many nearest documents each document borrows from (0: no expansion). */
  neighbours: number;
  /** Share of its own length a document borrows (the `g` above). */
  weight: number;
  /** How many of a document's own terms search for its neighbours. */
  queryTerms: number;
}

export const DEFAULT_EXPANSION: ExpansionOptions = { neighbours: 5, weight: 0.3, queryTerms: 20 };

function lengthOf(doc: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const tf of doc.values()) n += tf;
  return n;
}

/** The document's `n` terms with the highest tf·idf, as a query (each weighing 1). */
function signature(doc: ReadonlyMap<string, number>, index: Bm25Index, n: number): Map<string, number> {
  const ranked = [...doc].map(([t, tf]) => [t, tf * index.idf(t)] as const).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return new Map(ranked.slice(0, n).map(([t]) => [t, 1]));
}

/** Expands one document at a time: `(d) => d's expanded map` (a new map; the input is not changed). */
export function neighbourExpander(docs: readonly ReadonlyMap<string, number>[], o: ExpansionOptions, index: Bm25Index): (d: number) => Map<string, number> {
  const lengths = docs.map(lengthOf);
  return (d) => {
    const doc = docs[d]!;
    const out = new Map(doc);
    if (o.neighbours <= 0 || o.weight <= 0 || lengths[d]! === 0) return out;
    const hits = index.search(signature(doc, index, o.queryTerms), o.neighbours, (n) => n !== d);
    const total = hits.reduce((a, h) => a + h.score, 0);
    if (!(total > 0)) return out;
    const scale = o.weight * lengths[d]!;
    for (const h of hits) {
      const share = (scale * h.score) / total / lengths[h.doc]!;
      for (const [t, tf] of docs[h.doc]!) out.set(t, (out.get(t) ?? 0) + share * tf);
    }
    return out;
  };
}

/**
 * The expanded term-frequency maps (a new map per document; the input is not changed). `index`, when given, must
 * be the BM25 index of `docs` (it is built otherwise).
 */
export function expandByNeighbours(
  docs: readonly ReadonlyMap<string, number>[],
  o: ExpansionOptions,
  bm25?: Bm25Options,
  index: Bm25Index = new Bm25Index(docs, bm25),
): Map<string, number>[] {
  const expand = neighbourExpander(docs, o, index);
  return docs.map((_, d) => expand(d));
}
