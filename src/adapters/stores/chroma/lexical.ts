/**
 * Full-text search for ChromaStore. Chroma offers document filters (`$contains`, `$regex`) but no ranked
 * keyword search, so the store:
 * 1. asks Chroma for the documents containing any query word (a case-insensitive `$regex`), at most
 *    `lexical_candidates` of them;
 * 2. ranks those candidates here with BM25 (k1 1.2, b 0.75) over whole lower-cased words, with document
 *    frequencies counted in the candidate set and N the collection size.
 * Limitations: no stemming ("llama" does not score "llamas"); when more documents than `lexical_candidates`
 * contain a query word, only the first ones fetched are ranked and their statistics are estimates.
 */

/** Lower-cased words (letters and digits); everything else separates words. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The distinct words of a query, at most `max`. */
export function queryTerms(text: string, max = 32): string[] {
  return [...new Set(tokenize(text))].slice(0, max);
}

/** Chroma document filter for "contains any of these words" (words hold no regex syntax: see `tokenize`). */
export function anyWordRegex(terms: readonly string[]): string {
  return `(?i)(?:${terms.join('|')})`;
}

const K1 = 1.2;
const B = 0.75;

/** BM25 of each document for the query terms; `totalDocs` is the collection size (N). */
export function bm25Scores(terms: readonly string[], documents: readonly string[], totalDocs: number): number[] {
  const docs = documents.map((d) => {
    const counts = new Map<string, number>();
    const words = tokenize(d);
    for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
    return { counts, length: words.length };
  });
  if (docs.length === 0) return [];
  const avgLength = Math.max(1, docs.reduce((a, d) => a + d.length, 0) / docs.length);
  const n = Math.max(totalDocs, docs.length);
  const idf = terms.map((t) => {
    const df = docs.reduce((a, d) => a + (d.counts.has(t) ? 1 : 0), 0);
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  });
  return docs.map((d) =>
    terms.reduce((score, t, i) => {
      const tf = d.counts.get(t) ?? 0;
      return tf === 0 ? score : score + (idf[i] * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * d.length) / avgLength));
    }, 0),
  );
}
