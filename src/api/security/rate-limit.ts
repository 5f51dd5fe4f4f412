/**
 * Optional per-key rate limits (`LF_RATE_LIMIT=120/minute`, off by default; decision 0102): counted per API key
 * when the request carried a valid one, else per client address; over the limit → 429 `{detail}` with
 * `Retry-After`. The liveness probe is never limited. Counters live in this process (each replica counts alone).
 */
import type { FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { LfError } from '../../core/errors.js';
import type { RateLimitSetting } from '../../core/settings.js';
import { pathOf } from './auth.js';

export async function installRateLimit(app: FastifyInstance, limit: RateLimitSetting | undefined): Promise<void> {
  if (!limit) return;
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler', // after authentication, so the key is known
    max: limit.max,
    timeWindow: limit.windowMs,
    keyGenerator: (req) => (req.principal ? `key:${req.principal.id}` : `ip:${req.ip}`),
    allowList: (req) => pathOf(req.url) === '/health/liveness',
    errorResponseBuilder: (_req, ctx) => new LfError('too_many_requests', `Rate limit exceeded: at most ${ctx.max} requests per ${Math.round(limit.windowMs / 1000)} s; retry in ${ctx.after}`),
  });
}
