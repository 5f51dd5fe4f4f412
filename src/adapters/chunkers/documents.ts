import type { ParsedDocument } from '../parsers/types.js';
import { chunkEachDocument } from './per-document.js';
import type { Chunk, Chunker } from './types.js';

/** One chunk per parsed document (a page, a section, a sheet row), unsplit: `pages`, `full`. */
export class DocumentChunker implements Chunker {
  readonly strategy = 'documents';

  chunk(docs: ParsedDocument[]): Chunk[] {
    return chunkEachDocument(docs, (d) => [d.text]);
  }
}
