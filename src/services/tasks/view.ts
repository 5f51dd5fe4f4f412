/**
 * A task as the API shows it (decision 0008): `{task_id, state, meta, result, error, traceback, cancelled}`. A
 * cancelled task is shown in Celery's `REVOKED` state (its record stays FAILURE with the cancellation reason).
 */
import type { TaskRecord, TaskState } from '../../adapters/queues/types.js';

export type TaskViewState = TaskState | 'REVOKED';

export interface TaskView {
  task_id: string;
  state: TaskViewState;
  meta: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
  error: string | null;
  traceback: null;
  cancelled: boolean;
}

export function isFinished(t: Pick<TaskRecord, 'state'>): boolean {
  return t.state === 'SUCCESS' || t.state === 'FAILURE';
}

export function taskView(t: TaskRecord): TaskView {
  const finished = isFinished(t);
  return {
    task_id: t.id,
    state: finished && t.cancelled ? 'REVOKED' : t.state,
    meta: t.meta,
    result: finished ? t.result : null,
    error: t.error,
    traceback: null,
    cancelled: t.cancelled,
  };
}
