/**
 * API keys in Postgres (`LF_METADATA_URL`), shared by API replicas: table `lf_api_keys`. No cache, so a key
 * revoked on one replica is refused by every replica on its next request.
 */
import { migratePg, type PgMetadataDb } from '../storage/postgres.js';
import type { ApiKeyInfo, ApiKeyStore, KeyScope, StoredApiKey } from './api-keys.js';

const MIGRATIONS = [
  `CREATE TABLE lf_api_keys (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, scope TEXT NOT NULL, prefix TEXT NOT NULL,
     hash TEXT NOT NULL UNIQUE, created_ms BIGINT NOT NULL)`,
];

interface Row {
  id: string;
  name: string;
  scope: KeyScope;
  prefix: string;
  created_ms: string;
}

const info = (r: Row): ApiKeyInfo => ({ id: r.id, name: r.name, scope: r.scope, prefix: r.prefix, created_at: new Date(Number(r.created_ms)).toISOString() });
const COLUMNS = 'id, name, scope, prefix, created_ms';

export class PgApiKeyStore implements ApiKeyStore {
  private constructor(private readonly db: PgMetadataDb) {}

  static async open(db: PgMetadataDb): Promise<PgApiKeyStore> {
    await migratePg(db.pool, 'api_keys', MIGRATIONS);
    return new PgApiKeyStore(db);
  }

  async insert(k: StoredApiKey): Promise<void> {
    await this.db.pool.query('INSERT INTO lf_api_keys (id, name, scope, prefix, hash, created_ms) VALUES ($1, $2, $3, $4, $5, $6)', [k.id, k.name, k.scope, k.prefix, k.hash, Date.parse(k.created_at)]);
  }

  async list(): Promise<ApiKeyInfo[]> {
    const { rows } = await this.db.pool.query<Row>(`SELECT ${COLUMNS} FROM lf_api_keys ORDER BY created_ms, id`);
    return rows.map(info);
  }

  async findByHash(hash: string): Promise<ApiKeyInfo | undefined> {
    const { rows } = await this.db.pool.query<Row>(`SELECT ${COLUMNS} FROM lf_api_keys WHERE hash = $1`, [hash]);
    return rows[0] && info(rows[0]);
  }

  async delete(id: string): Promise<boolean> {
    const { rowCount } = await this.db.pool.query('DELETE FROM lf_api_keys WHERE id = $1', [id]);
    return (rowCount ?? 0) > 0;
  }

  async count(): Promise<number> {
    const { rows } = await this.db.pool.query<{ n: string }>('SELECT COUNT(*) AS n FROM lf_api_keys');
    return Number(rows[0].n);
  }
}
