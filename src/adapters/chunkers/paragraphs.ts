import type { ParsedDocument } from '../parsers/types.js';
import { chunkEachDocument, effectiveOverlap, effectiveSize } from './per-document.js';
import { lineSpans, packSpans, paragraphSpans, refine, sentenceSpans, type Span } from './split.js';
import type { Chunk, ChunkOptions, Chunker } from './types.js';

/** Paragraph spans of `text`, long ones broken into sentences, then lines, then windows. */
export function paragraphUnits(text: string, size: number, within?: Span): Span[] {
  return refine(text, paragraphSpans(text, within), size, [sentenceSpans, lineSpans]);
}

/** Paragraphs (blank-line separated) packed up to `chunk_size` characters; overlap carries trailing units forward. */
export class ParagraphChunker implements Chunker {
  readonly strategy = 'paragraphs';

  chunk(docs: ParsedDocument[], o: ChunkOptions): Chunk[] {
    const size = effectiveSize(o);
    const overlap = effectiveOverlap(o);
    return chunkEachDocument(docs, (d) => packSpans(d.text, paragraphUnits(d.text, size), size, overlap));
  }
}
