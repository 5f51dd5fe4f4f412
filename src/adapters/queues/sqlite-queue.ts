/**
 * The embedded task queue: task records in SQLite (durable across restarts), handlers run in this process with
 * bounded concurrency. A task found STARTED at startup was interrupted: it is queued again (handlers are
 * idempotent) until `maxAttempts`, then failed with a clear error — never left stuck.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { migrate, type SqliteDb } from '../../storage/sqlite.js';
import { TaskFailure, type TaskHandler, type TaskQueue, type TaskRecord, type TaskScope, type TaskState } from './types.js';

interface Row {
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
  cancelled: number;
  attempts: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

const parse = (s: string | null) => (s === null ? null : (JSON.parse(s) as Record<string, unknown>));

function toRecord(r: Row): TaskRecord {
  return {
    id: r.id,
    kind: r.kind,
    namespace: r.namespace,
    project: r.project,
    ...(r.dataset !== null ? { dataset: r.dataset } : {}),
    state: r.state,
    payload: parse(r.payload) ?? {},
    meta: parse(r.meta),
    result: parse(r.result),
    error: r.error,
    cancelled: r.cancelled === 1,
    attempts: r.attempts,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

export interface SqliteQueueOptions {
  concurrency?: number;
  maxAttempts?: number;
  /** Minimum ms between progress writes. */
  progressIntervalMs?: number;
}

export class SqliteTaskQueue implements TaskQueue {
  private readonly handlers = new Map<string, TaskHandler>();
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void>; scope: TaskScope }>();
  private started = false;
  private closing = false;
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly progressIntervalMs: number;

  constructor(
    private readonly db: SqliteDb,
    private readonly log: Logger,
    o: SqliteQueueOptions = {},
  ) {
    this.concurrency = Math.max(1, o.concurrency ?? 1);
    this.maxAttempts = Math.max(1, o.maxAttempts ?? 3);
    this.progressIntervalMs = o.progressIntervalMs ?? 200;
    migrate(db, 'tasks', [
      `CREATE TABLE tasks (
         id TEXT PRIMARY KEY, kind TEXT NOT NULL, namespace TEXT NOT NULL, project TEXT NOT NULL, dataset TEXT,
         state TEXT NOT NULL, payload TEXT NOT NULL, meta TEXT, result TEXT, error TEXT,
         cancelled INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
         created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER);
       CREATE INDEX tasks_by_state ON tasks(state, created_at);
       CREATE INDEX tasks_by_scope ON tasks(namespace, project, dataset);`,
    ]);
  }

  register(kind: string, handler: TaskHandler): void {
    this.handlers.set(kind, handler);
  }

  async enqueue(kind: string, payload: Record<string, unknown>, scope: TaskScope): Promise<string> {
    const id = randomUUID();
    this.db
      .prepare('INSERT INTO tasks (id, kind, namespace, project, dataset, state, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, kind, scope.namespace, scope.project, scope.dataset ?? null, 'PENDING', JSON.stringify(payload), Date.now());
    this.pump();
    return id;
  }

  async recordFinished(kind: string, scope: TaskScope, state: 'SUCCESS' | 'FAILURE', result: Record<string, unknown>, error?: string): Promise<string> {
    const id = randomUUID();
    const now = Date.now();
    this.db
      .prepare('INSERT INTO tasks (id, kind, namespace, project, dataset, state, payload, meta, result, error, created_at, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, kind, scope.namespace, scope.project, scope.dataset ?? null, state, '{}', JSON.stringify(result), JSON.stringify(result), error ?? null, now, now, now);
    return id;
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  async cancelWhere(scope: Partial<TaskScope> & { namespace: string; project: string }, reason: string): Promise<number> {
    const where = scope.dataset !== undefined ? 'namespace = ? AND project = ? AND dataset = ?' : 'namespace = ? AND project = ?';
    const args = scope.dataset !== undefined ? [scope.namespace, scope.project, scope.dataset] : [scope.namespace, scope.project];
    const now = Date.now();
    const queued = this.db
      .prepare(`UPDATE tasks SET state = 'FAILURE', cancelled = 1, error = ?, finished_at = ? WHERE ${where} AND state IN ('PENDING', 'RETRY')`)
      .run(reason, now, ...args).changes;
    const waits: Promise<void>[] = [];
    for (const [id, r] of this.running) {
      if (r.scope.namespace !== scope.namespace || r.scope.project !== scope.project) continue;
      if (scope.dataset !== undefined && r.scope.dataset !== scope.dataset) continue;
      this.db.prepare("UPDATE tasks SET cancelled = 1, error = ? WHERE id = ?").run(reason, id);
      r.controller.abort(new Error(reason));
      waits.push(r.done);
    }
    await Promise.all(waits);
    return queued + waits.length;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const interrupted = this.db.prepare("SELECT * FROM tasks WHERE state = 'STARTED'").all() as Row[];
    for (const r of interrupted) {
      if (r.attempts >= this.maxAttempts) {
        this.finish(r.id, 'FAILURE', parse(r.meta), `interrupted ${r.attempts} times (server restarts); giving up`);
      } else {
        this.db.prepare("UPDATE tasks SET state = 'PENDING' WHERE id = ?").run(r.id);
        this.log.info({ task: r.id }, 're-queued a task interrupted by a restart');
      }
    }
    this.pump();
  }

  async close(): Promise<void> {
    this.closing = true;
    const waits = [...this.running.values()].map((r) => {
      r.controller.abort(new Error('server shutting down'));
      return r.done;
    });
    await Promise.all(waits);
  }

  async stats(): Promise<{ pending: number; running: number; workers: number }> {
    const pending = (this.db.prepare("SELECT COUNT(*) AS n FROM tasks WHERE state IN ('PENDING', 'RETRY')").get() as { n: number }).n;
    return { pending, running: this.running.size, workers: this.started && !this.closing ? this.concurrency : 0 };
  }

  private finish(id: string, state: 'SUCCESS' | 'FAILURE', result: Record<string, unknown> | null, error: string | null): void {
    this.db
      .prepare('UPDATE tasks SET state = ?, result = ?, meta = COALESCE(?, meta), error = ?, finished_at = ? WHERE id = ?')
      .run(state, result ? JSON.stringify(result) : null, result ? JSON.stringify(result) : null, error, Date.now(), id);
  }

  private pump(): void {
    if (!this.started || this.closing) return;
    while (this.running.size < this.concurrency) {
      const row = this.claimNext();
      if (!row) return;
      this.runTask(row);
    }
  }

  private claimNext(): Row | undefined {
    return this.db.transaction(() => {
      const row = this.db.prepare("SELECT * FROM tasks WHERE state = 'PENDING' ORDER BY created_at, rowid LIMIT 1").get() as Row | undefined;
      if (!row) return undefined;
      this.db.prepare("UPDATE tasks SET state = 'STARTED', attempts = attempts + 1, started_at = ? WHERE id = ?").run(Date.now(), row.id);
      return { ...row, attempts: row.attempts + 1 };
    })();
  }

  private runTask(row: Row): void {
    const controller = new AbortController();
    const scope: TaskScope = { namespace: row.namespace, project: row.project, ...(row.dataset !== null ? { dataset: row.dataset } : {}) };
    let lastWrite = 0;
    let pendingMeta: Record<string, unknown> | undefined;
    const writeMeta = (meta: Record<string, unknown>) => {
      this.db.prepare("UPDATE tasks SET meta = ? WHERE id = ? AND state = 'STARTED'").run(JSON.stringify(meta), row.id);
      lastWrite = Date.now();
      pendingMeta = undefined;
    };
    const handler = this.handlers.get(row.kind);
    const done = (async () => {
      try {
        if (!handler) throw new Error(`no handler for task kind '${row.kind}'`);
        const result = await handler({
          id: row.id,
          payload: parse(row.payload) ?? {},
          scope,
          signal: controller.signal,
          attempt: row.attempts,
          progress: (meta, force) => {
            pendingMeta = meta;
            if (force || Date.now() - lastWrite >= this.progressIntervalMs) writeMeta(meta);
          },
        });
        if (pendingMeta) writeMeta(pendingMeta);
        if (controller.signal.aborted) throw controller.signal.reason;
        this.finish(row.id, 'SUCCESS', result, null);
      } catch (e) {
        const cancelled = (this.db.prepare('SELECT cancelled, error FROM tasks WHERE id = ?').get(row.id) as { cancelled: number; error: string | null } | undefined);
        if (cancelled?.cancelled) {
          this.finish(row.id, 'FAILURE', null, cancelled.error ?? 'cancelled');
        } else if (this.closing && controller.signal.aborted) {
          // Left STARTED on purpose: the next start re-queues it.
          this.log.info({ task: row.id }, 'task interrupted by shutdown; it will be re-run on the next start');
        } else {
          const message = e instanceof Error ? e.message : String(e);
          this.finish(row.id, 'FAILURE', e instanceof TaskFailure ? (e.result ?? null) : null, message);
          this.log.warn({ task: row.id, err: message }, 'task failed');
        }
      } finally {
        this.running.delete(row.id);
        setImmediate(() => this.pump());
      }
    })();
    this.running.set(row.id, { controller, done, scope });
  }
}
