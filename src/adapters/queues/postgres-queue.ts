/**
 * Task records in Postgres (`LF_METADATA_URL` with the embedded queue, i.e. no LF_TASK_BACKEND): table `lf_tasks`,
 * shared by every API process and `lf worker`, each running handlers in its own process (local-queue.ts).
 *
 * - Claiming: `FOR UPDATE SKIP LOCKED` on the oldest PENDING row, so two processes never take the same task.
 * - Leases: a running task's owner renews `lease_until` (server clock) every tick; a task whose lease lapsed
 *   belongs to a dead process and is given back to the queue (or failed after `maxAttempts` interruptions, or
 *   when it was cancelled) by whichever process notices first. A live process's task is never taken over.
 * - Cancellation flags running rows; their owner sees the flag at its next tick and aborts the handler.
 *
 * With the Redis backend (LF_TASK_BACKEND=redis://…) task records stay in BullMQ/Redis (bullmq-queue.ts).
 */
import type { Logger } from 'pino';
import { migratePg, type PgMetadataDb } from '../../storage/postgres.js';
import { LocalTaskQueue, type LocalQueueOptions } from './local-queue.js';
import { INTERRUPTED_ERROR_SQL, jsonColumn, parseJsonColumn, scopeOfRow, taskRecordOfRow, type ClaimedTask, type NewTaskRecord, type OwnedState, type TaskRecordStore, type TaskRow } from './task-records.js';
import type { TaskRecord, TaskSelector } from './types.js';

export const DEFAULT_TASK_LEASE_MS = 30_000;

const MIGRATIONS = [
  `CREATE TABLE lf_tasks (
     seq BIGINT GENERATED ALWAYS AS IDENTITY, id TEXT PRIMARY KEY, kind TEXT NOT NULL,
     namespace TEXT NOT NULL, project TEXT NOT NULL, dataset TEXT,
     state TEXT NOT NULL, payload TEXT NOT NULL, meta TEXT, result TEXT, error TEXT,
     cancelled BOOLEAN NOT NULL DEFAULT FALSE, attempts INTEGER NOT NULL DEFAULT 0,
     created_at BIGINT NOT NULL, started_at BIGINT, finished_at BIGINT,
     owner TEXT, lease_until TIMESTAMPTZ);
   CREATE INDEX lf_tasks_by_state ON lf_tasks (state, created_at, seq);
   CREATE INDEX lf_tasks_by_scope ON lf_tasks (namespace, project, dataset);
   CREATE INDEX lf_tasks_by_owner ON lf_tasks (owner) WHERE owner IS NOT NULL;`,
];


/** The outcome of giving a task back ($max: interruptions allowed, $now: ms): as in sqlite-queue.ts. */
const giveBack = (maxParam: string, nowParam: string, max = `${maxParam}::int`, now = `${nowParam}::bigint`) => `
  state = CASE WHEN cancelled OR attempts >= ${max} THEN 'FAILURE' ELSE 'PENDING' END,
  error = CASE WHEN cancelled THEN COALESCE(error, 'cancelled') WHEN attempts >= ${max} THEN ${INTERRUPTED_ERROR_SQL} ELSE error END,
  result = CASE WHEN NOT cancelled AND attempts >= ${max} THEN meta ELSE result END,
  finished_at = CASE WHEN cancelled OR attempts >= ${max} THEN ${now} ELSE NULL END,
  owner = NULL, lease_until = NULL`;

export class PgTaskRecords implements TaskRecordStore {
  readonly deadOwner = 'lease';

  private constructor(
    private readonly db: PgMetadataDb,
    private readonly leaseMs: number,
  ) {}

  static async open(db: PgMetadataDb, o: { leaseMs?: number } = {}): Promise<PgTaskRecords> {
    await migratePg(db.pool, 'tasks', MIGRATIONS);
    return new PgTaskRecords(db, Math.max(100, o.leaseMs ?? DEFAULT_TASK_LEASE_MS));
  }

  /** How long an owner's lease lasts after each renewal. */
  get lease(): number {
    return this.leaseMs;
  }

  private query<R extends object>(sql: string, args: unknown[]) {
    return this.db.pool.query<R>(sql, args);
  }

  async insert(t: NewTaskRecord): Promise<void> {
    const now = Date.now();
    const f = t.finished;
    await this.query(
      `INSERT INTO lf_tasks (id, kind, namespace, project, dataset, state, payload, meta, result, error, created_at, started_at, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11, $11)`,
      [t.id, t.kind, t.scope.namespace, t.scope.project, t.scope.dataset ?? null, f?.state ?? 'PENDING', JSON.stringify(t.payload), f ? jsonColumn(f.result) : null, f?.error ?? null, now, f ? now : null],
    );
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    const { rows } = await this.query<TaskRow>('SELECT * FROM lf_tasks WHERE id = $1', [id]);
    return rows[0] ? taskRecordOfRow(rows[0]) : undefined;
  }

  async claimNext(owner: string, kinds: string[]): Promise<ClaimedTask | undefined> {
    if (kinds.length === 0) return undefined;
    const { rows } = await this.query<Pick<TaskRow, 'id' | 'kind' | 'namespace' | 'project' | 'dataset' | 'payload' | 'attempts'>>(
      `UPDATE lf_tasks SET state = 'STARTED', attempts = attempts + 1, started_at = $1, owner = $2,
              lease_until = now() + $3 * interval '1 millisecond'
        WHERE id = (SELECT id FROM lf_tasks WHERE state = 'PENDING' AND kind = ANY($4::text[])
                     ORDER BY created_at, seq LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING id, kind, namespace, project, dataset, payload, attempts`,
      [Date.now(), owner, this.leaseMs, kinds],
    );
    const r = rows[0];
    return r && { id: r.id, kind: r.kind, scope: scopeOfRow(r), payload: parseJsonColumn(r.payload) ?? {}, attempts: r.attempts };
  }

  async heartbeat(owner: string): Promise<OwnedState> {
    const { rows } = await this.query<Pick<TaskRow, 'id' | 'cancelled' | 'error'>>(
      `UPDATE lf_tasks SET lease_until = now() + $2 * interval '1 millisecond'
        WHERE owner = $1 AND state = 'STARTED' RETURNING id, cancelled, error`,
      [owner, this.leaseMs],
    );
    return { owned: rows.map((r) => r.id), cancelled: new Map(rows.filter((r) => r.cancelled).map((r) => [r.id, r.error ?? 'cancelled'])) };
  }

  async setMeta(id: string, owner: string, meta: Record<string, unknown>): Promise<void> {
    await this.query("UPDATE lf_tasks SET meta = $1 WHERE id = $2 AND owner = $3 AND state = 'STARTED'", [JSON.stringify(meta), id, owner]);
  }

  async finish(id: string, owner: string, state: 'SUCCESS' | 'FAILURE', result: Record<string, unknown> | null, error: string | null): Promise<void> {
    await this.query(
      `UPDATE lf_tasks SET
         state = CASE WHEN cancelled THEN 'FAILURE' ELSE $3 END,
         result = CASE WHEN cancelled THEN NULL ELSE $4 END,
         meta = CASE WHEN cancelled THEN meta ELSE COALESCE($4, meta) END,
         error = CASE WHEN cancelled THEN COALESCE(error, 'cancelled') ELSE $5 END,
         finished_at = $6, owner = NULL, lease_until = NULL
       WHERE id = $1 AND owner = $2 AND state = 'STARTED'`,
      [id, owner, state, jsonColumn(result), error, Date.now()],
    );
  }

  async release(id: string, owner: string, maxAttempts: number): Promise<void> {
    await this.query(`UPDATE lf_tasks SET ${giveBack('$3', '$4')} WHERE id = $1 AND owner = $2 AND state = 'STARTED'`, [id, owner, maxAttempts, Date.now()]);
  }

  /** Tasks whose owner's lease lapsed: their process died (or lost the database for longer than the lease). */
  async recover(_owner: string, maxAttempts: number): Promise<{ requeued: string[]; failed: string[] }> {
    const { rows } = await this.query<Pick<TaskRow, 'id' | 'state'>>(
      `UPDATE lf_tasks SET ${giveBack('$1', '$2')} WHERE state = 'STARTED' AND lease_until < now() RETURNING id, state`,
      [maxAttempts, Date.now()],
    );
    return { requeued: rows.filter((r) => r.state === 'PENDING').map((r) => r.id), failed: rows.filter((r) => r.state === 'FAILURE').map((r) => r.id) };
  }

  async cancel(scope: TaskSelector, reason: string): Promise<{ queued: number; running: string[] }> {
    const args: unknown[] = [scope.namespace, scope.project, reason];
    let where = 'namespace = $1 AND project = $2';
    if (scope.dataset !== undefined) {
      args.push(scope.dataset);
      where += ' AND dataset = $4';
    }
    if (scope.id !== undefined) {
      args.push(scope.id);
      where += ` AND id = $${args.length}`;
    }
    // Queued first: a task claimed meanwhile is STARTED by the time the second statement runs.
    const queued = await this.query(
      `UPDATE lf_tasks SET state = 'FAILURE', cancelled = TRUE, error = $3, finished_at = $${args.length + 1}
        WHERE ${where} AND state IN ('PENDING', 'RETRY')`,
      [...args, Date.now()],
    );
    const running = await this.query<{ id: string }>(`UPDATE lf_tasks SET cancelled = TRUE, error = $3 WHERE ${where} AND state = 'STARTED' RETURNING id`, args);
    return { queued: queued.rowCount ?? 0, running: running.rows.map((r) => r.id) };
  }

  async stillRunning(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.query<{ id: string }>("SELECT id FROM lf_tasks WHERE state = 'STARTED' AND id = ANY($1::text[])", [ids]);
    return rows.map((r) => r.id);
  }

  async counts(): Promise<{ pending: number; running: number }> {
    const { rows } = await this.query<{ pending: string; running: string }>(
      `SELECT COUNT(*) FILTER (WHERE state IN ('PENDING', 'RETRY')) AS pending, COUNT(*) FILTER (WHERE state = 'STARTED') AS running
         FROM lf_tasks WHERE state IN ('PENDING', 'RETRY', 'STARTED')`,
      [],
    );
    return { pending: Number(rows[0].pending), running: Number(rows[0].running) };
  }

  /** The database is closed by its owner (the metadata wiring). */
  async close(): Promise<void> {}
}

export interface PostgresQueueOptions extends LocalQueueOptions {
  /** A running task whose process stopped renewing its lease for this long is re-run elsewhere (default 30 s). */
  leaseMs?: number;
}

/** The embedded queue over shared Postgres records: `LocalTaskQueue` over `PgTaskRecords`. */
export class PostgresTaskQueue extends LocalTaskQueue {
  private constructor(records: PgTaskRecords, log: Logger, o: LocalQueueOptions) {
    super(records, log, o);
  }

  static async open(db: PgMetadataDb, log: Logger, o: PostgresQueueOptions = {}): Promise<PostgresTaskQueue> {
    const records = await PgTaskRecords.open(db, { leaseMs: o.leaseMs });
    // Renew well within the lease, so a busy event loop or a slow query does not lose it.
    return new PostgresTaskQueue(records, log, { ...o, pollMs: Math.min(o.pollMs ?? 1000, Math.floor(records.lease / 3)) });
  }
}
