/**
 * Chat sessions (decision A7): history persisted in SQLite (`sessions`, `session_messages`; key namespace +
 * project + session id) so it survives restarts, a per-session lock that serialises a session's requests, and
 * an idle-TTL cache of loaded histories (`LF_SESSION_TTL_SECONDS`, default 30 min) — expiry only drops the
 * cached copy, never the history.
 */
import type { ChatMessage } from '../../adapters/runtimes/types.js';
import { KeyedMutex } from '../../core/mutex.js';
import { migrate, type SqliteDb } from '../../storage/sqlite.js';

export const DEFAULT_SESSION_TTL_SECONDS = 1800;
/** Cached histories kept at most (least recently used dropped first); the TTL usually bounds it first. */
export const MAX_CACHED_SESSIONS = 10_000;
/** Session ids a client may choose. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export interface SessionHistory {
  messages: ChatMessage[];
  /** How many leading messages are the config's seed prompts. */
  seedCount: number;
}

interface Cached extends SessionHistory {
  lastUsed: number;
}

interface MessageRow {
  role: ChatMessage['role'];
  content: string | null;
  extra: string | null;
}

export function sessionTtlMs(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.LF_SESSION_TTL_SECONDS);
  return (Number.isFinite(n) && n > 0 ? n : DEFAULT_SESSION_TTL_SECONDS) * 1000;
}

function extraOf(m: ChatMessage): string | null {
  const e: Partial<ChatMessage> = {};
  if (m.name) e.name = m.name;
  if (m.tool_calls?.length) e.tool_calls = m.tool_calls;
  if (m.tool_call_id) e.tool_call_id = m.tool_call_id;
  return Object.keys(e).length ? JSON.stringify(e) : null;
}

function fromRow(r: MessageRow): ChatMessage {
  return r.extra ? { role: r.role, content: r.content, ...(JSON.parse(r.extra) as Partial<ChatMessage>) } : { role: r.role, content: r.content };
}

export class SessionStore {
  private readonly locks = new KeyedMutex();
  private readonly cache = new Map<string, Cached>();
  private readonly q;

  constructor(
    db: SqliteDb,
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
    ]);
    this.q = {
      session: db.prepare('SELECT seed_count AS seedCount FROM sessions WHERE namespace = ? AND project = ? AND session_id = ?'),
      messages: db.prepare('SELECT role, content, extra FROM session_messages WHERE namespace = ? AND project = ? AND session_id = ? ORDER BY seq'),
      upsert: db.prepare(
        `INSERT INTO sessions (namespace, project, session_id, seed_count, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (namespace, project, session_id) DO UPDATE SET updated_ms = excluded.updated_ms`,
      ),
      nextSeq: db.prepare('SELECT COALESCE(MAX(seq), -1) + 1 AS seq FROM session_messages WHERE namespace = ? AND project = ? AND session_id = ?'),
      insert: db.prepare('INSERT INTO session_messages (namespace, project, session_id, seq, role, content, extra, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      deleteOne: db.prepare('DELETE FROM sessions WHERE namespace = ? AND project = ? AND session_id = ?'),
      deleteProject: db.prepare('DELETE FROM sessions WHERE namespace = ? AND project = ?'),
    };
    this.appendTx = db.transaction((ns: string, p: string, id: string, seedCount: number, messages: ChatMessage[]) => {
      const t = this.now();
      this.q.upsert.run(ns, p, id, seedCount, t, t);
      let seq = (this.q.nextSeq.get(ns, p, id) as { seq: number }).seq;
      for (const m of messages) this.q.insert.run(ns, p, id, seq++, m.role, m.content, extraOf(m), t);
    });
  }

  private readonly appendTx: (ns: string, p: string, id: string, seedCount: number, messages: ChatMessage[]) => void;

  private key(ns: string, p: string, id: string): string {
    return `${ns}\u0000${p}\u0000${id}`;
  }

  /**
   * Waits for the session's earlier requests to finish and returns the release function. Requests of one
   * session therefore run one at a time, in arrival order.
   */
  lock(ns: string, p: string, id: string): Promise<() => void> {
    return new Promise((acquired) => {
      void this.locks.run(this.key(ns, p, id), () => new Promise<void>((release) => acquired(release)));
    });
  }

  /** The stored history, or undefined for a session that does not exist. */
  load(ns: string, p: string, id: string): SessionHistory | undefined {
    this.purgeExpired();
    const key = this.key(ns, p, id);
    const hit = this.cache.get(key);
    if (hit) {
      this.remember(key, hit);
      return { messages: hit.messages.slice(), seedCount: hit.seedCount };
    }
    const row = this.q.session.get(ns, p, id) as { seedCount: number } | undefined;
    if (!row) return undefined;
    const messages = (this.q.messages.all(ns, p, id) as MessageRow[]).map(fromRow);
    this.remember(key, { messages, seedCount: row.seedCount, lastUsed: 0 });
    return { messages: messages.slice(), seedCount: row.seedCount };
  }

  /** Appends messages (creating the session with `seedCount` leading seed messages when it is new). */
  append(ns: string, p: string, id: string, messages: ChatMessage[], seedCount = 0): void {
    this.appendTx(ns, p, id, seedCount, messages);
    const key = this.key(ns, p, id);
    const hit = this.cache.get(key);
    if (hit) hit.messages.push(...messages);
    this.remember(key, hit ?? { messages: messages.slice(), seedCount, lastUsed: 0 });
  }

  /** Marks a cached history as just used (most recent last) and keeps the cache within its bound. */
  private remember(key: string, entry: Cached): void {
    entry.lastUsed = this.now();
    this.cache.delete(key);
    this.cache.set(key, entry);
    if (this.cache.size > MAX_CACHED_SESSIONS) this.cache.delete(this.cache.keys().next().value as string);
  }

  /** Deletes a session and its history; false when there was none. Waits for its running request. */
  async delete(ns: string, p: string, id: string): Promise<boolean> {
    const release = await this.lock(ns, p, id);
    try {
      this.cache.delete(this.key(ns, p, id));
      return this.q.deleteOne.run(ns, p, id).changes > 0;
    } finally {
      release();
    }
  }

  /** Deletes every session of a project; returns how many there were. */
  deleteProject(ns: string, p: string): number {
    const prefix = `${ns}\u0000${p}\u0000`;
    for (const k of this.cache.keys()) if (k.startsWith(prefix)) this.cache.delete(k);
    return this.q.deleteProject.run(ns, p).changes;
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
