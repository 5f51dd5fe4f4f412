/**
 * The task backend from `LF_TASK_BACKEND`: unset or `sqlite` → the embedded queue (tasks run in the API process;
 * records in SQLite, or in Postgres with LF_METADATA_URL so every API process and `lf worker` shares them);
 * `redis://host:port/db` → BullMQ on Redis (tasks run in `lf worker` processes; records stay in Redis).
 */
import type { Logger } from 'pino';
import type { SqliteDb } from '../../storage/sqlite.js';
import type { PgMetadataDb } from '../../storage/postgres.js';
import { SqliteTaskQueue } from './sqlite-queue.js';
import type { TaskQueue } from './types.js';

export type TaskBackendKind = 'sqlite' | 'redis';

export interface TaskQueueSettings {
  /** `sqlite` (default) or a `redis://` / `rediss://` URL. */
  backend?: string;
  /** Tasks run at once by this process when it runs tasks. */
  concurrency?: number;
  /** Milliseconds a dead worker's task waits before another worker re-runs it (redis and Postgres; default 30 000). */
  lockMs?: number;
}

export function taskBackendKind(backend: string | undefined): TaskBackendKind {
  const b = (backend ?? '').trim();
  if (b === '' || b === 'sqlite') return 'sqlite';
  if (/^rediss?:\/\//.test(b)) return 'redis';
  throw new Error(`LF_TASK_BACKEND must be 'sqlite' or a redis://host:port/db URL, got '${backend}'`);
}

/**
 * Tasks one queue runs at once unless LF_TASK_CONCURRENCY says otherwise: two, so a long ingestion (a huge file
 * within its limits) never holds every other project's task PENDING behind it.
 */
export const DEFAULT_TASK_CONCURRENCY = 2;

/** The settings from the environment: LF_TASK_BACKEND, LF_TASK_CONCURRENCY, LF_TASK_LOCK_MS. */
export function taskQueueSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): TaskQueueSettings {
  const num = (name: string) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got '${raw}'`);
    return n;
  };
  return { backend: env.LF_TASK_BACKEND, concurrency: num('LF_TASK_CONCURRENCY'), lockMs: num('LF_TASK_LOCK_MS') };
}

/**
 * One factory per backend kind. The BullMQ backend (bullmq + ioredis, a few hundred ms of module loading) is
 * loaded only when it is used, so the embedded default starts without it.
 */
const factories: Record<TaskBackendKind, (s: TaskQueueSettings, db: SqliteDb, log: Logger) => Promise<TaskQueue>> = {
  sqlite: async (s, db, log) => new SqliteTaskQueue(db, log, { concurrency: s.concurrency ?? DEFAULT_TASK_CONCURRENCY }),
  redis: async (s, _db, log) => {
    const { BullMqTaskQueue } = await import('./bullmq-queue.js');
    return new BullMqTaskQueue({ url: s.backend!.trim(), concurrency: s.concurrency ?? DEFAULT_TASK_CONCURRENCY, lockMs: s.lockMs }, log);
  },
};

export function createTaskQueue(s: TaskQueueSettings, db: SqliteDb, log: Logger): Promise<TaskQueue> {
  return factories[taskBackendKind(s.backend)](s, db, log);
}

/**
 * The task queue for this process: like `createTaskQueue`, except that with a Postgres metadata database
 * (LF_METADATA_URL) the embedded queue keeps its records there, shared by every API process and `lf worker`.
 */
export async function openTaskQueue(s: TaskQueueSettings, db: SqliteDb, log: Logger, postgres?: PgMetadataDb): Promise<TaskQueue> {
  if (postgres && taskBackendKind(s.backend) === 'sqlite') {
    const { PostgresTaskQueue } = await import('./postgres-queue.js');
    return PostgresTaskQueue.open(postgres, log, { concurrency: s.concurrency ?? DEFAULT_TASK_CONCURRENCY, leaseMs: s.lockMs });
  }
  return createTaskQueue(s, db, log);
}
