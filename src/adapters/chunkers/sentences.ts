import type { ParsedDocument } from '../parsers/types.js';
import { chunkEachDocument, effectiveOverlap, effectiveSize } from './per-document.js';
import { packSpans, refine, sentenceSpans } from './split.js';
import type { Chunk, ChunkOptions, Chunker } from './types.js';

/** Whole sentences packed up to `chunk_size` characters; overlap carries trailing sentences forward. */
export class SentenceChunker implements Chunker {
  readonly strategy = 'sentences';

  chunk(docs: ParsedDocument[], o: ChunkOptions): Chunk[] {
    const size = effectiveSize(o);
    const overlap = effectiveOverlap(o);
    return chunkEachDocument(docs, (d) => packSpans(d.text, refine(d.text, sentenceSpans(d.text), size, []), size, overlap));
  }
}
