/**
 * Per-file progress of an ingestion task as it appears in the task's `meta.files` (read by the events stream,
 * cancel and the dataset view), and the file's lasting processing state (datasets/file-state.ts).
 */
import type { FileDetail, IngestStage } from '../ingest/ingest-file.js';
import { FileStateStore } from '../datasets/file-state.js';

/** A file's status on the task events stream. */
export type FileEventStatus = 'queued' | 'parsing' | 'embedding' | 'stored' | 'skipped' | 'failed';

export const FINAL_FILE_STATUSES: ReadonlySet<string> = new Set(['stored', 'skipped', 'failed']);

export interface FileProgress {
  [key: string]: unknown;
  file_hash: string;
  filename: string;
  /** Older field kept for clients of the task record: pending, processing, success, failure. */
  state: string;
  stage: IngestStage | null;
  status: FileEventStatus;
  chunks: number;
  /** Chunks this task wrote as new rows. */
  stored_count: number;
  error: string | null;
}

export function fileProgressEntry(hash: string, filename: string): FileProgress {
  return { file_hash: hash, filename, state: 'pending', stage: null, status: 'queued', chunks: 0, stored_count: 0, error: null };
}

export function fileStatusOfStage(stage: IngestStage): FileEventStatus {
  return stage === 'parse' || stage === 'chunk' ? 'parsing' : 'embedding';
}

export function fileStatusAfter(d: FileDetail): Pick<FileProgress, 'status' | 'chunks' | 'stored_count' | 'error'> {
  const status: FileEventStatus = d.status === 'failed' ? 'failed' : d.status === 'skipped' ? 'skipped' : 'stored';
  return { status, chunks: d.chunks, stored_count: d.stored_count, error: d.error };
}

/** Saves the file's state: processing (no detail yet), then processed or failed. Never fails the task. */
export async function recordFileState(datasetDir: string, hash: string, taskId: string, detail: FileDetail | undefined): Promise<void> {
  const store = new FileStateStore(datasetDir);
  try {
    if (!detail) {
      const before = await store.get(hash);
      await store.set(hash, { status: 'processing', chunks: before?.chunks ?? 0, parser: before?.parser ?? null, error: null, processed_at: before?.processed_at ?? null, task_id: taskId });
      return;
    }
    await store.set(hash, {
      status: detail.status === 'failed' ? 'failed' : 'processed',
      chunks: detail.chunks,
      parser: detail.parser ?? null,
      error: detail.error,
      processed_at: Date.now() / 1000,
      task_id: taskId,
    });
  } catch {
    /* the state is advisory: the task's own record stays the truth */
  }
}

/** One `file` event: `{hash, filename, status, chunks, error}`. */
export interface FileEvent {
  hash: string;
  filename: string;
  status: FileEventStatus;
  chunks: number;
  error: string | null;
}

/**
 * The files of a task as its record shows them: `meta.files` while it runs (and when cancelled), else the
 * result's `files` of a finished ingestion.
 */
export function filesOfRecord(meta: Record<string, unknown> | null, result: Record<string, unknown> | null): FileEvent[] {
  const files = meta?.files;
  if (Array.isArray(files)) {
    return (files as Partial<FileProgress>[])
      .filter((f) => typeof f.file_hash === 'string')
      .map((f) => ({
        hash: f.file_hash!,
        filename: String(f.filename ?? ''),
        // A finished record may carry the result's per-file objects here (status success/skipped/failed).
        status: ((f.status as string) === 'success' ? 'stored' : (f.status ?? legacyStatus(f.state))) as FileEventStatus,
        chunks: typeof f.chunks === 'number' ? f.chunks : 0,
        error: typeof f.error === 'string' ? f.error : null,
      }));
  }
  // Our per-file objects are `result.files`; `details` holds the original's `[success, detail]` pairs (older
  // records: the objects themselves).
  const source = result ?? meta;
  const details = Array.isArray(source?.files) ? source.files : Array.isArray(source?.details) ? source.details.map((d: unknown) => (Array.isArray(d) ? d[1] : d)) : undefined;
  if (Array.isArray(details)) {
    return (details as Partial<FileDetail>[])
      .filter((d) => typeof d.file_hash === 'string')
      .map((d) => ({
        hash: d.file_hash!,
        filename: String(d.filename ?? ''),
        status: d.status === 'failed' ? 'failed' : d.status === 'skipped' ? 'skipped' : 'stored',
        chunks: typeof d.chunks === 'number' ? d.chunks : 0,
        error: typeof d.error === 'string' ? d.error : null,
      }));
  }
  return [];
}

function legacyStatus(state: unknown): FileEventStatus {
  if (state === 'success') return 'stored';
  if (state === 'failure') return 'failed';
  if (state === 'processing') return 'parsing';
  return 'queued';
}
