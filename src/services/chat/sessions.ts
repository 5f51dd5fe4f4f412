/**
 * Chat sessions (decision 0007): a session's history is persisted (it survives restarts) under namespace + project
 * + session id, and a session's requests are serialised. Two implementations of `SessionStore`: SQLite
 * (sessions-sqlite.ts, the embedded default, with an idle-TTL cache of loaded histories) and Postgres
 * (sessions-postgres.ts, `LF_METADATA_URL`, shared by API replicas: a lock held across processes and no cache).
 */
import type { ChatMessage } from '../../adapters/runtimes/types.js';
import type { ChatSource } from './sources.js';

export const DEFAULT_SESSION_TTL_SECONDS = 1800;
/** Session ids a client may choose. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** A stored message: an assistant answer keeps the sources it was given (citations, issue 18). */
export interface StoredMessage extends ChatMessage {
  sources?: ChatSource[];
}

export interface SessionHistory {
  messages: StoredMessage[];
  /** How many leading messages are the config's seed prompts. */
  seedCount: number;
}

export interface SessionStore {
  /**
   * Waits for the session's earlier requests (in any process sharing the store) to finish and returns the release
   * function. Requests of one session therefore run one at a time.
   */
  lock(ns: string, p: string, id: string): Promise<() => void>;
  /** The stored history, or undefined for a session that does not exist. */
  load(ns: string, p: string, id: string): Promise<SessionHistory | undefined>;
  /** Appends messages (creating the session with `seedCount` leading seed messages when it is new). */
  append(ns: string, p: string, id: string, messages: ChatMessage[], seedCount?: number): Promise<void>;
  /** Deletes a session and its history; false when there was none. Waits for its running request. */
  delete(ns: string, p: string, id: string): Promise<boolean>;
  /** The ids of a project's sessions (oldest first), for export. */
  ids(ns: string, p: string): Promise<string[]>;
  /** Deletes every session of a project; returns how many there were. */
  deleteProject(ns: string, p: string): Promise<number>;
  close(): Promise<void>;
}

export function sessionTtlMs(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.LF_SESSION_TTL_SECONDS);
  return (Number.isFinite(n) && n > 0 ? n : DEFAULT_SESSION_TTL_SECONDS) * 1000;
}

/** A stored message row: role and content in columns, the rest (name, tool calls) as JSON in `extra`. */
export interface MessageRow {
  role: ChatMessage['role'];
  content: string | null;
  extra: string | null;
}

export function extraOf(m: StoredMessage): string | null {
  const e: Partial<StoredMessage> = {};
  if (m.name) e.name = m.name;
  if (m.tool_calls?.length) e.tool_calls = m.tool_calls;
  if (m.tool_call_id) e.tool_call_id = m.tool_call_id;
  if (m.interrupted) e.interrupted = true;
  if (m.sources?.length) e.sources = m.sources;
  return Object.keys(e).length ? JSON.stringify(e) : null;
}

export function messageOfRow(r: MessageRow): StoredMessage {
  return r.extra ? { role: r.role, content: r.content, ...(JSON.parse(r.extra) as Partial<StoredMessage>) } : { role: r.role, content: r.content };
}
