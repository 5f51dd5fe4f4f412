/**
 * Origin and Host guards (decision 0100), an `onRequest` hook that runs before any handler (and before CORS):
 * - bound to loopback, a `Host` that is not a loopback name or address (nor in `LF_ALLOWED_HOSTS`) is refused:
 *   a page on a rebinding domain reaches 127.0.0.1 with its own name as `Host`;
 * - a request whose `Origin` is foreign (not loopback, not the server's own, not in `LF_ALLOWED_ORIGINS`) is
 *   refused with 403, simple requests included — withholding CORS headers alone would still run the handler.
 */
import type { FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import { LfError } from '../../core/errors.js';
import type { Settings } from '../../core/settings.js';
import { hostAllowed, isLoopbackBind, isLoopbackOrigin, normalizeOrigin, originAllowed } from './hosts.js';

const shown = (s: string) => JSON.stringify(s.length > 100 ? `${s.slice(0, 100)}…` : s);

export async function installOriginGuard(app: FastifyInstance, settings: Pick<Settings, 'host' | 'allowedOrigins' | 'allowedHosts'>): Promise<void> {
  const guardHost = isLoopbackBind(settings.host) || settings.allowedHosts.length > 0;
  app.addHook('onRequest', async (req) => {
    const host = req.headers.host;
    if (guardHost && !hostAllowed(host, settings.allowedHosts)) {
      throw new LfError('forbidden', `Host ${shown(host ?? '')} is not allowed: this server answers to loopback names only (set LF_ALLOWED_HOSTS to add names, e.g. behind a reverse proxy)`);
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, host, settings.allowedOrigins)) {
      throw new LfError('forbidden', `Origin ${shown(origin)} is not allowed: only this server's own origin and http://localhost, http://127.0.0.1 and http://[::1] may call it from a browser (set LF_ALLOWED_ORIGINS to add origins)`);
    }
  });
  const listed = new Set(settings.allowedOrigins.map((o) => normalizeOrigin(o)).filter((o): o is string => o !== undefined));
  const any = settings.allowedOrigins.includes('*');
  await app.register(cors, {
    // The guard above has already refused foreign origins; CORS headers go to loopback and listed origins only.
    // No `Origin` (not a cross-origin browser request): the CORS headers are harmless, as they always were.
    origin: (origin, cb) => cb(null, origin === undefined || any || isLoopbackOrigin(origin) || listed.has(normalizeOrigin(origin) ?? '')),
    exposedHeaders: ['X-Session-ID'],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
  });
}
