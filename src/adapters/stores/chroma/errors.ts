/** Chroma client errors → StoreErrors. */
import { ChromaConnectionError, ChromaNotFoundError } from 'chromadb';
import { StoreError } from '../types.js';

/** The collection (or record) is gone: deleted by another store or process. */
export function isNotFound(err: unknown): boolean {
  return err instanceof ChromaNotFoundError || /does not exist|not found/i.test((err as Error)?.message ?? '');
}

/** Unreachable server → 'unavailable'; Chroma's dimension complaints → 'dimension_mismatch'; else 'other'. */
export function toStoreError(err: unknown, where: string): StoreError {
  if (err instanceof StoreError) return err;
  const message = (err as Error)?.message ?? String(err);
  if (err instanceof ChromaConnectionError || /fetch failed|ECONNREFUSED|Failed to connect|outbound connection refused/i.test(message)) {
    return new StoreError(`ChromaStore cannot reach the Chroma server at ${where}: ${message}`, 'unavailable');
  }
  if (/expecting embedding with dimension|dimension of \d+|dimensionality/i.test(message)) return new StoreError(`ChromaStore: ${message}`, 'dimension_mismatch');
  return new StoreError(`ChromaStore: ${message}`, 'upstream');
}
