/** Task status for the API (decision A8): `{task_id, state, meta, result, error, traceback, cancelled}`. */
import type { TaskQueue, TaskState } from '../adapters/queues/types.js';
import { notFound } from '../core/errors.js';

export interface TaskView {
  task_id: string;
  state: TaskState;
  meta: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
  error: string | null;
  traceback: null;
  cancelled: boolean;
}

export class TasksService {
  constructor(readonly queue: TaskQueue) {}

  /** Unknown ids, and ids of another project's tasks, are 404. */
  async get(namespace: string, project: string, id: string): Promise<TaskView> {
    const t = await this.queue.get(id);
    if (!t || t.namespace !== namespace || t.project !== project) throw notFound(`Task ${id} not found`);
    return {
      task_id: t.id,
      state: t.state,
      meta: t.meta,
      result: t.state === 'SUCCESS' || t.state === 'FAILURE' ? t.result : null,
      error: t.error,
      traceback: null,
      cancelled: t.cancelled,
    };
  }
}
