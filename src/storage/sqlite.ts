/**
 * The metadata database (decision 0004): one SQLite file per data dir in WAL mode, shared by tasks, sessions,
 * events and the file registry. Each component owns its tables and migrates them with `migrate`.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type SqliteDb = Database.Database;

export function openMetadataDb(path: string): SqliteDb {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.exec('CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  return db;
}

/**
 * Applies `steps[i]` for every i >= the component's recorded version. The version is read inside an IMMEDIATE
 * transaction, so processes opening a new data dir at the same moment apply each step once.
 */
export function migrate(db: SqliteDb, component: string, steps: string[]): void {
  const readVersion = () => (db.prepare('SELECT version FROM schema_versions WHERE component = ?').get(component) as { version: number } | undefined)?.version ?? 0;
  for (let i = 0; i < steps.length; i++) {
    db.transaction(() => {
      if (readVersion() > i) return;
      db.exec(steps[i]);
      db.prepare('INSERT INTO schema_versions (component, version) VALUES (?, ?) ON CONFLICT(component) DO UPDATE SET version = excluded.version').run(component, i + 1);
    }).immediate();
  }
}
