/**
 * Chat sessions in the SQLite metadata database (decision 0004, the embedded default): tables `sessions` and
 * `session_messages`, a per-session lock, and an idle-TTL cache of loaded histories (`LF_SESSION_TTL_SECONDS`,
 * default 30 min) — expiry only drops the cached copy, never the history.
 *
 * The cache is never trusted blindly: every load reads the session row, whose `rev` changes with each append, and
 * uses the cached messages only when `rev` still matches (so stores on other connections to the same file never
 * make it serve a stale history). The lock is shared by every store of this process on the same database file;
 * several processes on one SQLite file are not serialised (embedded means one API process per data dir — scale
 * out with the Postgres store instead).
 */
import { randomBytes } from 'node:crypto';
import type { ChatMessage } from '../../adapters/runtimes/types.js';
import { KeyedMutex } from '../../core/mutex.js';
import { migrate, type SqliteDb } from '../../storage/sqlite.js';
import { extraOf, messageOfRow, sessionTtlMs, type MessageRow, type SessionHistory, type SessionStore } from './sessions.js';

/** Cached histories kept at most (least recently used dropped first); the TTL usually bounds it first. */
export const MAX_CACHED_SESSIONS = 10_000;

interface Cached extends SessionHistory {
  rev: string;
  lastUsed: number;
}

/** One lock table per process, keyed by database file and session: stores on the same file share it. */
const locks = new KeyedMutex();

const newRev = () => randomBytes(8).toString('hex');

export class SqliteSessionStore implements SessionStore {
  private readonly cache = new Map<string, Cached>();
  private readonly q;
  private readonly appendTx: (ns: string, p: string, id: string, seedCount: number, messages: ChatMessage[], rev: string) => string | null;

  constructor(
    private readonly db: SqliteDb,
    private readonly ttlMs: number = sessionTtlMs(),
    private readonly now: () => number = Date.now,
  ) {
    migrate(db, 'sessions', [
      `CREATE TABLE sessions (
         namespace TEXT NOT NULL, project TEXT NOT NULL, session_id TEXT NOT NULL,
         seed_count INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
         PRIMARY KEY (namespace, project, session_id));
       CREATE TABLE session_messages (
         namespace TEXT NOT NULL, project TEXT NOT NULL, session_id TEXT NOT NULL, seq INTEGER NOT NULL,
         role TEXT NOT NULL, content TEXT, extra TEXT, created_ms INTEGER NOT NULL,
         PRIMARY KEY (namespace, project, session_id, seq),
         FOREIGN KEY (namespace, project, session_id) REFERENCES sessions (namespace, project, session_id) ON DELETE CASCADE
       ) WITHOUT ROWID;`,
      'ALTER TABLE sessions ADD COLUMN rev TEXT',
    ]);
    this.q = {
      session: db.prepare('SELECT seed_count AS seedCount, rev FROM sessions WHERE namespace = ? AND project = ? AND session_id = ?'),
      messages: db.prepare('SELECT role, content, extra FROM session_messages WHERE namespace = ? AND project = ? AND session_id = ? ORDER BY seq'),
      upsert: db.prepare(
        `INSERT INTO sessions (namespace, project, session_id, seed_count, created_ms, updated_ms, rev) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (namespace, project, session_id) DO UPDATE SET updated_ms = excluded.updated_ms, rev = excluded.rev`,
      ),
      nextSeq: db.prepare('SELECT COALESCE(MAX(seq), -1) + 1 AS seq FROM session_messages WHERE namespace = ? AND project = ? AND session_id = ?'),
      insert: db.prepare('INSERT INTO session_messages (namespace, project, session_id, seq, role, content, extra, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      deleteOne: db.prepare('DELETE FROM sessions WHERE namespace = ? AND project = ? AND session_id = ?'),
      deleteProject: db.prepare('DELETE FROM sessions WHERE namespace = ? AND project = ?'),
      ids: db.prepare('SELECT session_id AS id FROM sessions WHERE namespace = ? AND project = ? ORDER BY created_ms, session_id'),
    };
    // Returns the session's previous rev (null when the session is new).
    this.appendTx = db.transaction((ns: string, p: string, id: string, seedCount: number, messages: ChatMessage[], rev: string) => {
      const t = this.now();
      const before = this.q.session.get(ns, p, id) as { rev: string | null } | undefined;
      this.q.upsert.run(ns, p, id, seedCount, t, t, rev);
      let seq = (this.q.nextSeq.get(ns, p, id) as { seq: number }).seq;
      for (const m of messages) this.q.insert.run(ns, p, id, seq++, m.role, m.content, extraOf(m), t);
      return before ? (before.rev ?? '') : null;
    });
  }

  private key(ns: string, p: string, id: string): string {
    return `${ns}\u0000${p}\u0000${id}`;
  }

  lock(ns: string, p: string, id: string): Promise<() => void> {
    return new Promise((acquired) => {
      void locks.run(`${this.db.name}\u0000${this.key(ns, p, id)}`, () => new Promise<void>((release) => acquired(release)));
    });
  }

  async load(ns: string, p: string, id: string): Promise<SessionHistory | undefined> {
    this.purgeExpired();
    const key = this.key(ns, p, id);
    const row = this.q.session.get(ns, p, id) as { seedCount: number; rev: string | null } | undefined;
    if (!row) {
      this.cache.delete(key);
      return undefined;
    }
    const hit = this.cache.get(key);
    if (hit && row.rev !== null && hit.rev === row.rev) {
      this.remember(key, hit);
      return { messages: hit.messages.slice(), seedCount: hit.seedCount };
    }
    const messages = (this.q.messages.all(ns, p, id) as MessageRow[]).map(messageOfRow);
    if (row.rev !== null) this.remember(key, { messages, seedCount: row.seedCount, rev: row.rev, lastUsed: 0 });
    return { messages: messages.slice(), seedCount: row.seedCount };
  }

  async append(ns: string, p: string, id: string, messages: ChatMessage[], seedCount = 0): Promise<void> {
    const rev = newRev();
    const before = this.appendTx(ns, p, id, seedCount, messages, rev);
    const key = this.key(ns, p, id);
    const hit = this.cache.get(key);
    if (before === null) {
      this.remember(key, { messages: messages.slice(), seedCount, rev, lastUsed: 0 });
    } else if (hit && hit.rev === before) {
      hit.messages.push(...messages);
      hit.rev = rev;
      this.remember(key, hit);
    } else {
      this.cache.delete(key); // another store appended meanwhile: the next load reads the database
    }
  }

  /** Marks a cached history as just used (most recent last) and keeps the cache within its bound. */
  private remember(key: string, entry: Cached): void {
    entry.lastUsed = this.now();
    this.cache.delete(key);
    this.cache.set(key, entry);
    if (this.cache.size > MAX_CACHED_SESSIONS) this.cache.delete(this.cache.keys().next().value as string);
  }

  async delete(ns: string, p: string, id: string): Promise<boolean> {
    const release = await this.lock(ns, p, id);
    try {
      this.cache.delete(this.key(ns, p, id));
      return this.q.deleteOne.run(ns, p, id).changes > 0;
    } finally {
      release();
    }
  }

  async ids(ns: string, p: string): Promise<string[]> {
    return (this.q.ids.all(ns, p) as { id: string }[]).map((r) => r.id);
  }

  async deleteProject(ns: string, p: string): Promise<number> {
    const prefix = `${ns}\u0000${p}\u0000`;
    for (const k of this.cache.keys()) if (k.startsWith(prefix)) this.cache.delete(k);
    return this.q.deleteProject.run(ns, p).changes;
  }

  async close(): Promise<void> {
    this.cache.clear();
  }

  /** Cached histories right now (for tests and health). */
  get cachedCount(): number {
    return this.cache.size;
  }

  /** Drops cached histories idle for longer than the TTL (the cache is in last-use order: oldest first). */
  purgeExpired(): void {
    const t = this.now();
    for (const [k, v] of this.cache) {
      if (t - v.lastUsed <= this.ttlMs) break;
      this.cache.delete(k);
    }
  }
}
