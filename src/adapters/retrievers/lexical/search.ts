/**
 * Full-text search through the lexical engine when the store can list its rows, else through the store's own
 * full-text index. A metadata filter restricts the
 * engine to the chunks it matches (the same filter semantics as the stores, filter.ts, on the indexed metadata).
 */
import type { Hit } from '../../stores/types.js';
import { keywordQuery, textSearch } from '../full-text.js';
import type { RetrievalContext } from '../types.js';
import { lexicalIndexFor } from './cache.js';
import type { LexicalOptions } from './lexical-index.js';

export async function lexicalSearch(ctx: RetrievalContext, k: number, options: LexicalOptions | undefined): Promise<Hit[]> {
  const index = options ? await lexicalIndexFor(ctx.store, options) : undefined;
  if (!index) return textSearch(ctx, k);
  if (!keywordQuery(ctx.query) || k <= 0) return [];
  return index.search(ctx.query, k, ctx.filter).map(({ row, score }) => ({ id: row.id, text: row.text, metadata: row.metadata, score }));
}
