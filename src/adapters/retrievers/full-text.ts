/**
 * Full-text retrieval (the legacy `BM25Retriever`): the store's keyword index (BM25 in LanceDB) alone, scores
 * normalised by the store to [0, 1]. Punctuation is dropped from the query first: keyword indexes tokenise it
 * away anyway, and some read it as query syntax.
 */
import type { Hit, MetadataFilter } from '../stores/types.js';
import { STOP_WORDS } from '../embedders/text-features.js';
import type { RetrievalContext, RetrievalStrategy } from './types.js';

/** The query reduced to words for a keyword index; '' when nothing searchable is left. */
export function keywordQuery(query: string): string {
  return query.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/**
 * The keyword query without common English function words (question words, auxiliaries: `when`, `should`,
 * `does`, ...), which keyword indexes with a short stop list still match; the whole keyword query when
 * nothing else is left.
 */
export function contentQuery(query: string): string {
  const all = keywordQuery(query);
  const content = all.split(' ').filter((w) => !STOP_WORDS.has(w.toLowerCase()));
  return content.length > 0 ? content.join(' ') : all;
}

export async function textSearch(ctx: RetrievalContext, k: number, filter: MetadataFilter | undefined = ctx.filter): Promise<Hit[]> {
  const text = keywordQuery(ctx.query);
  if (!text || k <= 0) return [];
  return ctx.store.search({ text, topK: k, ...(filter ? { filter } : {}) });
}

export class FullTextStrategy implements RetrievalStrategy {
  readonly type = 'BM25Retriever';

  async retrieve(ctx: RetrievalContext): Promise<Hit[]> {
    return textSearch(ctx, ctx.topK);
  }
}
