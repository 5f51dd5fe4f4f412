/**
 * PGVectorStore config (a database's `config` in llamafarm.yaml) and the table it uses.
 *
 *   connection_string  postgres://user:pass@host:5432/db (alias `url`); else the LF_PG_URL environment variable
 *   schema             Postgres schema holding the tables (default `public`; created when missing)
 *   table_name         table for this database (default `lf_<sha1(store dir)[:12]>_<database>`)
 *   pool_max           connections in this process's pool for that server (default 4)
 *   text_search_config Postgres text-search configuration of the full-text column (default `english`)
 *   hnsw_m, hnsw_ef_construction   HNSW build parameters (defaults 16 and 64, pgvector's)
 *
 * Identifiers are checked against a strict pattern and quoted; nothing user-supplied is spliced into SQL
 * unchecked (values always travel as query parameters).
 */
import { createHash } from 'node:crypto';
import { StoreError } from '../types.js';

export interface PGVectorStoreOptions {
  connectionString: string;
  schema: string;
  table: string;
  poolMax: number;
  textSearchConfig: string;
  hnswM: number;
  hnswEfConstruction: number;
}

/** Postgres identifiers: at most 63 bytes; we also keep them to plain lower-case-friendly ASCII. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const TEXT_CONFIG = /^[a-z_][a-z0-9_]{0,62}$/;

function bad(key: string, want: string): StoreError {
  return new StoreError(`PGVectorStore config: ${key} must be ${want}`, 'config');
}

function identifier(config: Record<string, unknown>, key: string, fallback: string): string {
  const v = config[key] ?? fallback;
  if (typeof v !== 'string' || !IDENTIFIER.test(v)) throw bad(key, 'a Postgres identifier: a letter or _, then up to 62 of [A-Za-z0-9_]');
  return v;
}

function positiveInt(config: Record<string, unknown>, key: string, fallback: number, max: number): number {
  const v = config[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) throw bad(key, `an integer from 1 to ${max}`);
  return v;
}

/** `lf_<first 12 hex of sha1(dir)>_<database, reduced to [a-z0-9_]>`, at most 63 characters. */
export function defaultTableName(dir: string, database: string): string {
  const hash = createHash('sha1').update(dir).digest('hex').slice(0, 12);
  const suffix = database.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return `lf_${hash}${suffix ? `_${suffix}` : ''}`.slice(0, 63);
}

export function pgOptionsFromConfig(dir: string, database: string, config: Record<string, unknown>, env = process.env): PGVectorStoreOptions {
  const url = config.connection_string ?? config.url ?? env.LF_PG_URL;
  if (url === undefined || url === '') {
    throw new StoreError(
      'PGVectorStore needs a Postgres connection string: set connection_string in the database config or LF_PG_URL',
      'unavailable',
    );
  }
  if (typeof url !== 'string' || !/^postgres(ql)?:\/\//.test(url)) throw bad('connection_string', 'a postgres:// or postgresql:// URL');
  const textSearchConfig = config.text_search_config ?? 'english';
  if (typeof textSearchConfig !== 'string' || !TEXT_CONFIG.test(textSearchConfig)) {
    throw bad('text_search_config', 'a text-search configuration name such as english or simple');
  }
  const hnswM = positiveInt(config, 'hnsw_m', 16, 100);
  const hnswEfConstruction = positiveInt(config, 'hnsw_ef_construction', 64, 1000);
  if (hnswEfConstruction < 2 * hnswM) throw bad('hnsw_ef_construction', `at least 2 × hnsw_m (${2 * hnswM})`);
  return {
    connectionString: url,
    schema: identifier(config, 'schema', 'public'),
    table: identifier(config, 'table_name', defaultTableName(dir, database)),
    poolMax: positiveInt(config, 'pool_max', 4, 100),
    textSearchConfig,
    hnswM,
    hnswEfConstruction,
  };
}

/** A Postgres identifier in double quotes (callers pass checked identifiers; quotes are doubled regardless). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The connection string with any password replaced, for error messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured Postgres URL';
  }
}
