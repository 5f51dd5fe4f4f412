import type { ParsedDocument } from '../parsers/types.js';
import { chunkEachDocument, effectiveOverlap, effectiveSize } from './per-document.js';
import { windowSpans } from './split.js';
import type { Chunk, ChunkOptions, Chunker } from './types.js';

/** Fixed windows of `chunk_size` characters stepping `chunk_size - chunk_overlap` (ends snap to word breaks). */
export class CharacterChunker implements Chunker {
  readonly strategy = 'characters';

  chunk(docs: ParsedDocument[], o: ChunkOptions): Chunk[] {
    const size = effectiveSize(o);
    const overlap = effectiveOverlap(o);
    return chunkEachDocument(docs, (d) => windowSpans(d.text, [0, d.text.length], size, overlap).map(([s, e]) => d.text.slice(s, e)));
  }
}
