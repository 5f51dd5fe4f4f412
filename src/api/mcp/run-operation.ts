/**
 * Runs a captured route as a tool call, the way Fastify would run it for an HTTP request: the route's request
 * schemas validate the arguments (ajv, the app's options, the same order: params, body, query), the route's
 * handler runs against the in-process request/reply, failures go through the app's own error handler (so the
 * status and `detail` are the HTTP API's), and the answer is serialized with the route's response schema.
 */
import { Buffer } from 'node:buffer';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import fastJson from 'fast-json-stringify';
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { unprocessable } from '../../core/errors.js';
import type { McpOperation, RouteHook } from './operations.js';
import type { JsonSchema, RequestPart, SplitArguments } from './input-schema.js';
import { inProcessRequest, recordingReply, type InProcessFile } from './in-process.js';

/** Where a tool call came from: the MCP HTTP request's origin and cancellation signal. */
export interface CallContext {
  origin: URL;
  signal?: AbortSignal;
  log: FastifyBaseLogger;
}

export type OperationOutcome = { ok: true; status: number; body: unknown } | { ok: false; status: number; detail: unknown };

/** Fastify's validation order; `file` (upload arguments) stands where a body would. */
const VALIDATION_ORDER: RequestPart[] = ['params', 'body', 'file', 'querystring'];
const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

type Serializer = (doc: unknown) => string;

export class OperationRunner {
  private validators?: Partial<Record<RequestPart, ValidateFunction>>;
  private readonly serializers = new Map<string, Serializer>();

  constructor(
    readonly operation: McpOperation,
    private readonly ajv: Ajv,
  ) {}

  async run(args: Record<string, unknown>, call: CallContext): Promise<OperationOutcome> {
    const op = this.operation;
    const parts = op.input.split(args);
    const request = inProcessRequest({
      method: op.method,
      url: op.url,
      params: parts.params ?? {},
      query: parts.querystring ?? {},
      body: parts.body,
      origin: call.origin,
      log: call.log,
      file: parts.file && uploadedFile(parts.file),
    });
    const { reply, recorded } = recordingReply(call.signal);
    try {
      // Fastify's order: onRequest, preValidation, validation, preHandler, handler. A hook may answer early.
      let answered = (await this.runHooks(op.hooks.onRequest, request, reply)) || (await this.runHooks(op.hooks.preValidation, request, reply));
      if (!answered) {
        this.validate(parts);
        answered = await this.runHooks(op.hooks.preHandler, request, reply);
      }
      let body = recorded.payload;
      if (!answered) {
        const returned: unknown = await op.handler.call(op.instance, request, reply);
        if (returned === undefined && !recorded.sent) throw new Error(`the handler of ${op.operationId} answered nothing`);
        body = returned === undefined || returned === reply ? recorded.payload : returned;
      }
      if (recorded.statusCode >= 400) return { ok: false, status: recorded.statusCode, detail: detailOf(body) };
      return { ok: true, status: recorded.statusCode, body: this.serialize(recorded.statusCode, body) };
    } catch (err) {
      return this.failure(err, request);
    }
  }

  /** Runs route-level hooks (async or callback style); true when one of them sent the answer. */
  private async runHooks(hooks: RouteHook[], request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const { instance } = this.operation;
    for (const hook of hooks) {
      if (hook.length >= 3) {
        await new Promise<void>((resolve, reject) => {
          hook.call(instance, request, reply, (err?: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()));
        });
      } else {
        await hook.call(instance, request, reply, () => undefined);
      }
      if (reply.sent) return true;
    }
    return false;
  }

  /** Validates and completes (defaults, coercion) each part in place; throws Fastify's validation error. */
  private validate(parts: SplitArguments): void {
    this.validators ??= Object.fromEntries(Object.entries(this.operation.input.partSchemas).map(([part, schema]) => [part, this.ajv.compile(schema)]));
    for (const part of VALIDATION_ORDER) {
      const validator = this.validators[part];
      if (!validator || validator(parts[part] ?? {})) continue;
      const context = part === 'file' ? 'body' : part;
      throw Object.assign(new Error(this.ajv.errorsText(validator.errors, { dataVar: context })), {
        statusCode: 400,
        code: 'FST_ERR_VALIDATION',
        validation: validator.errors as ErrorObject[],
        validationContext: context,
      });
    }
  }

  /** The JSON the HTTP route would send: serialized with its response schema for the status, if any. */
  private serialize(status: number, body: unknown): unknown {
    const schema = responseSchema(this.operation, status);
    if (!schema) return body === undefined ? null : JSON.parse(JSON.stringify(body));
    const key = String(status);
    let serializer = this.serializers.get(key);
    if (!serializer) {
      serializer = fastJson(schema) as Serializer;
      this.serializers.set(key, serializer);
    }
    return JSON.parse(serializer(body));
  }

  /** Maps a failure through the app's error handler, exactly as an HTTP request's failure. */
  private async failure(err: unknown, request: FastifyRequest): Promise<OperationOutcome> {
    const op = this.operation;
    const { reply, recorded } = recordingReply();
    try {
      const handleError = op.errorHandler ?? op.instance.errorHandler;
      const returned: unknown = await handleError.call(op.instance, err as FastifyError, request, reply);
      const body = returned === undefined || returned === reply ? recorded.payload : returned;
      return { ok: false, status: recorded.statusCode >= 400 ? recorded.statusCode : 500, detail: detailOf(body) };
    } catch (e) {
      request.log.error({ err: e }, 'MCP: the error handler failed');
      return { ok: false, status: 500, detail: 'Internal Server Error' };
    }
  }
}

/** The route's response schema for a status: exact, then `2xx`-style, then `default`. */
export function responseSchema(op: McpOperation, status: number): JsonSchema | undefined {
  const responses = op.schemas.response ?? {};
  return responses[String(status)] ?? responses[`${String(status)[0]}xx`] ?? responses.default;
}

/** The success status the route declares (its first 2xx response), for the advertised output schema. */
export function successStatus(op: McpOperation): number {
  const declared = Object.keys(op.schemas.response ?? {}).find((k) => /^2\d\d$/.test(k));
  return declared ? Number(declared) : 200;
}

function detailOf(body: unknown): unknown {
  if (body instanceof Error) return body.message;
  if (typeof body === 'object' && body !== null && 'detail' in body) return (body as { detail: unknown }).detail;
  return body;
}

/** The upload arguments as a file, read (and base64-decoded) when the handler asks for it. */
function uploadedFile(args: Record<string, unknown>): InProcessFile {
  const base64 = () => args.content_encoding === 'base64';
  const content = () => (typeof args.content === 'string' ? args.content : '');
  return {
    size: Buffer.byteLength(content(), base64() ? 'base64' : 'utf8'),
    read() {
      if (base64() && !BASE64.test(content())) throw unprocessable([{ loc: ['body', 'content'], msg: 'Value is not valid base64', type: 'value_error' }]);
      return {
        filename: String(args.filename),
        mimeType: typeof args.mime_type === 'string' ? args.mime_type : undefined,
        content: Buffer.from(content(), base64() ? 'base64' : 'utf8'),
      };
    },
  };
}
