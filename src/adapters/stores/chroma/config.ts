/**
 * ChromaStore config (a database's `config` in llamafarm.yaml, original §4.3 / §4.7):
 *
 *   host, port (8000), ssl (false)   a Chroma server; without `host` a local server is started (local-server.ts)
 *   collection_name                  default `lf_<database>_<sha1(store dir)[:8]>` (one collection per database
 *                                    and project, even when projects share a server)
 *   distance_metric | distance_function   cosine (default) | l2 | ip; anything else → cosine (like the original)
 *   tenant, chroma_database          Chroma tenant and database (server defaults when absent)
 *   headers                          extra HTTP headers, e.g. { "x-chroma-token": "…" } for an authenticated server
 *   lexical_candidates (1000)        documents fetched per full-text query before scoring (see lexical.ts)
 */
import { createHash } from 'node:crypto';
import { StoreError } from '../types.js';

export type ChromaSpace = 'cosine' | 'l2' | 'ip';

export interface ChromaStoreOptions {
  /** Absent: start (or reuse) a local server persisting under `dir`. */
  server?: { host: string; port: number; ssl: boolean };
  /** The database's store directory (persist path of a local server). */
  dir: string;
  collection: string;
  space: ChromaSpace;
  tenant?: string;
  chromaDatabase?: string;
  headers?: Record<string, string>;
  lexicalCandidates: number;
}

/** Chroma's collection-name rule, plus the original's `^[a-zA-Z0-9_-]+$`. */
const COLLECTION_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9_-]{1,510})[a-zA-Z0-9]$/;

function bad(key: string, want: string): StoreError {
  return new StoreError(`ChromaStore config: ${key} must be ${want}`, 'config');
}

export function defaultCollectionName(dir: string, database: string): string {
  const hash = createHash('sha1').update(dir).digest('hex').slice(0, 8);
  const name = database.replace(/[^a-zA-Z0-9_-]+/g, '_').slice(0, 400);
  return `lf_${name}_${hash}`;
}

function optString(config: Record<string, unknown>, key: string): string | undefined {
  const v = config[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw bad(key, 'a string');
  return v;
}

export function chromaOptionsFromConfig(dir: string, database: string, config: Record<string, unknown>): ChromaStoreOptions {
  const host = optString(config, 'host');
  let server: ChromaStoreOptions['server'];
  if (host !== undefined) {
    const port = config.port ?? 8000;
    const portNumber = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
    if (typeof portNumber !== 'number' || !Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) throw bad('port', 'a TCP port number');
    const ssl = config.ssl ?? false;
    if (typeof ssl !== 'boolean') throw bad('ssl', 'true or false');
    server = { host, port: portNumber, ssl };
  }
  const collection = optString(config, 'collection_name') ?? defaultCollectionName(dir, database);
  if (!COLLECTION_NAME.test(collection)) throw bad('collection_name', '3–512 of [a-zA-Z0-9_-], starting and ending with a letter or digit');
  const metric = config.distance_metric ?? config.distance_function ?? 'cosine';
  const space: ChromaSpace = metric === 'l2' || metric === 'ip' ? metric : 'cosine';
  const headers = config.headers;
  if (headers !== undefined && (typeof headers !== 'object' || headers === null || Object.values(headers).some((v) => typeof v !== 'string'))) {
    throw bad('headers', 'an object of strings');
  }
  const lexical = config.lexical_candidates ?? 1000;
  if (typeof lexical !== 'number' || !Number.isInteger(lexical) || lexical < 10 || lexical > 100_000) throw bad('lexical_candidates', 'an integer from 10 to 100000');
  return {
    server,
    dir,
    collection,
    space,
    tenant: optString(config, 'tenant'),
    chromaDatabase: optString(config, 'chroma_database'),
    headers: headers as Record<string, string> | undefined,
    lexicalCandidates: lexical,
  };
}
