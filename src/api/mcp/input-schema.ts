/**
 * A tool's arguments: the route's path parameters, query string and JSON body merged into one flat object
 * schema, and the split back into those parts for validation and the handler.
 *
 * Special cases:
 * - multipart upload routes (`consumes: multipart/form-data`) take the file as `filename` + `content`
 *   (`content_encoding` "text" or "base64") + optional `mime_type`;
 * - a body `stream` flag is hidden and forced to false: tool calls answer once, never as an event stream.
 */
export type JsonSchema = Record<string, unknown>;

/** The JSON Schemas of a route's request parts and responses, as Fastify received them. */
export interface RouteSchemas {
  params?: JsonSchema;
  querystring?: JsonSchema;
  body?: JsonSchema;
  response?: Record<string, JsonSchema>;
  consumes?: string[];
}

/** Where an argument goes: Fastify's request parts, plus the uploaded file of multipart routes. */
export type RequestPart = 'params' | 'querystring' | 'body' | 'file';

/** The file arguments of an upload tool (validated like a body, reported as `body` in errors). */
export const UPLOAD_ARGUMENTS: JsonSchema = {
  type: 'object',
  required: ['filename', 'content'],
  properties: {
    filename: { type: 'string', minLength: 1, description: 'File name, with its extension (it picks the parser)' },
    content: { type: 'string', description: 'The file content: text, or base64 when content_encoding is "base64"' },
    content_encoding: { type: 'string', enum: ['text', 'base64'], default: 'text', description: 'How `content` is encoded' },
    mime_type: { type: 'string', description: 'MIME type; guessed from the file name when omitted' },
  },
};

export interface ToolInputSchema {
  [key: string]: unknown;
  type: 'object';
  properties: Record<string, JsonSchema>;
  required?: string[];
}

export type SplitArguments = Partial<Record<RequestPart, Record<string, unknown>>>;

export interface ToolInput {
  /** The flat JSON Schema advertised in `tools/list`. */
  inputSchema: ToolInputSchema;
  /** The schema each part is validated with (the route's own schemas). */
  partSchemas: Partial<Record<RequestPart, JsonSchema>>;
  /** Sorts arguments into the request parts. */
  split(args: Record<string, unknown>): SplitArguments;
}

const PART_NAMES: Record<RequestPart, string> = { params: 'a path parameter', querystring: 'a query parameter', body: 'a body field', file: 'an upload argument' };
/** Body fields a tool never takes from its caller, with the value it always sends. */
const FORCED_BODY_FIELDS: Record<string, unknown> = { stream: false };

function objectProperties(operationId: string, part: RequestPart, schema: JsonSchema): Record<string, JsonSchema> {
  const props = schema.properties;
  if (schema.type !== 'object' || typeof props !== 'object' || props === null) {
    throw new Error(`MCP: operation "${operationId}": its ${part} schema is not an object with properties, so it cannot be a tool's arguments`);
  }
  return props as Record<string, JsonSchema>;
}

/** Builds the flat argument schema; throws (at start-up) when two parts name the same argument. */
export function buildToolInput(operationId: string, route: RouteSchemas): ToolInput {
  const partSchemas: Partial<Record<RequestPart, JsonSchema>> = {};
  if (route.params) partSchemas.params = route.params;
  if (route.querystring) partSchemas.querystring = route.querystring;
  if (route.body) partSchemas.body = route.body;
  if (route.consumes?.includes('multipart/form-data')) partSchemas.file = UPLOAD_ARGUMENTS;

  const partOf = new Map<string, RequestPart>();
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [part, schema] of Object.entries(partSchemas) as [RequestPart, JsonSchema][]) {
    const props = objectProperties(operationId, part, schema);
    const requiredHere = new Set((schema.required as string[] | undefined) ?? []);
    for (const [name, prop] of Object.entries(props)) {
      if (part === 'body' && name in FORCED_BODY_FIELDS) continue;
      const taken = partOf.get(name);
      if (taken) throw new Error(`MCP: operation "${operationId}": argument "${name}" is both ${PART_NAMES[taken]} and ${PART_NAMES[part]}`);
      partOf.set(name, part);
      properties[name] = forClients(prop);
      // A field with a default is optional for the caller: validation fills it in.
      if (requiredHere.has(name) && prop.default === undefined) required.push(name);
    }
  }
  // Arguments no schema names go where an HTTP client would have sent them: the JSON body if there is one.
  const extraPart: RequestPart = partSchemas.body ? 'body' : partSchemas.file ? 'file' : 'querystring';
  const forced = partSchemas.body ? Object.fromEntries(Object.entries(FORCED_BODY_FIELDS).filter(([k]) => k in objectProperties(operationId, 'body', partSchemas.body!))) : {};

  const inputSchema: ToolInputSchema = { type: 'object', properties, ...(required.length ? { required } : {}) };
  if (route.body?.additionalProperties === true) inputSchema.additionalProperties = true;

  return {
    inputSchema,
    partSchemas,
    split(args) {
      const out: SplitArguments = {};
      for (const part of Object.keys(partSchemas) as RequestPart[]) out[part] = {};
      for (const [name, value] of Object.entries(args)) {
        const part = partOf.get(name) ?? extraPart;
        (out[part] ??= {})[name] = value;
      }
      if (out.body) Object.assign(out.body, forced);
      return out;
    },
  };
}

/**
 * The schema as plain JSON Schema for MCP clients: OpenAPI 3.0's `nullable: true` becomes a `null` type, at any
 * depth. (Validation keeps using the route's own schema.)
 */
export function forClients(schema: JsonSchema): JsonSchema {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node !== 'object' || node === null) return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = walk(v);
    if (out.nullable === true) {
      delete out.nullable;
      if (typeof out.type === 'string') out.type = [out.type, 'null'];
      else if (Array.isArray(out.type) && !out.type.includes('null')) out.type = [...(out.type as unknown[]), 'null'];
    }
    return out;
  };
  return walk(schema) as JsonSchema;
}
