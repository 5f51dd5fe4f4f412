import type { ParsedDocument } from '../parsers/types.js';
import type { Chunk, ChunkOptions } from './types.js';

/** Overlap that always leaves room for progress: at most half the chunk size, never negative. */
export function effectiveOverlap(o: ChunkOptions): number {
  return Math.max(0, Math.min(Math.floor(o.chunkOverlap), Math.floor(o.chunkSize / 2)));
}

/** Chunk size as a positive integer. */
export function effectiveSize(o: ChunkOptions): number {
  return Math.max(1, Math.floor(o.chunkSize));
}

/** Splits each document on its own (chunks never span documents) and copies its metadata to its chunks. */
export function chunkEachDocument(docs: ParsedDocument[], split: (doc: ParsedDocument) => string[]): Chunk[] {
  const chunks: Chunk[] = [];
  for (const doc of docs) {
    for (const piece of split(doc)) {
      const text = piece.trim();
      if (text) chunks.push({ text, metadata: { ...doc.metadata } });
    }
  }
  return chunks;
}
