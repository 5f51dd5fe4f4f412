/**
 * Full-text search through the lexical engine when the store can list its rows, else through the store's own
 * full-text index. A metadata filter restricts the engine to the chunks it matches (the same filter semantics as
 * the stores, filter.ts, on the indexed metadata).
 */
import type { Hit } from '../../stores/types.js';
import { keywordQuery, textSearch } from '../full-text.js';
import type { RetrievalContext } from '../types.js';
import { lexicalIndexFor } from './cache.js';
import type { LexicalIndex, LexicalOptions } from './lexical-index.js';

/**
 * The engine's index for the context's store (current with its data), or undefined when full-text search goes to
 * the store (no `options`, a store that cannot list its rows or is too big, or a rebuild still running). Resolve it
 * once per query and pass it to every `lexicalSearch` of that query.
 */
export function lexicalIndexOf(ctx: RetrievalContext, options: LexicalOptions | undefined): Promise<LexicalIndex | undefined> {
  return options ? lexicalIndexFor(ctx.store, options) : Promise.resolve(undefined);
}

export async function lexicalSearch(ctx: RetrievalContext, k: number, index: LexicalIndex | undefined): Promise<Hit[]> {
  if (!index) return textSearch(ctx, k);
  if (!keywordQuery(ctx.query) || k <= 0) return [];
  return index.search(ctx.query, k, ctx.filter).map(({ row, score }) => ({ id: row.id, text: row.text, metadata: row.metadata, score }));
}
