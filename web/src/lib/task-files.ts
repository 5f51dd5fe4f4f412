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

/** The per-file outcome from a finished task's `result.details`. */
export function resultFiles(task: TaskRecord): FileEvent[] {
  const details = (task.result as { details?: { file_hash: string; filename: string; status: string; chunks?: number; stored_count?: number; error?: string | null }[] } | null)?.details ?? [];
  return details.map((d) => ({
    hash: d.file_hash,
    filename: d.filename,
    status: d.status === 'success' ? 'stored' : d.status === 'failed' ? 'failed' : 'skipped',
    chunks: d.stored_count ?? d.chunks,
    error: d.error ?? null,
  }));
}

