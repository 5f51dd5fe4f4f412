/**
 * Shapes of the data-loop API (issue #17) the app consumes. They are written from the issue text because the
 * routes land in a parallel change; once they are on main, `scripts/gen-web-types.ts` emits them too and these
 * aliases can point at the generated names. Every caller copes with a server that does not have them yet (404).
 */
export type FileStatus = 'uploaded' | 'processing' | 'processed' | 'failed';
export type FileEventStatus = 'queued' | 'parsing' | 'embedding' | 'stored' | 'skipped' | 'failed';

export interface DatasetFile {
  hash: string;
  filename: string;
  status: FileStatus;
  chunks?: number;
  parser?: string | null;
  size?: number;
  /** Seconds since the epoch. */
  uploaded_at?: number | null;
  processed_at?: number | null;
  error?: string | null;
}

export interface DatasetDetail {
  name: string;
  database: string;
  data_processing_strategy: string;
  files: DatasetFile[];
}

export interface FileEvent {
  hash: string;
  filename: string;
  status: FileEventStatus;
  chunks?: number;
  error?: string | null;
}

export interface BulkUploadResponse {
  files: { filename: string; hash?: string; skipped?: boolean; error?: string | null }[];
  task_id?: string;
}

export interface CancelResponse {
  message: string;
  task_id: string;
  cancelled: true;
  state: string;
  reverted_files: { hash: string; filename: string; deleted_chunks?: number; chunks?: number }[];
}

export interface Chunk {
  chunk_id: string;
  chunk_index: number;
  content: string;
  start_position: number | null;
  end_position: number | null;
  page?: number | null;
  metadata?: Record<string, unknown>;
}

export interface ChunksResponse {
  chunks: Chunk[];
  total: number;
  limit: number;
  offset: number;
}

/** The most chunks one request may ask for. */
export const CHUNKS_PAGE = 1000;

export interface FileText {
  text: string;
  parser?: string;
  pages?: { page: number; start_position: number; end_position: number }[];
}

export interface PreviewChunk {
  chunk_index: number;
  content: string;
  start_position: number | null;
  end_position: number | null;
  char_count: number;
  word_count: number;
  metadata?: Record<string, unknown>;
}

export interface PreviewResponse {
  chunks: PreviewChunk[];
  stats: { chunks: number; avg_chars: number; min: number; max: number };
  warnings: string[];
}
