/**
 * What a task says about its files, as the dataset page shows it: the polled task's per-file state mapped to the
 * events' statuses, and a finished task's per-file outcome. No DOM, so it is tested under Node.
 */
import type { TaskGetResponse } from '../api/types.js';
import type { FileEvent, FileEventStatus } from '../api/dataloop.js';

export type TaskState = TaskGetResponse['state'] | 'REVOKED';
/** The task record (`TaskGetResponse`, plus the REVOKED state a cancelled task ends in). */
export interface TaskRecord {
  task_id: string;
  state: TaskState;
  meta: TaskGetResponse['meta'];
  result: TaskGetResponse['result'];
  error: string | null;
  cancelled: boolean;
}

export const TERMINAL: TaskState[] = ['SUCCESS', 'FAILURE', 'REVOKED'];

export interface PolledFile {
  file_hash: string;
  filename: string;
  state: string;
  stage: string | null;
}

/** Maps the polled task's per-file state (ingest_dataset's `meta.files`) to the events' statuses. */
export function polledFileStatus(f: PolledFile): FileEventStatus {
  if (f.state === 'success') return 'stored';
  if (f.state === 'failure') return 'failed';
  if (f.state === 'skipped') return 'skipped';
  if (f.state === 'processing') return f.stage === 'embed' || f.stage === 'store' ? 'embedding' : 'parsing';
  return 'queued';
}

type ResultFile = { file_hash: string; filename: string; status: string; chunks?: number; stored_count?: number; error?: string | null };

/**
 * The per-file outcome from a finished task's result: our objects under `result.files`; older servers put them
 * under `details`, where the original's clients now get `[success, detail]` pairs (both forms are read).
 */
export function resultFiles(task: TaskRecord): FileEvent[] {
  const result = task.result as { files?: ResultFile[]; details?: (ResultFile | [boolean, ResultFile])[] } | null;
  const details = result?.files ?? (result?.details ?? []).map((d) => (Array.isArray(d) ? d[1] : d));
  return details.map((d) => ({
    hash: d.file_hash,
    filename: d.filename,
    status: d.status === 'success' ? 'stored' : d.status === 'failed' ? 'failed' : 'skipped',
    chunks: d.stored_count ?? d.chunks,
    error: d.error ?? null,
  }));
}

