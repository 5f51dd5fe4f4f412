/**
 * An in-memory BM25 inverted index over documents given as term → frequency maps. Frequencies may be fractional
 * (document expansion adds fractions of neighbours' terms), and a document's length is the sum of its
 * frequencies. Postings are stored column-wise in typed arrays (CSR: per term a slice of doc numbers and tfs).
 *
 * score(d, q) = Σ_t qtf_t · idf_t · tf_{t,d} · (k1 + 1) / (tf_{t,d} + k1 · (1 − b + b · len_d / avglen)),
 * idf_t = ln(1 + (N − df_t + 0.5) / (df_t + 0.5))   (Lucene's BM25, never negative).
 */
export interface Bm25Options {
  k1: number;
  b: number;
}

export const DEFAULT_BM25: Bm25Options = { k1: 1.2, b: 0.75 };

export interface DocScore {
  /** The document's position in the list the index was built from. */
  doc: number;
  score: number;
}

export class Bm25Index {
  readonly docCount: number;
  private readonly termIds = new Map<string, number>();
  private readonly offsets: Int32Array;
  private readonly postingDocs: Int32Array;
  private readonly postingTfs: Float32Array;
  /** Per document: k1 · (1 − b + b · len / avglen), the length part of the BM25 denominator. */
  private readonly norms: Float32Array;
  private readonly idfs: Float64Array;
  private scratch: Float64Array;

  constructor(
    docs: readonly ReadonlyMap<string, number>[],
    readonly options: Bm25Options = DEFAULT_BM25,
  ) {
    this.docCount = docs.length;
    const df: number[] = [];
    let total = 0;
    let postings = 0;
    const lengths = new Float64Array(docs.length);
    docs.forEach((doc, d) => {
      for (const [term, tf] of doc) {
        if (!(tf > 0)) continue;
        let id = this.termIds.get(term);
        if (id === undefined) {
          id = df.length;
          this.termIds.set(term, id);
          df.push(0);
        }
        df[id]! += 1;
        lengths[d]! += tf;
        postings += 1;
      }
      total += lengths[d]!;
    });
    this.offsets = new Int32Array(df.length + 1);
    for (let t = 0; t < df.length; t++) this.offsets[t + 1] = this.offsets[t]! + df[t]!;
    this.postingDocs = new Int32Array(postings);
    this.postingTfs = new Float32Array(postings);
    const fill = this.offsets.slice(0, df.length);
    docs.forEach((doc, d) => {
      for (const [term, tf] of doc) {
        if (!(tf > 0)) continue;
        const at = fill[this.termIds.get(term)!]!++;
        this.postingDocs[at] = d;
        this.postingTfs[at] = tf;
      }
    });
    const avg = docs.length > 0 ? total / docs.length : 0;
    const { k1, b } = options;
    this.norms = new Float32Array(docs.length);
    for (let d = 0; d < docs.length; d++) this.norms[d] = k1 * (1 - b + (avg > 0 ? (b * lengths[d]!) / avg : 0));
    const n = docs.length;
    this.idfs = Float64Array.from(df, (f) => Math.log(1 + (n - f + 0.5) / (f + 0.5)));
    this.scratch = new Float64Array(n);
  }

  /** The term's idf, 0 for a term no document has. */
  idf(term: string): number {
    const id = this.termIds.get(term);
    return id === undefined ? 0 : this.idfs[id]!;
  }

  /**
   * The `k` best documents for the query (term → weight, e.g. its count in the query), best first; only
   * documents with a positive score and, when `allow` is given, those it accepts. Ties keep document order.
   */
  search(query: ReadonlyMap<string, number>, k: number, allow?: (doc: number) => boolean): DocScore[] {
    if (k <= 0) return [];
    const acc = this.scratch;
    const touched: number[] = [];
    const k1 = this.options.k1;
    for (const [term, weight] of query) {
      const id = this.termIds.get(term);
      if (id === undefined || !(weight > 0)) continue;
      const w = weight * this.idfs[id]! * (k1 + 1);
      for (let p = this.offsets[id]!, end = this.offsets[id + 1]!; p < end; p++) {
        const d = this.postingDocs[p]!;
        const tf = this.postingTfs[p]!;
        if (acc[d] === 0) touched.push(d);
        acc[d]! += (w * tf) / (tf + this.norms[d]!);
      }
    }
    // Top-k by insertion into a sorted array: cheap for the small k of searches, no sort of every match.
    const top: DocScore[] = [];
    for (const d of touched) {
      const score = acc[d]!;
      acc[d] = 0;
      if (!(score > 0) || (top.length === k && score <= top[k - 1]!.score) || (allow && !allow(d))) continue;
      let at = top.length === k ? k - 1 : top.length;
      while (at > 0 && (top[at - 1]!.score < score || (top[at - 1]!.score === score && top[at - 1]!.doc > d))) {
        if (at < k) top[at] = top[at - 1]!;
        at--;
      }
      top[at] = { doc: d, score };
    }
    return top;
  }
}
