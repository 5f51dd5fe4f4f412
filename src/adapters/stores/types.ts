/**
 * Vector stores. Scores returned by `search` are in [0, 1], higher is better (decision 0006):
 * cosine similarity is mapped to (1 + cos) / 2; full-text scores are normalised by the store.
 */
import { AdapterError, type AdapterErrorKind } from '../../core/adapter-error.js';

export interface StoredChunk {
  /** `<first 16 hex of file hash>_<NNNN>` — upserting the same id replaces the row. */
  id: string;
  text: string;
  vector: Float32Array;
  metadata: Record<string, unknown>;
}

/** A stored row as `readRows` lists it. */
export type StoredRow = Omit<StoredChunk, 'vector'>;

export type FilterValue = string | number | boolean | null;
export type FilterCondition =
  | FilterValue
  | FilterValue[]
  | { $eq?: FilterValue; $ne?: FilterValue; $in?: FilterValue[]; $nin?: FilterValue[]; $gt?: number | string; $gte?: number | string; $lt?: number | string; $lte?: number | string };
/** Keys are metadata keys; all conditions must hold (AND). A scalar means equality, an array membership. */
export type MetadataFilter = Record<string, FilterCondition>;

/**
 * Scores per mode (all in [0, 1], decision 0006): `vector` only → (1 + cos) / 2; `text` only → the store's
 * full-text score normalised by the store; both → reciprocal-rank fusion of the two lists, divided by its
 * maximum so a chunk ranked first in both scores 1.
 */
export interface SearchQuery {
  vector?: Float32Array;
  /** Full-text query (BM25 or the store's equivalent). With `vector` too, the store may fuse. */
  text?: string;
  topK: number;
  filter?: MetadataFilter;
  /** Skip any approximate (ANN) index and compare with every vector: slow; for evaluation and benchmarks. */
  exact?: boolean;
}

export interface Hit {
  id: string;
  text: string;
  metadata: Record<string, unknown>;
  /** In [0, 1], higher is better. */
  score: number;
  /** Raw distance when the store has one. */
  distance?: number;
}

export interface StoreDescription {
  /** 0 while the store has neither data nor a remembered embedder. */
  dimension: number;
  embedder?: string;
  rows: number;
  /** The store's `type` name (e.g. `LanceDBStore`). */
  type?: string;
  /** Which search indexes answer queries now, for stores that build them. */
  indexes?: StoreIndexes;
}

export interface StoreIndexes {
  /** `FLAT` (exact scan) or the ANN index in use, e.g. `IVF_HNSW_SQ`. */
  vector: string;
  /** Set while an ANN index is being built in the background (searches stay exact until it is ready). */
  vectorBuilding?: string;
  /** Rows count at which the store builds its ANN index by itself. */
  vectorThreshold?: number;
  /** `BM25` when full-text search is available, else `none`. */
  fullText: string;
  /** Rows written since the indexes were last brought up to date (searched exactly meanwhile). */
  unindexedRows?: number;
  /** Why the last background index job failed (it is retried after the next write). */
  lastError?: string;
}

export interface VectorStore {
  readonly type: string;
  /**
   * Writes the batch, or nothing of it when any chunk is invalid (StoreError 'invalid_vector' for NaN, ±Infinity
   * or an all-zero vector; 'dimension_mismatch' for a vector whose length differs from the store's).
   * `stored` counts ids that were new; `skipped` counts ids that were already stored (their row is replaced, so
   * re-processing a file is idempotent: same ids, no duplicates) plus repeats of an id inside the batch (the
   * first is kept).
   */
  upsert(chunks: StoredChunk[]): Promise<{ stored: number; skipped: number }>;
  /** Vector search (`vector`), full-text search (`text`), or both fused when the store supports it. */
  search(q: SearchQuery): Promise<Hit[]>;
  /** Deletes the matching rows and returns how many; an empty filter is refused (use `drop`). */
  deleteWhere(filter: MetadataFilter): Promise<number>;
  count(filter?: MetadataFilter): Promise<number>;
  /** Removes all data (and the remembered embedder); the store can be written again afterwards. */
  drop(): Promise<void>;
  describe(): Promise<StoreDescription>;
  /**
   * Remember the embedder identity the store was built with (decision 0005). Refused while the store holds rows
   * made with another dimension ('dimension_mismatch') or another model ('embedder_mismatch').
   */
  setEmbedder?(model: string, dimension: number): Promise<void>;
  /**
   * Every stored row (without vectors), for engines that index the text themselves (the lexical engine).
   * Stores that cannot list their rows leave it out, and full-text search goes to the store.
   */
  readRows?(): AsyncIterable<StoredRow>;
  /** Changes whenever the stored rows may have changed (any write, delete or drop); with `readRows`. */
  dataVersion?(): Promise<string>;
  close(): Promise<void>;
}

export type StoreErrorCode =
  | 'dimension_mismatch'
  | 'embedder_mismatch'
  | 'invalid_vector'
  | 'invalid_filter'
  /** The database's store config cannot be used (a bad value). */
  | 'config'
  | 'unavailable'
  /** The store's server answered with an error. */
  | 'upstream'
  | 'other';

/** How each store error code translates when no service maps it more precisely (decision 0180). */
const STORE_ERROR_KIND: Record<StoreErrorCode, AdapterErrorKind> = {
  dimension_mismatch: 'mismatch',
  embedder_mismatch: 'mismatch',
  invalid_vector: 'invalid_input',
  invalid_filter: 'invalid_input',
  config: 'config',
  unavailable: 'unavailable',
  upstream: 'upstream',
  other: 'internal',
};

export class StoreError extends AdapterError {
  constructor(message: string, readonly code: StoreErrorCode = 'other') {
    super(STORE_ERROR_KIND[code], 'Vector store', message);
    this.name = 'StoreError';
  }
}
