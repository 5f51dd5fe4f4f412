/** API keys in the SQLite metadata database (the embedded default): table `api_keys`, secrets hashed. */
import { migrate, type SqliteDb } from '../storage/sqlite.js';
import type { ApiKeyInfo, ApiKeyStore, KeyScope, StoredApiKey } from './api-keys.js';

interface Row {
  id: string;
  name: string;
  scope: KeyScope;
  prefix: string;
  created_ms: number;
}

const info = (r: Row): ApiKeyInfo => ({ id: r.id, name: r.name, scope: r.scope, prefix: r.prefix, created_at: new Date(r.created_ms).toISOString() });
const COLUMNS = 'id, name, scope, prefix, created_ms';

export class SqliteApiKeyStore implements ApiKeyStore {
  private readonly q;

  constructor(db: SqliteDb) {
    migrate(db, 'api_keys', [
      `CREATE TABLE api_keys (
         id TEXT PRIMARY KEY, name TEXT NOT NULL, scope TEXT NOT NULL, prefix TEXT NOT NULL,
         hash TEXT NOT NULL UNIQUE, created_ms INTEGER NOT NULL)`,
    ]);
    this.q = {
      insert: db.prepare('INSERT INTO api_keys (id, name, scope, prefix, hash, created_ms) VALUES (?, ?, ?, ?, ?, ?)'),
      list: db.prepare(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_ms, id`),
      byHash: db.prepare(`SELECT ${COLUMNS} FROM api_keys WHERE hash = ?`),
      delete: db.prepare('DELETE FROM api_keys WHERE id = ?'),
      count: db.prepare('SELECT COUNT(*) AS n FROM api_keys'),
    };
  }

  async insert(k: StoredApiKey): Promise<void> {
    this.q.insert.run(k.id, k.name, k.scope, k.prefix, k.hash, Date.parse(k.created_at));
  }

  async list(): Promise<ApiKeyInfo[]> {
    return (this.q.list.all() as Row[]).map(info);
  }

  async findByHash(hash: string): Promise<ApiKeyInfo | undefined> {
    const r = this.q.byHash.get(hash) as Row | undefined;
    return r && info(r);
  }

  async delete(id: string): Promise<boolean> {
    return this.q.delete.run(id).changes > 0;
  }

  async count(): Promise<number> {
    return (this.q.count.get() as { n: number }).n;
  }
}
