/**
 * API keys with scopes (issue #13, decision 0101). One admin key may come from the environment (`LF_API_KEY`);
 * the others live in the metadata store (SQLite by default, Postgres with `LF_METADATA_URL`, so every replica
 * sees a revocation at once), stored only as a SHA-256 hash of the secret. Keys are required as soon as any key
 * exists. Secrets are 256-bit random strings, so a plain hash (no slow KDF) is enough: the hash is what is looked
 * up, and the environment key is compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LfError, notFound, unprocessable } from '../core/errors.js';

export const KEY_SCOPES = ['read', 'use', 'admin'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

/** What each scope allows, as a rank: a caller may do what needs a rank at most its own. */
export const SCOPE_RANK: Record<KeyScope, number> = { read: 1, use: 2, admin: 3 };

export const KEY_NAME_PATTERN = /^[\w .:@-]{1,64}$/;

export interface ApiKeyInfo {
  id: string;
  name: string;
  scope: KeyScope;
  /** The first characters of the secret, to recognise a key in a list. */
  prefix: string;
  created_at: string;
}

export interface StoredApiKey extends ApiKeyInfo {
  /** hex SHA-256 of the secret. */
  hash: string;
}

/** Where keys are kept: the metadata store (sqlite or postgres). */
export interface ApiKeyStore {
  insert(key: StoredApiKey): Promise<void>;
  list(): Promise<ApiKeyInfo[]>;
  findByHash(hash: string): Promise<ApiKeyInfo | undefined>;
  delete(id: string): Promise<boolean>;
  count(): Promise<number>;
}

/** Who made a request. */
export interface Principal {
  id: string;
  name: string;
  scope: KeyScope;
}

export const ENV_KEY_ID = 'env';

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function isKeyScope(s: unknown): s is KeyScope {
  return typeof s === 'string' && (KEY_SCOPES as readonly string[]).includes(s);
}

export function scopeAllows(have: KeyScope, need: KeyScope): boolean {
  return SCOPE_RANK[have] >= SCOPE_RANK[need];
}

export class ApiKeysService {
  private readonly envHash?: Buffer;

  constructor(
    private readonly store: ApiKeyStore,
    envKey?: string,
  ) {
    if (envKey) this.envHash = createHash('sha256').update(envKey, 'utf8').digest();
  }

  /** True when requests must carry a key: the environment key is set or any key is stored. */
  async required(): Promise<boolean> {
    return this.envHash !== undefined || (await this.store.count()) > 0;
  }

  /** The key's owner, or undefined for a wrong key. */
  async authenticate(secret: string): Promise<Principal | undefined> {
    if (!secret) return undefined;
    const digest = createHash('sha256').update(secret, 'utf8').digest();
    if (this.envHash && timingSafeEqual(digest, this.envHash)) return { id: ENV_KEY_ID, name: 'LF_API_KEY', scope: 'admin' };
    const found = await this.store.findByHash(digest.toString('hex'));
    return found && { id: found.id, name: found.name, scope: found.scope };
  }

  /** Creates a key; the secret is returned here only. */
  async create(name: string, scope: KeyScope): Promise<ApiKeyInfo & { key: string }> {
    if (!KEY_NAME_PATTERN.test(name)) throw unprocessable([{ loc: ['body', 'name'], msg: 'Name must be 1-64 letters, digits, spaces or . _ : @ -', type: 'string_pattern_mismatch' }]);
    if (!isKeyScope(scope)) throw unprocessable([{ loc: ['body', 'scope'], msg: `Input should be one of ${KEY_SCOPES.map((s) => `'${s}'`).join(', ')}`, type: 'enum' }]);
    const secret = `lf_${randomBytes(32).toString('base64url')}`;
    const info: ApiKeyInfo = { id: `key_${randomBytes(8).toString('hex')}`, name, scope, prefix: secret.slice(0, 8), created_at: new Date().toISOString() };
    await this.store.insert({ ...info, hash: hashSecret(secret) });
    return { ...info, key: secret };
  }

  list(): Promise<ApiKeyInfo[]> {
    return this.store.list();
  }

  async revoke(id: string): Promise<void> {
    if (id === ENV_KEY_ID) throw new LfError('conflict', 'The LF_API_KEY key comes from the environment: unset it and restart to revoke it');
    if (!(await this.store.delete(id))) throw notFound(`API key ${id} not found`);
  }
}
