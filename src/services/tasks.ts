/** Task status for the API (decision 0008): `{task_id, state, meta, result, error, traceback, cancelled}`. */
import type { TaskQueue, TaskRecord } from '../adapters/queues/types.js';
import { notFound } from '../core/errors.js';
import { taskView, type TaskView } from './tasks/view.js';

export type { TaskView };

export class TasksService {
  constructor(readonly queue: TaskQueue) {}

  /** The task's record; unknown ids, and ids of another project's tasks, are 404. */
  async record(namespace: string, project: string, id: string): Promise<TaskRecord> {
    const t = await this.queue.get(id);
    if (!t || t.namespace !== namespace || t.project !== project) throw notFound(`Task ${id} not found`);
    return t;
  }

  async get(namespace: string, project: string, id: string): Promise<TaskView> {
    return taskView(await this.record(namespace, project, id));
  }
}
