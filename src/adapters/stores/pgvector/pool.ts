/**
 * One `pg` pool per Postgres server (connection string + size) in this process, shared by every PGVectorStore
 * that uses it and closed when the last one closes. The first user also makes sure the server is usable:
 * the `vector` extension exists (created when missing) and pgvector's version is known.
 */
import pg from 'pg';
import { StoreError } from '../types.js';
import { redactUrl } from './config.js';
import { checkOutboundHost } from '../../../core/outbound.js';

export interface SharedPool {
  pool: pg.Pool;
  /** pgvector version as [major, minor], once `ready` resolved. */
  vectorVersion: [number, number];
  /** Resolves once the extension is there; rejects with a StoreError when the server is unusable. */
  ready: Promise<void>;
  refs: number;
  key: string;
}

const pools = new Map<string, SharedPool>();

/** Postgres error codes we tell apart (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
export const PG = {
  undefinedTable: '42P01',
  undefinedObject: '42704',
  uniqueViolation: '23505',
  dataException: '22000',
  insufficientPrivilege: '42501',
  undefinedFile: '58P01',
} as const;

export function pgCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN', 'EPIPE', 'ERR_LF_OUTBOUND_REFUSED']);

/**
 * Maps a driver/server error to a StoreError: unreachable server → 'unavailable'; pgvector's dimension errors
 * → 'dimension_mismatch'; anything else → 'other' with the server's message.
 */
export function toStoreError(err: unknown, url: string): StoreError {
  if (err instanceof StoreError) return err;
  const e = err as Error & { code?: string };
  const message = e?.message ?? String(err);
  if ((e?.code && NETWORK_CODES.has(e.code)) || /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect/i.test(message)) {
    return new StoreError(`PGVectorStore cannot reach Postgres at ${redactUrl(url)}: ${message}`, 'unavailable');
  }
  if (/different vector dimensions|expected \d+ dimensions/.test(message)) {
    return new StoreError(`PGVectorStore: ${message}`, 'dimension_mismatch');
  }
  return new StoreError(`PGVectorStore: ${message}`, 'upstream');
}

async function prepare(shared: SharedPool, url: string): Promise<void> {
  const client = await shared.pool.connect();
  try {
    const has = await client.query<{ extversion: string }>("SELECT extversion FROM pg_extension WHERE extname = 'vector'");
    let version = has.rows[0]?.extversion;
    if (!version) {
      try {
        // Serialised across processes: two concurrent CREATE EXTENSION calls can collide on the catalog.
        await client.query('SELECT pg_advisory_lock(hashtext($1))', ['lf_create_extension_vector']);
        await client.query('CREATE EXTENSION IF NOT EXISTS vector');
      } catch (err) {
        throw new StoreError(
          `PGVectorStore: the pgvector extension is not available on ${redactUrl(url)} (${(err as Error).message}). ` +
            'Install pgvector on the server, or have an administrator run CREATE EXTENSION vector.',
          'unavailable',
        );
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', ['lf_create_extension_vector']).catch(() => undefined); // best effort: the session's end frees it too
      }
      version = (await client.query<{ extversion: string }>("SELECT extversion FROM pg_extension WHERE extname = 'vector'")).rows[0]?.extversion;
    }
    const [major, minor] = (version ?? '0.0').split('.').map((x) => Number.parseInt(x, 10) || 0);
    shared.vectorVersion = [major, minor];
  } finally {
    client.release();
  }
}

/** The shared pool for `url`, counted for one more user; rejects with a StoreError when Postgres is unusable. */
export async function acquirePool(url: string, max: number): Promise<SharedPool> {
  const key = `${max}\u0000${url}`;
  let shared = pools.get(key);
  if (!shared) {
    const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 15_000, idleTimeoutMillis: 30_000 });
    // An idle connection that breaks (server restart) must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    const created: SharedPool = { pool, vectorVersion: [0, 0], ready: Promise.resolve(), refs: 0, key };
    // The configured host obeys the outbound rules (decision 0112); `pg` cannot take our lookup, so check first.
    created.ready = checkOutboundHost(pgHost(url))
      .then(() => prepare(created, url))
      .catch((err: unknown) => {
        throw toStoreError(err, url);
      });
    shared = created;
    pools.set(key, shared);
  }
  shared.refs++;
  try {
    await shared.ready;
  } catch (err) {
    await releasePool(shared);
    throw err;
  }
  return shared;
}

export async function releasePool(shared: SharedPool): Promise<void> {
  shared.refs--;
  if (shared.refs > 0) return;
  if (pools.get(shared.key) === shared) pools.delete(shared.key);
  await shared.pool.end();
}

/** Runs `fn` in a transaction on one connection of the pool (ROLLBACK when it throws). */
export { inPgTransaction as inTransaction } from '../../../storage/postgres.js';

/** The host of a `postgres://` URL ('' for a socket path or a URL that does not parse: nothing to check). */
function pgHost(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}
