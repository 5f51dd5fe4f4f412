import type { ParsedDocument } from '../parsers/types.js';
import { effectiveOverlap, effectiveSize } from './per-document.js';
import { wordSpans } from './split.js';
import type { Chunk, ChunkOptions, Chunker } from './types.js';

/**
 * Windows of `chunk_size` tokens stepping `chunk_size - chunk_overlap`. Tokens are approximated by words (runs of
 * non-whitespace); no model tokenizer is involved.
 */
export class TokenChunker implements Chunker {
  readonly strategy = 'tokens';

  chunk(docs: ParsedDocument[], o: ChunkOptions): Chunk[] {
    const size = effectiveSize(o);
    const step = size - effectiveOverlap(o);
    const chunks: Chunk[] = [];
    for (const doc of docs) {
      const words = wordSpans(doc.text);
      for (let i = 0; i < words.length; i += step) {
        const last = Math.min(i + size, words.length) - 1;
        chunks.push({ text: doc.text.slice(words[i][0], words[last][1]), metadata: { ...doc.metadata, token_count: last - i + 1 } });
        if (last === words.length - 1) break;
      }
    }
    return chunks;
  }
}
