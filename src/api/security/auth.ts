/**
 * API key authentication (decision 0101), an `onRequest` hook after the origin guard. When any key exists (the
 * environment's `LF_API_KEY` or a stored one) every non-public request must carry one, as `Authorization: Bearer
 * <key>` or `X-API-Key: <key>`: none or a wrong one → 401 with `WWW-Authenticate: Bearer`; a key whose scope is
 * too small → 403. With no key configured nothing is asked (the loopback default).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LfError } from '../../core/errors.js';
import { scopeAllows, type ApiKeysService, type Principal } from '../../services/api-keys.js';
import { requiredScope } from './scopes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's key, when keys are in use and it authenticated. */
    principal: Principal | null;
  }
}

/** The key a request carries, if any. */
export function credentialOf(req: Pick<FastifyRequest, 'headers'>): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const x = req.headers['x-api-key'];
  return typeof x === 'string' && x.trim() ? x.trim() : undefined;
}

export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

export function installAuth(app: FastifyInstance, keys: ApiKeysService): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req, reply) => {
    const need = requiredScope(req.method, req.routeOptions.url, pathOf(req.url));
    if (need === 'public' || !(await keys.required())) return;
    const secret = credentialOf(req);
    const principal = secret === undefined ? undefined : await keys.authenticate(secret);
    if (!principal) {
      void reply.header('WWW-Authenticate', 'Bearer');
      throw new LfError('unauthorized', secret === undefined ? 'An API key is required: send it as `Authorization: Bearer <key>` or `X-API-Key: <key>`' : 'Invalid API key');
    }
    req.principal = principal;
    if (!scopeAllows(principal.scope, need)) throw new LfError('forbidden', `This needs a key with scope '${need}' (or higher); key '${principal.name}' has scope '${principal.scope}'`);
  });
}
