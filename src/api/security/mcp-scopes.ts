/**
 * Scopes of MCP tool calls (decision 0101): `/mcp` itself needs a `read` key; a `tools/call` then needs the scope
 * of the route the tool runs (the tool is that route's operation, run in-process), so a `read` key can call the
 * GET tools only and an `admin` key every tool. Checked on the parsed JSON-RPC body (single message or batch)
 * before the MCP transport sees it; a refused call answers 403 `{detail}` like the route would.
 */
import type { FastifyInstance } from 'fastify';
import { LfError } from '../../core/errors.js';
import { scopeAllows } from '../../services/api-keys.js';
import type { McpOperation } from '../mcp/index.js';
import { requiredScope } from './scopes.js';

interface RpcMessage {
  method?: unknown;
  params?: { name?: unknown };
}

export function installMcpToolScopes(app: FastifyInstance, mcpPath: string, operations: readonly McpOperation[]): void {
  app.addHook('preHandler', async (req) => {
    const principal = req.principal;
    if (!principal || req.method !== 'POST' || req.routeOptions.url !== mcpPath) return;
    const messages = (Array.isArray(req.body) ? req.body : [req.body]) as RpcMessage[];
    for (const m of messages) {
      if (!m || typeof m !== 'object' || m.method !== 'tools/call') continue;
      const op = operations.find((o) => o.operationId === m.params?.name);
      if (!op) continue; // the MCP server answers unknown tools itself
      const need = requiredScope(op.method, op.url, op.url);
      if (need !== 'public' && !scopeAllows(principal.scope, need)) {
        throw new LfError('forbidden', `Tool ${op.operationId} (${op.method} ${op.url}) needs a key with scope '${need}' (or higher); key '${principal.name}' has scope '${principal.scope}'`);
      }
    }
  });
}
