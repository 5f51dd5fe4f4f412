/**
 * Chat sessions in Postgres (`LF_METADATA_URL`), shared by API replicas: tables `lf_sessions` and
 * `lf_session_messages`.
 *
 * - Serialisation across replicas: `lock` takes a session-level `pg_advisory_lock` on a dedicated connection of
 *   the lock pool and holds it for the whole turn (the server frees it if the process dies). Requests of one
 *   replica queue first on an in-process lock, so a replica waits with at most one connection per session.
 * - No cache: another replica may have appended, so every `load` reads the database (one query).
 */
import type { ChatMessage } from '../../adapters/runtimes/types.js';
import { KeyedMutex } from '../../core/mutex.js';
import { inPgTransaction, migratePg, type PgMetadataDb } from '../../storage/postgres.js';
import { extraOf, messageOfRow, type MessageRow, type SessionHistory, type SessionStore } from './sessions.js';

const MIGRATIONS = [
  `CREATE TABLE lf_sessions (
     namespace TEXT NOT NULL, project TEXT NOT NULL, session_id TEXT NOT NULL,
     seed_count INTEGER NOT NULL DEFAULT 0, next_seq INTEGER NOT NULL DEFAULT 0,
     created_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL,
     PRIMARY KEY (namespace, project, session_id));
   CREATE TABLE lf_session_messages (
     namespace TEXT NOT NULL, project TEXT NOT NULL, session_id TEXT NOT NULL, seq INTEGER NOT NULL,
     role TEXT NOT NULL, content TEXT, extra TEXT, created_ms BIGINT NOT NULL,
     PRIMARY KEY (namespace, project, session_id, seq),
     FOREIGN KEY (namespace, project, session_id) REFERENCES lf_sessions (namespace, project, session_id) ON DELETE CASCADE);`,
];

/** Postgres text cannot hold NUL characters: they become U+FFFD. */
const withoutNul = (s: string | null) => (s === null ? null : s.replaceAll('\u0000', '\uFFFD'));

/** The advisory lock of a session: (schema's session lock space, hash of the session key). */
const LOCK_ARGS = "hashtext(current_schema() || ':lf_sessions'), hashtext($1)";

export class PgSessionStore implements SessionStore {
  private readonly local = new KeyedMutex();

  private constructor(private readonly db: PgMetadataDb) {}

  static async open(db: PgMetadataDb): Promise<PgSessionStore> {
    await migratePg(db.pool, 'sessions', MIGRATIONS);
    return new PgSessionStore(db);
  }

  async lock(ns: string, p: string, id: string): Promise<() => void> {
    const key = JSON.stringify([ns, p, id]);
    const releaseLocal = await new Promise<() => void>((acquired) => {
      void this.local.run(key, () => new Promise<void>((release) => acquired(release)));
    });
    let client;
    try {
      client = await this.db.lockPool.connect();
    } catch (e) {
      releaseLocal();
      throw e;
    }
    try {
      await client.query(`SELECT pg_advisory_lock(${LOCK_ARGS})`, [key]);
    } catch (e) {
      client.release(true);
      releaseLocal();
      throw e;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // A connection whose unlock failed is closed, which frees the lock on the server.
      client
        .query(`SELECT pg_advisory_unlock(${LOCK_ARGS})`, [key])
        .then(
          () => client.release(),
          () => client.release(true),
        )
        .finally(releaseLocal);
    };
  }

  async load(ns: string, p: string, id: string): Promise<SessionHistory | undefined> {
    const { rows } = await this.db.pool.query<{ seed_count: number } & { [K in keyof MessageRow]: MessageRow[K] | null }>(
      `SELECT s.seed_count, m.role, m.content, m.extra
         FROM lf_sessions s LEFT JOIN lf_session_messages m USING (namespace, project, session_id)
        WHERE s.namespace = $1 AND s.project = $2 AND s.session_id = $3
        ORDER BY m.seq`,
      [ns, p, id],
    );
    if (rows.length === 0) return undefined;
    const messages = rows.filter((r) => r.role !== null).map((r) => messageOfRow(r as MessageRow));
    return { messages, seedCount: rows[0].seed_count };
  }

  async append(ns: string, p: string, id: string, messages: ChatMessage[], seedCount = 0): Promise<void> {
    const t = Date.now();
    await inPgTransaction(this.db.pool, async (c) => {
      // The upsert locks the session row, so concurrent appends get consecutive sequence numbers.
      const { rows } = await c.query<{ next_seq: number }>(
        `INSERT INTO lf_sessions (namespace, project, session_id, seed_count, next_seq, created_ms, updated_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (namespace, project, session_id)
         DO UPDATE SET next_seq = lf_sessions.next_seq + $5, updated_ms = excluded.updated_ms
         RETURNING next_seq`,
        [ns, p, id, seedCount, messages.length, t],
      );
      const first = rows[0].next_seq - messages.length;
      if (messages.length === 0) return;
      await c.query(
        `INSERT INTO lf_session_messages (namespace, project, session_id, seq, role, content, extra, created_ms)
         SELECT $1, $2, $3, u.seq, u.role, u.content, u.extra, $4
           FROM unnest($5::int[], $6::text[], $7::text[], $8::text[]) AS u(seq, role, content, extra)`,
        [ns, p, id, t, messages.map((_, i) => first + i), messages.map((m) => m.role), messages.map((m) => withoutNul(m.content)), messages.map((m) => withoutNul(extraOf(m)))],
      );
    });
  }

  async delete(ns: string, p: string, id: string): Promise<boolean> {
    const release = await this.lock(ns, p, id);
    try {
      const r = await this.db.pool.query('DELETE FROM lf_sessions WHERE namespace = $1 AND project = $2 AND session_id = $3', [ns, p, id]);
      return (r.rowCount ?? 0) > 0;
    } finally {
      release();
    }
  }

  async ids(ns: string, p: string): Promise<string[]> {
    const r = await this.db.pool.query('SELECT session_id FROM lf_sessions WHERE namespace = $1 AND project = $2 ORDER BY created_ms, session_id', [ns, p]);
    return r.rows.map((row: { session_id: string }) => row.session_id);
  }

  async deleteProject(ns: string, p: string): Promise<number> {
    const r = await this.db.pool.query('DELETE FROM lf_sessions WHERE namespace = $1 AND project = $2', [ns, p]);
    return r.rowCount ?? 0;
  }

  /** The database is closed by its owner (the metadata wiring). */
  async close(): Promise<void> {}
}
