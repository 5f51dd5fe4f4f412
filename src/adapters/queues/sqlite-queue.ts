/**
 * The embedded task queue (decision 0004): task records in the SQLite metadata database (durable across restarts),
 * handlers run in this process (local-queue.ts). Embedded means one process per data dir, so at start every task
 * left STARTED by another process is from a previous run: it is queued again (handlers are idempotent) until
 * `maxAttempts`, then failed with a clear error — never left stuck. Scaled out, the same queue runs over Postgres
 * records (postgres-queue.ts) with leases instead.
 */
import type { Logger } from 'pino';
import { migrate, type SqliteDb } from '../../storage/sqlite.js';
import { LocalTaskQueue, PROCESS_OWNER_PREFIX, type LocalQueueOptions } from './local-queue.js';
import { INTERRUPTED_ERROR_SQL, jsonColumn, parseJsonColumn, scopeOfRow, taskRecordOfRow, type ClaimedTask, type NewTaskRecord, type OwnedState, type TaskRecordStore, type TaskRow } from './task-records.js';
import type { TaskRecord, TaskSelector } from './types.js';


/** The outcome of giving a task back: cancelled or interrupted too often → FAILURE, else PENDING again. */
const GIVE_BACK = `
  state = CASE WHEN cancelled = 1 OR attempts >= @max THEN 'FAILURE' ELSE 'PENDING' END,
  error = CASE WHEN cancelled = 1 THEN COALESCE(error, 'cancelled') WHEN attempts >= @max THEN ${INTERRUPTED_ERROR_SQL} ELSE error END,
  result = CASE WHEN cancelled = 0 AND attempts >= @max THEN meta ELSE result END,
  finished_at = CASE WHEN cancelled = 1 OR attempts >= @max THEN @now ELSE NULL END,
  owner = NULL`;

export class SqliteTaskRecords implements TaskRecordStore {
  readonly deadOwner = 'restart';

  constructor(private readonly db: SqliteDb) {
    migrate(db, 'tasks', [
      `CREATE TABLE tasks (
         id TEXT PRIMARY KEY, kind TEXT NOT NULL, namespace TEXT NOT NULL, project TEXT NOT NULL, dataset TEXT,
         state TEXT NOT NULL, payload TEXT NOT NULL, meta TEXT, result TEXT, error TEXT,
         cancelled INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
         created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER);
       CREATE INDEX tasks_by_state ON tasks(state, created_at);
       CREATE INDEX tasks_by_scope ON tasks(namespace, project, dataset);`,
      'ALTER TABLE tasks ADD COLUMN owner TEXT',
    ]);
  }

  async insert(t: NewTaskRecord): Promise<void> {
    const now = Date.now();
    const f = t.finished;
    this.db
      .prepare(
        `INSERT INTO tasks (id, kind, namespace, project, dataset, state, payload, meta, result, error, created_at, started_at, finished_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(t.id, t.kind, t.scope.namespace, t.scope.project, t.scope.dataset ?? null, f?.state ?? 'PENDING', JSON.stringify(t.payload),
        f ? jsonColumn(f.result) : null, f ? jsonColumn(f.result) : null, f?.error ?? null, now, f ? now : null, f ? now : null);
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as TaskRow | undefined;
    return row ? taskRecordOfRow(row) : undefined;
  }

  async claimNext(owner: string, kinds: string[]): Promise<ClaimedTask | undefined> {
    if (kinds.length === 0) return undefined;
    const row = this.db
      .prepare(
        `UPDATE tasks SET state = 'STARTED', attempts = attempts + 1, started_at = ?, owner = ?
         WHERE rowid = (SELECT rowid FROM tasks WHERE state = 'PENDING' AND kind IN (${kinds.map(() => '?').join(', ')}) ORDER BY created_at, rowid LIMIT 1)
         RETURNING id, kind, namespace, project, dataset, payload, attempts`,
      )
      .get(Date.now(), owner, ...kinds) as Pick<TaskRow, 'id' | 'kind' | 'namespace' | 'project' | 'dataset' | 'payload' | 'attempts'> | undefined;
    return row && { id: row.id, kind: row.kind, scope: scopeOfRow(row), payload: parseJsonColumn(row.payload) ?? {}, attempts: row.attempts };
  }

  async heartbeat(owner: string): Promise<OwnedState> {
    const rows = this.db.prepare("SELECT id, cancelled, error FROM tasks WHERE owner = ? AND state = 'STARTED'").all(owner) as Pick<TaskRow, 'id' | 'cancelled' | 'error'>[];
    return { owned: rows.map((r) => r.id), cancelled: new Map(rows.filter((r) => r.cancelled === 1).map((r) => [r.id, r.error ?? 'cancelled'])) };
  }

  async setMeta(id: string, owner: string, meta: Record<string, unknown>): Promise<void> {
    this.db.prepare("UPDATE tasks SET meta = ? WHERE id = ? AND owner = ? AND state = 'STARTED'").run(JSON.stringify(meta), id, owner);
  }

  async finish(id: string, owner: string, state: 'SUCCESS' | 'FAILURE', result: Record<string, unknown> | null, error: string | null): Promise<void> {
    this.db
      .prepare(
        `UPDATE tasks SET
           state = CASE WHEN cancelled = 1 THEN 'FAILURE' ELSE @state END,
           result = CASE WHEN cancelled = 1 THEN NULL ELSE @result END,
           meta = CASE WHEN cancelled = 1 THEN meta ELSE COALESCE(@result, meta) END,
           error = CASE WHEN cancelled = 1 THEN COALESCE(error, 'cancelled') ELSE @error END,
           finished_at = @now, owner = NULL
         WHERE id = @id AND owner = @owner AND state = 'STARTED'`,
      )
      .run({ id, owner, state, result: jsonColumn(result), error, now: Date.now() });
  }

  async release(id: string, owner: string, maxAttempts: number): Promise<void> {
    this.db.prepare(`UPDATE tasks SET ${GIVE_BACK} WHERE id = @id AND owner = @owner AND state = 'STARTED'`).run({ id, owner, max: maxAttempts, now: Date.now() });
  }

  /** Every STARTED task not owned by a queue of this process is from a previous run. */
  async recover(_owner: string, maxAttempts: number): Promise<{ requeued: string[]; failed: string[] }> {
    const rows = this.db
      .prepare(`UPDATE tasks SET ${GIVE_BACK} WHERE state = 'STARTED' AND (owner IS NULL OR substr(owner, 1, @n) <> @prefix) RETURNING id, state`)
      .all({ max: maxAttempts, now: Date.now(), n: PROCESS_OWNER_PREFIX.length + 1, prefix: `${PROCESS_OWNER_PREFIX}:` }) as Pick<TaskRow, 'id' | 'state'>[];
    return { requeued: rows.filter((r) => r.state === 'PENDING').map((r) => r.id), failed: rows.filter((r) => r.state === 'FAILURE').map((r) => r.id) };
  }

  async cancel(scope: TaskSelector, reason: string): Promise<{ queued: number; running: string[] }> {
    let where = scope.dataset !== undefined ? 'namespace = @namespace AND project = @project AND dataset = @dataset' : 'namespace = @namespace AND project = @project';
    if (scope.id !== undefined) where += ' AND id = @id';
    const args = {
      namespace: scope.namespace,
      project: scope.project,
      ...(scope.dataset !== undefined ? { dataset: scope.dataset } : {}),
      ...(scope.id !== undefined ? { id: scope.id } : {}),
      reason,
      now: Date.now(),
    };
    return this.db.transaction(() => {
      const queued = this.db
        .prepare(`UPDATE tasks SET state = 'FAILURE', cancelled = 1, error = @reason, finished_at = @now WHERE ${where} AND state IN ('PENDING', 'RETRY')`)
        .run(args).changes;
      const running = this.db
        .prepare(`UPDATE tasks SET cancelled = 1, error = @reason WHERE ${where} AND state = 'STARTED' RETURNING id`)
        .all(args) as { id: string }[];
      return { queued, running: running.map((r) => r.id) };
    })();
  }

  async stillRunning(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = this.db.prepare(`SELECT id FROM tasks WHERE state = 'STARTED' AND id IN (${ids.map(() => '?').join(', ')})`).all(...ids) as { id: string }[];
    return rows.map((r) => r.id);
  }

  async counts(): Promise<{ pending: number; running: number }> {
    const r = this.db
      .prepare("SELECT COALESCE(SUM(state IN ('PENDING', 'RETRY')), 0) AS pending, COALESCE(SUM(state = 'STARTED'), 0) AS running FROM tasks WHERE state IN ('PENDING', 'RETRY', 'STARTED')")
      .get() as { pending: number; running: number };
    return r;
  }

  /** The database is closed by its owner (the application context). */
  async close(): Promise<void> {}
}

export type SqliteQueueOptions = LocalQueueOptions;

/** The embedded queue: `LocalTaskQueue` over SQLite records. */
export class SqliteTaskQueue extends LocalTaskQueue {
  constructor(db: SqliteDb, log: Logger, o: SqliteQueueOptions = {}) {
    super(new SqliteTaskRecords(db), log, o);
  }
}
