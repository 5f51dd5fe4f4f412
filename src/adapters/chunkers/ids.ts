import type { Chunk } from './types.js';

export type IdentifiedChunk = Chunk & { id: string };

/** `<first 16 hex chars of the file hash>_<index zero-padded to 4>` (the original's chunk id). */
export function chunkId(fileHash: string, index: number): string {
  return `${fileHash.slice(0, 16)}_${String(index).padStart(4, '0')}`;
}

/**
 * Gives each chunk its id and bookkeeping metadata (`file_hash`, `chunk_index`, `total_chunks`). Returns new
 * chunk objects; the input is not modified.
 */
export function assignChunkIds(chunks: Chunk[], fileHash: string): IdentifiedChunk[] {
  const hash = fileHash.toLowerCase();
  return chunks.map((c, i) => ({
    ...c,
    id: chunkId(hash, i),
    metadata: { ...c.metadata, file_hash: hash, chunk_index: i, total_chunks: chunks.length },
  }));
}
