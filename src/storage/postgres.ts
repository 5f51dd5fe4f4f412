/**
 * The shared metadata database for scaled-out API processes (`LF_METADATA_URL=postgres://…`): chat sessions, the
 * event index and task records live in Postgres instead of the per-data-dir SQLite file (decision 0004), so every
 * API process and `lf worker` sees the same state. Tables are prefixed `lf_` and live in the connection's
 * current schema (set one with `?options=-c%20search_path%3Dmyschema`). Each component owns its tables and
 * migrates them with `migratePg`, like `migrate` for SQLite.
 *
 * This pool is separate from PGVectorStore's (src/adapters/stores/pgvector/pool.ts): that one requires the
 * pgvector extension, which the metadata tables do not need.
 */
import pg from 'pg';

export type PgPool = pg.Pool;
export type PgClient = pg.PoolClient;
export type PgQueryable = pg.Pool | pg.PoolClient;

export interface PgPoolOptions {
  /** Connections at most (default 10). */
  max?: number;
}

export { isPostgresUrl, redactPgUrl } from './postgres-url.js';

/** A pool for `url`; a broken idle connection (server restart) never crashes the process. */
export function openPgPool(url: string, o: PgPoolOptions = {}): PgPool {
  const pool = new pg.Pool({ connectionString: url, max: o.max ?? 10, connectionTimeoutMillis: 15_000, idleTimeoutMillis: 30_000 });
  pool.on('error', () => undefined);
  return pool;
}

/**
 * The metadata database of this process: `pool` for queries, `lockPool` for connections that hold an advisory
 * lock for a while (a chat turn), kept apart so that turns waiting for a lock can never starve the queries.
 */
export interface PgMetadataDb {
  url: string;
  pool: PgPool;
  lockPool: PgPool;
  close(): Promise<void>;
}

export function openPgMetadataDb(url: string, o: { max?: number; lockMax?: number } = {}): PgMetadataDb {
  const pool = openPgPool(url, { max: o.max ?? 10 });
  // No checkout timeout: waiting for a lock connection is waiting for the lock.
  const lockPool = new pg.Pool({ connectionString: url, max: o.lockMax ?? 32, connectionTimeoutMillis: 0, idleTimeoutMillis: 30_000 });
  lockPool.on('error', () => undefined);
  let closed: Promise<void> | undefined;
  return {
    url,
    pool,
    lockPool,
    close: () => (closed ??= Promise.all([pool.end(), lockPool.end()]).then(() => undefined)),
  };
}

/** Runs `fn` in a transaction on one connection (ROLLBACK when it throws). */
export async function inPgTransaction<T>(pool: PgPool, fn: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}

/**
 * Applies `steps[i]` for every i >= the component's recorded version, each in a transaction under an advisory
 * lock (keyed by the schema), so API processes starting at the same moment apply each step exactly once.
 */
export async function migratePg(pool: PgPool, component: string, steps: string[]): Promise<void> {
  for (let i = 0; i < steps.length; i++) {
    await inPgTransaction(pool, async (c) => {
      await c.query("SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':lf_schema_versions'))");
      await c.query('CREATE TABLE IF NOT EXISTS lf_schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
      const { rows } = await c.query<{ version: number }>('SELECT version FROM lf_schema_versions WHERE component = $1', [component]);
      if ((rows[0]?.version ?? 0) > i) return;
      await c.query(steps[i]);
      await c.query(
        'INSERT INTO lf_schema_versions (component, version) VALUES ($1, $2) ON CONFLICT (component) DO UPDATE SET version = excluded.version',
        [component, i + 1],
      );
    });
  }
}
