/**
 * Who may call the server (issue #13): origin and host guards, API keys with scopes, optional rate limits, in
 * that order as `onRequest`/`preHandler` hooks before any handler. Install right after the error handling and
 * before any route. MCP tool calls are checked by `installMcpToolScopes` once the MCP server is installed.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../services/context.js';
import { installOriginGuard } from './origin-guard.js';
import { installAuth } from './auth.js';
import { installRateLimit } from './rate-limit.js';

export { installMcpToolScopes } from './mcp-scopes.js';

export async function installSecurity(app: FastifyInstance, ctx: Pick<AppContext, 'settings' | 'apiKeys'>): Promise<void> {
  await installOriginGuard(app, ctx.settings);
  installAuth(app, ctx.apiKeys);
  await installRateLimit(app, ctx.settings.rateLimit);
}
