/**
 * The MCP server at `/mcp` (Streamable HTTP, sessions via `Mcp-Session-Id`). Every route the OpenAPI document
 * tags `mcp` is a tool named by its operationId, whose call runs that route's handler in-process (see
 * operations.ts and run-operation.ts). Chat completions are not tagged `mcp`, so they are no tool.
 */
import { Ajv, type Options as AjvOptions } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, McpError, ErrorCode, type Implementation } from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { captureMcpOperations, type McpOperation } from './operations.js';
import { McpToolset } from './toolset.js';
import { McpSessions } from './sessions.js';

export { MCP_TAG } from './operations.js';
export type { McpOperation } from './operations.js';

export const MCP_PATH = '/mcp';

export interface McpServerOptions {
  /** Name and version reported to clients on `initialize`. */
  serverInfo: Implementation;
  /** The app's ajv options (Fastify's `ajv.customOptions`), so tool arguments validate as requests do. */
  ajvOptions: AjvOptions;
}

export interface InstalledMcpServer {
  /** The captured operations (complete once the routes are registered). */
  operations: readonly McpOperation[];
  sessions: McpSessions;
  toolset: McpToolset;
}

// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/**
 * Call before the routes are registered: installs the route capture, the `/mcp` routes, and a `preClose` hook
 * that closes every session (so open event streams do not hold the server open).
 */
export function installMcpServer(app: FastifyInstance, o: McpServerOptions): InstalledMcpServer {
  const operations = captureMcpOperations(app);
  // Fastify's own defaults (@fastify/ajv-compiler, which also adds ajv-formats), then the app's options.
  const ajv = new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: true, addUsedSchema: false, allErrors: false, ...o.ajvOptions });
  addFormats(ajv);
  const toolset = new McpToolset(operations, ajv);
  const log = app.log.child({ component: 'mcp' });

  const newServer = (): Server => {
    const server = new Server(o.serverInfo, { capabilities: { tools: { listChanged: false } } });
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: toolset.list() }));
    server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
      if (!toolset.has(req.params.name)) throw new McpError(ErrorCode.InvalidParams, `Tool ${req.params.name} not found`);
      return toolset.call(req.params.name, req.params.arguments, { origin: originOf(extra), signal: extra.signal, log });
    });
    return server;
  };
  const sessions = new McpSessions(newServer, log);

  const hidden = { schema: { hide: true } };
  app.post(MCP_PATH, hidden, (req, reply) => sessions.handle(req, reply));
  app.get(MCP_PATH, hidden, (req, reply) => sessions.handle(req, reply));
  app.delete(MCP_PATH, hidden, (req, reply) => sessions.handle(req, reply));
  app.addHook('preClose', () => sessions.closeAll());
  return { operations, sessions, toolset };
}

/** The origin the client reached us at (for URLs handlers build, e.g. `task_uri`). */
function originOf(extra: RequestHandlerExtra<never, never>): URL {
  const info = extra.requestInfo;
  if (info?.url) return new URL(info.url.origin);
  const host = info?.headers.host;
  return new URL(`http://${typeof host === 'string' ? host : 'localhost'}`);
}
