/**
 * Task queues (decision 0008). The embedded default is a durable SQLite queue running handlers in this process;
 * the scale-out backend (BullMQ on Redis) implements the same interface with `lf worker` processes.
 */
import { AdapterError } from '../../core/adapter-error.js';

export type TaskState = 'PENDING' | 'STARTED' | 'RETRY' | 'SUCCESS' | 'FAILURE';

export interface TaskScope {
  namespace: string;
  project: string;
  /** Set for dataset work, so deleting the dataset cancels it. */
  dataset?: string;
}

/** Which tasks an operation applies to: a project's, optionally one dataset's, optionally one task (`id`). */
export type TaskSelector = Partial<TaskScope> & { namespace: string; project: string; id?: string };

export interface TaskRecord extends TaskScope {
  id: string;
  kind: string;
  state: TaskState;
  payload: Record<string, unknown>;
  meta: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
  error: string | null;
  cancelled: boolean;
  attempts: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface TaskRunContext {
  id: string;
  payload: Record<string, unknown>;
  scope: TaskScope;
  /** Aborted when the task is cancelled or the process is shutting down. */
  signal: AbortSignal;
  /** Records progress in `meta` (throttled by the queue; `force` writes at once). */
  progress(meta: Record<string, unknown>, force?: boolean): void;
  attempt: number;
}

export type TaskHandler = (ctx: TaskRunContext) => Promise<Record<string, unknown>>;

/** Thrown by a handler to end its task in FAILURE with `result` kept (e.g. every file failed). */
export class TaskFailure extends AdapterError {
  constructor(message: string, readonly result?: Record<string, unknown>) {
    super('internal', 'Task', message);
    this.name = 'TaskFailure';
  }
}

/** An external service a queue depends on (e.g. Redis), checked by `/health` under `name`. */
export interface QueueService {
  name: string;
  /** Resolves with a short status message when the service answers; rejects when it does not. */
  ping(): Promise<string>;
}

export interface TaskQueue {
  /** Set when tasks run in other processes (`lf worker`) through an external service. */
  readonly service?: QueueService;
  register(kind: string, handler: TaskHandler): void;
  enqueue(kind: string, payload: Record<string, unknown>, scope: TaskScope): Promise<string>;
  /** Records a task that is already finished (e.g. nothing to process). */
  recordFinished(kind: string, scope: TaskScope, state: 'SUCCESS' | 'FAILURE', result: Record<string, unknown>, error?: string): Promise<string>;
  get(id: string): Promise<TaskRecord | undefined>;
  /** Cancels queued and running tasks in scope and waits until running ones have stopped. */
  cancelWhere(scope: TaskSelector, reason: string): Promise<number>;
  /** Starts processing (recovering tasks interrupted by a restart). */
  start(): Promise<void>;
  /** Stops taking work; running tasks are aborted and left to be re-run on the next start. */
  close(): Promise<void>;
  stats(): Promise<{ pending: number; running: number; workers: number }>;
}
