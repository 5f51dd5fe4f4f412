/**
 * In-process notifications about tasks this process runs: each progress report (unthrottled, before the queue
 * writes it) and the end of a task (after its record is final). Listeners in the same process (the task events
 * stream) hear about changes at once; changes made in other processes are seen by reading the durable record.
 */
import { EventEmitter } from 'node:events';

export interface TaskBusEvents {
  progress: [id: string, meta: Record<string, unknown>];
  finished: [id: string];
}

class TaskBus extends EventEmitter<TaskBusEvents> {}

export const taskBus = new TaskBus();
// One listener per watched task; many tasks may be watched at once.
taskBus.setMaxListeners(0);

/** Wraps a task's progress callback so every report is also announced on the bus. */
export function announcedProgress(id: string, report: (meta: Record<string, unknown>, force?: boolean) => void) {
  return (meta: Record<string, unknown>, force?: boolean) => {
    report(meta, force);
    taskBus.emit('progress', id, meta);
  };
}
