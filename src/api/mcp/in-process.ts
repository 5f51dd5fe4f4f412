/**
 * The request and reply a route handler sees when an MCP tool call runs it in-process (no socket, no HTTP):
 * the validated parts, the MCP request's own origin (for URLs the handler builds, e.g. `task_uri`), and a reply
 * that records the status, headers and payload instead of writing them anywhere.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';

/** An uploaded file, handed to a multipart handler as `@fastify/multipart` would. */
export interface InProcessFile {
  /** Size in bytes (the request's content-length). */
  size: number;
  /** Reads the file when the handler asks for it (after validation); may throw, e.g. for invalid base64. */
  read(): { filename: string; mimeType?: string; content: Buffer };
}

export interface InProcessRequestInit {
  method: string;
  url: string;
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: Record<string, unknown> | undefined;
  /** The origin the MCP client reached us at, e.g. `http://127.0.0.1:14345`. */
  origin: URL;
  log: FastifyBaseLogger;
  file?: InProcessFile;
}

/** A stand-in for the parts of `FastifyRequest` route handlers use. */
export function inProcessRequest(init: InProcessRequestInit): FastifyRequest {
  const { origin, file } = init;
  const headers: Record<string, string> = { host: origin.host };
  if (file) {
    headers['content-type'] = 'multipart/form-data';
    headers['content-length'] = String(file.size);
  } else if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
  }
  const request = {
    id: `mcp-${randomUUID()}`,
    method: init.method,
    url: init.url,
    params: init.params,
    query: init.query,
    body: file ? undefined : init.body,
    headers,
    protocol: origin.protocol.replace(/:$/, ''),
    host: origin.host,
    hostname: origin.hostname,
    port: origin.port ? Number(origin.port) : undefined,
    log: init.log,
    isMultipart: () => file !== undefined,
    file: async () => {
      if (!file) return undefined;
      const { filename, mimeType, content } = file.read();
      return {
        type: 'file',
        fieldname: 'file',
        filename,
        encoding: '7bit',
        mimetype: mimeType,
        file: Object.assign(Readable.from([content]), { truncated: false, bytesRead: content.length }),
        fields: {},
        toBuffer: async () => content,
      };
    },
  };
  return request as unknown as FastifyRequest;
}

/** What a handler (or the error handler) answered. */
export interface RecordedReply {
  statusCode: number;
  payload: unknown;
  sent: boolean;
}

/**
 * A stand-in for `FastifyReply` that records instead of sending. `raw` only carries the `close` event (emitted
 * when the MCP request is cancelled) for handlers that watch for a client going away; taking over the raw
 * response (`hijack`) is not possible in-process and throws.
 */
export function recordingReply(signal?: AbortSignal): { reply: FastifyReply; recorded: RecordedReply } {
  const recorded: RecordedReply = { statusCode: 200, payload: undefined, sent: false };
  const headers: Record<string, unknown> = {};
  const raw = Object.assign(new EventEmitter(), { writableFinished: false, writableEnded: false, destroyed: false });
  signal?.addEventListener('abort', () => raw.emit('close'), { once: true });
  const reply = {
    raw,
    get statusCode() {
      return recorded.statusCode;
    },
    set statusCode(code: number) {
      recorded.statusCode = code;
    },
    get sent() {
      return recorded.sent;
    },
    code(code: number) {
      recorded.statusCode = code;
      return reply;
    },
    status(code: number) {
      recorded.statusCode = code;
      return reply;
    },
    header(name: string, value: unknown) {
      headers[name.toLowerCase()] = value;
      return reply;
    },
    headers(values: Record<string, unknown>) {
      for (const [k, v] of Object.entries(values)) headers[k.toLowerCase()] = v;
      return reply;
    },
    getHeader: (name: string) => headers[name.toLowerCase()],
    getHeaders: () => ({ ...headers }),
    hasHeader: (name: string) => name.toLowerCase() in headers,
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
      return reply;
    },
    type(value: string) {
      headers['content-type'] = value;
      return reply;
    },
    send(payload?: unknown) {
      recorded.payload = payload;
      recorded.sent = true;
      raw.writableFinished = true;
      return reply;
    },
    hijack() {
      throw new Error('this operation takes over the HTTP response, which an MCP tool call cannot do');
    },
  };
  return { reply: reply as unknown as FastifyReply, recorded };
}
