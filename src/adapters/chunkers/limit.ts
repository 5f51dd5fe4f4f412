/**
 * The last guard of chunking (issue #15 item 7): no chunk is longer than its strategy's limit, whatever the input
 * (a 1M-column CSV row, a minified line, a page with no breaks). Over-long chunks are split at lines, then into
 * word-friendly windows.
 */
import { lineSpans, packSpans, refine } from './split.js';
import type { Chunk } from './types.js';

/** Characters a token may take on average when a `tokens` chunk is bounded in characters. */
export const CHARS_PER_TOKEN_LIMIT = 16;
/** Upper bound for strategies that do not split by size (`documents`/`pages`) unless `chunk_size` is larger. */
export const MAX_UNSPLIT_CHUNK_CHARS = 8000;

/** The longest chunk (characters) a strategy may produce with this `chunk_size`. */
export function chunkCharLimit(strategy: string, size: number): number {
  if (strategy === 'tokens') return size * CHARS_PER_TOKEN_LIMIT;
  if (strategy === 'documents') return Math.max(size, MAX_UNSPLIT_CHUNK_CHARS);
  return size;
}

/** Pieces of `text`, each at most `limit` characters: whole lines packed, long lines cut into windows. */
export function splitToLimit(text: string, limit: number): string[] {
  return packSpans(text, refine(text, lineSpans(text), limit, []), limit, 0).map((s) => s.trim()).filter(Boolean);
}

/** Splits every chunk longer than `limit` characters (the pieces keep its metadata, plus `part`/`parts`). */
export function enforceChunkLimit(chunks: Chunk[], limit: number): Chunk[] {
  if (chunks.every((c) => c.text.length <= limit)) return chunks;
  const out: Chunk[] = [];
  for (const c of chunks) {
    if (c.text.length <= limit) {
      out.push(c);
      continue;
    }
    const pieces = splitToLimit(c.text, limit);
    pieces.forEach((text, i) => out.push({ ...c, text, metadata: { ...c.metadata, part: i + 1, parts: pieces.length } }));
  }
  return out;
}
