import { createHash } from 'node:crypto';
import type { Chunk } from './types.js';

export type IdentifiedChunk = Chunk & { id: string };

/** Eight hex characters naming a dataset inside chunk ids (`sha256(name)`, so any dataset name fits). */
export function datasetTag(dataset: string): string {
  return createHash('sha256').update(dataset).digest('hex').slice(0, 8);
}

/**
 * `<first 16 hex chars of the file hash>_<NNNN>` (the original's chunk id), or with a dataset
 * `<first 16 hex of the file hash>_<dataset tag>_<NNNN>`: each dataset owns its own rows of a file it shares with
 * another dataset on the same database (decision 0120).
 */
export function chunkId(fileHash: string, index: number, dataset?: string): string {
  const n = String(index).padStart(4, '0');
  return dataset === undefined ? `${fileHash.slice(0, 16)}_${n}` : `${fileHash.slice(0, 16)}_${datasetTag(dataset)}_${n}`;
}

/**
 * Gives each chunk its id and bookkeeping metadata (`file_hash`, `chunk_index`, `total_chunks`). Returns new
 * chunk objects; the input is not modified.
 */
export function assignChunkIds(chunks: Chunk[], fileHash: string, dataset?: string): IdentifiedChunk[] {
  const hash = fileHash.toLowerCase();
  return chunks.map((c, i) => ({
    ...c,
    id: chunkId(hash, i, dataset),
    metadata: { ...c.metadata, file_hash: hash, chunk_index: i, total_chunks: chunks.length },
  }));
}
