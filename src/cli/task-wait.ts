/** Waiting for a server task (`GET .../tasks/{id}`) with a progress display fed by its `meta`. */
import type { LfClient } from './http.js';
import { projectPath } from './http.js';
import { createProgress } from './progress.js';
import { followTaskEvents } from './task-events.js';

export interface Task {
  task_id: string;
  state: 'PENDING' | 'STARTED' | 'RETRY' | 'SUCCESS' | 'FAILURE' | string;
  meta?: TaskMeta | null;
  result?: Record<string, any> | null;
  error?: string | null;
  cancelled?: boolean;
}

export interface TaskMeta {
  current?: number;
  total?: number;
  stage?: string | null;
  message?: string;
  files?: Array<{ filename?: string; state?: string; stage?: string | null }>;
  [key: string]: unknown;
}

export const isFinished = (t: Task) => t.state === 'SUCCESS' || t.state === 'FAILURE' || t.state === 'REVOKED';

export interface WaitOptions {
  title?: string;
  intervalMs?: number;
  /** Show progress on stderr (default true). */
  progress?: boolean;
  /** Follow the task's events stream (default); polling is the fallback when the server has none. */
  events?: boolean;
}

export function getTask(client: LfClient, namespace: string, project: string, taskId: string): Promise<Task> {
  return client.get<Task>(projectPath(namespace, project, 'tasks', taskId));
}

/** What the display shows for the task's current step. */
export function progressLabel(meta: TaskMeta | null | undefined): string {
  if (!meta) return '';
  if (meta.message) return meta.message;
  const active = meta.files?.find((f) => f.state === 'processing');
  return [meta.stage, active?.filename].filter(Boolean).join(' ');
}

/**
 * Waits until the task is finished (SUCCESS, FAILURE or REVOKED) and returns its last state: from its events
 * stream, else (older server, broken stream) by polling.
 */
export async function waitForTask(client: LfClient, namespace: string, project: string, taskId: string, o: WaitOptions = {}): Promise<Task> {
  const interval = o.intervalMs ?? 250;
  const view = o.progress === false ? undefined : createProgress(o.title ?? 'processing', 'files', { plainOn: 'value' });
  let total: number | undefined;
  try {
    if (o.events !== false) {
      try {
        const final = await followTaskEvents(client, namespace, project, taskId, (f) => {
          const meta = f.event === 'progress' ? (f.data as TaskMeta) : undefined;
          if (view && meta && typeof meta.total === 'number' && typeof meta.current === 'number') {
            total = meta.total;
            // The last step shows no label, as a finished task does.
            view.update(meta.current, meta.total, meta.current >= meta.total ? undefined : progressLabel(meta));
          }
        });
        if (final) {
          if (view && total !== undefined && final.state === 'SUCCESS') view.update(total, total);
          return final as Task;
        }
      } catch (e) {
        // Only a missing stream (an older server: 404/405) falls back; other errors are the answer.
        const status = (e as { status?: number }).status;
        if (status !== 404 && status !== 405) throw e;
        await getTask(client, namespace, project, taskId);
      }
    }
    for (;;) {
      const task = await getTask(client, namespace, project, taskId);
      const meta = task.meta;
      if (view && meta && typeof meta.total === 'number' && typeof meta.current === 'number') {
        total = meta.total;
        view.update(meta.current, meta.total, isFinished(task) ? undefined : progressLabel(meta));
      } else if (view && total !== undefined && task.state === 'SUCCESS') view.update(total, total);
      if (isFinished(task)) return task;
      await new Promise((r) => setTimeout(r, interval));
    }
  } finally {
    view?.stop();
  }
}
