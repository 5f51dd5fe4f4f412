import type { ParsedDocument } from '../parsers/types.js';

export interface Chunk {
  /** `<first 16 hex of file hash>_<NNNN>`, set by `assignChunkIds` (chunkers/ids.ts) in the pipeline. */
  id?: string;
  text: string;
  metadata: Record<string, unknown>;
}

export interface ChunkOptions {
  /** Characters (tokens for `tokens`); for `rows`, characters too unless `rowsPerChunk` is set. */
  chunkSize: number;
  chunkOverlap: number;
  /** `rows` only: this many rows per chunk (`chunkOverlap` then counts rows); `chunkSize` still caps characters. */
  rowsPerChunk?: number;
}

/** One chunking strategy (`characters`, `sentences`, `paragraphs`, `sections`, `rows`, `tokens`). */
export interface Chunker {
  readonly strategy: string;
  chunk(docs: ParsedDocument[], o: ChunkOptions): Chunk[];
}
