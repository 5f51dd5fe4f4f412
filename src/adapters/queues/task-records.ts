/**
 * Task records (decision 0008) for queues that run handlers in their own process (local-queue.ts): the rows are
 * the truth about each task, and claiming one is atomic, so several queues (API processes, `lf worker`) can share
 * them. Two implementations: SQLite (sqlite-queue.ts, embedded) and Postgres (postgres-queue.ts,
 * `LF_METADATA_URL`). With the Redis backend the records live in BullMQ/Redis instead (bullmq-records.ts).
 *
 * Ownership: a claimed task carries its runner's `owner` id. Only the owner writes progress and the outcome, so a
 * task recovered from a presumed-dead owner is never finished twice.
 */
import type { TaskRecord, TaskScope, TaskSelector, TaskState } from './types.js';

export interface ClaimedTask {
  id: string;
  kind: string;
  scope: TaskScope;
  payload: Record<string, unknown>;
  /** Runs so far, this one included. */
  attempts: number;
}

export interface NewTaskRecord {
  id: string;
  kind: string;
  scope: TaskScope;
  payload: Record<string, unknown>;
  /** Already finished (`recordFinished`): state, result and error; else PENDING. */
  finished?: { state: 'SUCCESS' | 'FAILURE'; result: Record<string, unknown>; error: string | null };
}

export interface OwnedState {
  /** The owner's tasks that are still STARTED and owned by it (cancelled ones included). */
  owned: string[];
  /** Of those, the cancelled ones with their reason. */
  cancelled: Map<string, string>;
}

export interface TaskRecordStore {
  /**
   * How a dead runner is noticed. `lease`: owners renew a lease (`heartbeat`) and a lapsed lease means the owner
   * died (any process may share the records). `restart`: one process per store (embedded SQLite); at start,
   * tasks left STARTED by another process are from a previous run.
   */
  readonly deadOwner: 'lease' | 'restart';
  insert(t: NewTaskRecord): Promise<void>;
  get(id: string): Promise<TaskRecord | undefined>;
  /** Claims the oldest PENDING task of one of `kinds` for `owner` (attempts + 1), or undefined. */
  claimNext(owner: string, kinds: string[]): Promise<ClaimedTask | undefined>;
  /** Renews the owner's lease and reports which of its tasks it still owns and which are cancelled. */
  heartbeat(owner: string): Promise<OwnedState>;
  /** Progress of an owned running task. */
  setMeta(id: string, owner: string, meta: Record<string, unknown>): Promise<void>;
  /** Ends an owned running task; a cancelled one ends FAILURE with its cancellation reason whatever `state` says. */
  finish(id: string, owner: string, state: 'SUCCESS' | 'FAILURE', result: Record<string, unknown> | null, error: string | null): Promise<void>;
  /** Gives an owned running task back (shutdown): PENDING again, or FAILURE once interrupted `maxAttempts` times. */
  release(id: string, owner: string, maxAttempts: number): Promise<void>;
  /** Gives back the tasks of dead owners like `release`; returns their ids. */
  recover(owner: string, maxAttempts: number): Promise<{ requeued: string[]; failed: string[] }>;
  /** Fails queued tasks in scope and flags running ones (any owner) as cancelled. */
  cancel(scope: TaskSelector, reason: string): Promise<{ queued: number; running: string[] }>;
  /** Which of `ids` are still STARTED. */
  stillRunning(ids: string[]): Promise<string[]>;
  counts(): Promise<{ pending: number; running: number }>;
  close(): Promise<void>;
}

/** SQL (SQLite and Postgres) for the error of a task given up after `attempts` interruptions. */
export const INTERRUPTED_ERROR_SQL = "'interrupted ' || attempts || ' times (server restarts); giving up'";

/**
 * A task row as both record stores read it: same columns, with SQLite's integers (0/1 flags, epoch ms) and
 * Postgres's booleans and BIGINTs-as-strings.
 */
export interface TaskRow {
  id: string;
  kind: string;
  namespace: string;
  project: string;
  dataset: string | null;
  state: TaskState;
  payload: string;
  meta: string | null;
  result: string | null;
  error: string | null;
  cancelled: boolean | number;
  attempts: number;
  created_at: number | string;
  started_at: number | string | null;
  finished_at: number | string | null;
}

export const parseJsonColumn = (s: string | null) => (s === null ? null : (JSON.parse(s) as Record<string, unknown>));
export const jsonColumn = (v: Record<string, unknown> | null) => (v === null ? null : JSON.stringify(v));
const msColumn = (v: number | string | null) => (v === null ? null : Number(v));

export const scopeOfRow = (r: Pick<TaskRow, 'namespace' | 'project' | 'dataset'>): TaskScope => ({
  namespace: r.namespace,
  project: r.project,
  ...(r.dataset !== null ? { dataset: r.dataset } : {}),
});

export function taskRecordOfRow(r: TaskRow): TaskRecord {
  return {
    id: r.id,
    kind: r.kind,
    ...scopeOfRow(r),
    state: r.state,
    payload: parseJsonColumn(r.payload) ?? {},
    meta: parseJsonColumn(r.meta),
    result: parseJsonColumn(r.result),
    error: r.error,
    cancelled: Boolean(r.cancelled),
    attempts: r.attempts,
    createdAt: Number(r.created_at),
    startedAt: msColumn(r.started_at),
    finishedAt: msColumn(r.finished_at),
  };
}
