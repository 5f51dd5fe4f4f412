/**
 * Captures the routes the OpenAPI document tags `mcp` while they are registered (Fastify's `onRoute` hook):
 * their operationId, schemas and handler, so a tool call runs the very handler the HTTP route runs.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { buildToolInput, type RouteSchemas, type ToolInput } from './input-schema.js';

/** One route tagged `mcp`: what a tool needs to describe it and to run it. */
export interface McpOperation {
  operationId: string;
  method: string;
  url: string;
  summary?: string;
  description?: string;
  schemas: RouteSchemas;
  input: ToolInput;
  handler: RouteOptions['handler'];
  /** The route's own hooks, run around the handler as Fastify would (app-wide hooks are not run). */
  hooks: Record<RouteHookName, RouteHook[]>;
  /** The route's own error handler, if it has one (else the instance's). */
  errorHandler?: RouteOptions['errorHandler'];
  /** The Fastify instance the route was registered on: `this` for the handler, and its error handler. */
  instance: FastifyInstance;
}

interface RouteSchema extends RouteSchemas {
  operationId?: string;
  tags?: string[];
  summary?: string;
  description?: string;
}

export const MCP_TAG = 'mcp';

/** The request hooks that run before a handler. (Response hooks such as onSend shape HTTP bytes: not run.) */
export const ROUTE_HOOKS = ['onRequest', 'preValidation', 'preHandler'] as const;
export type RouteHookName = (typeof ROUTE_HOOKS)[number];
export type RouteHook = (this: FastifyInstance, req: FastifyRequest, reply: FastifyReply, done: (err?: unknown) => void) => unknown;

function hooksOf(route: RouteOptions): Record<RouteHookName, RouteHook[]> {
  const out = {} as Record<RouteHookName, RouteHook[]>;
  for (const name of ROUTE_HOOKS) {
    const value = route[name] as RouteHook | RouteHook[] | undefined;
    out[name] = value === undefined ? [] : Array.isArray(value) ? value : [value];
  }
  return out;
}

/**
 * Installs the `onRoute` hook on `app` (call it before the routes are added; it sees routes of `app` and of
 * plugins registered under it). Returns the captured operations, in registration order. Throws, failing the
 * app's start-up, on a tagged route without an operationId, a duplicate operationId, or arguments whose names
 * collide once path, query and body are merged.
 */
export function captureMcpOperations(app: FastifyInstance): McpOperation[] {
  const operations: McpOperation[] = [];
  app.addHook('onRoute', function (this: FastifyInstance, route: RouteOptions) {
    const schema = route.schema as RouteSchema | undefined;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    // Fastify adds a HEAD twin to every GET route; the GET is the operation.
    if (!schema?.tags?.includes(MCP_TAG) || methods.every((m) => m === 'HEAD')) return;
    const where = `${methods.join(',')} ${route.url}`;
    if (!schema.operationId) throw new Error(`MCP: route ${where} is tagged "${MCP_TAG}" but has no operationId`);
    if (operations.some((o) => o.operationId === schema.operationId)) throw new Error(`MCP: duplicate operationId "${schema.operationId}" (${where})`);
    const schemas: RouteSchemas = { params: schema.params, querystring: schema.querystring, body: schema.body, response: schema.response, consumes: schema.consumes };
    operations.push({
      operationId: schema.operationId,
      method: methods.find((m) => m !== 'HEAD') ?? methods[0],
      url: route.url,
      summary: schema.summary,
      description: schema.description,
      schemas,
      input: buildToolInput(schema.operationId, schemas),
      handler: route.handler,
      hooks: hooksOf(route),
      errorHandler: route.errorHandler,
      instance: this,
    });
  });
  return operations;
}
