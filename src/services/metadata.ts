/**
 * Where sessions, the event index and task records live (docs/decisions/0017 "Embedded vs scaled out"): the SQLite
 * metadata database of the data dir (default), or Postgres when `LF_METADATA_URL=postgres://…` so several API
 * processes (and `lf worker`) share them. The file registry and everything else stay where they are.
 */
import type { PgMetadataDb } from '../storage/postgres.js';
import { isPostgresUrl, redactPgUrl } from '../storage/postgres-url.js';
import type { SqliteDb } from '../storage/sqlite.js';
import type { SessionStore } from './chat/sessions.js';
import { SqliteSessionStore } from './chat/sessions-sqlite.js';
import type { EventStore } from './events.js';
import { SqliteEventStore } from './events-sqlite.js';
import type { ApiKeyStore } from './api-keys.js';
import { SqliteApiKeyStore } from './api-keys-sqlite.js';

export interface MetadataStores {
  kind: 'sqlite' | 'postgres';
  sessions: SessionStore;
  events: EventStore;
  apiKeys: ApiKeyStore;
  /** The shared database when `kind` is postgres (the embedded task queue keeps its records there too). */
  postgres?: PgMetadataDb;
  close(): Promise<void>;
}

/** `LF_METADATA_URL`: unset → SQLite; a postgres:// URL → Postgres; anything else is refused. */
export function metadataUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env.LF_METADATA_URL?.trim();
  if (!raw) return undefined;
  if (!isPostgresUrl(raw)) throw new Error(`LF_METADATA_URL must be a postgres://user:password@host:port/database URL, got '${raw}'`);
  return raw;
}

export async function openMetadataStores(sqlite: SqliteDb, url: string | undefined): Promise<MetadataStores> {
  if (!url) {
    const sessions = new SqliteSessionStore(sqlite);
    return { kind: 'sqlite', sessions, events: new SqliteEventStore(sqlite), apiKeys: new SqliteApiKeyStore(sqlite), close: () => sessions.close() };
  }
  // Loaded only here: the embedded default starts without `pg`.
  const [{ openPgMetadataDb }, { PgSessionStore }, { PgEventStore }, { PgApiKeyStore }] = await Promise.all([
    import('../storage/postgres.js'),
    import('./chat/sessions-postgres.js'),
    import('./events-postgres.js'),
    import('./api-keys-postgres.js'),
  ]);
  const db = openPgMetadataDb(url);
  try {
    const sessions = await PgSessionStore.open(db);
    const events = await PgEventStore.open(db);
    const apiKeys = await PgApiKeyStore.open(db);
    return { kind: 'postgres', sessions, events, apiKeys, postgres: db, close: () => db.close() };
  } catch (e) {
    await db.close();
    throw new Error(`the metadata database at ${redactPgUrl(url)} is not usable: ${(e as Error).message}`);
  }
}
