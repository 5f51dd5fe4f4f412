/**
 * Maps every failure to `{"detail": ...}` with the registry's status (decision 0002): LfErrors by kind, adapter
 * errors by theirs (decision 0180), request validation to the 422 list form (`[{loc, msg, type}]`), malformed
 * JSON to 422, bodies too large to 413, wrong content types to 415, unknown routes to 404 "Not Found". Never a
 * stack trace in a body.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isLfError } from '../core/errors.js';
import { adapterToLfError, isAdapterError } from '../core/adapter-error.js';
import { installFiniteNumbersCheck } from './finite-numbers.js';
import { validationIssues } from './validation-messages.js';

export { validationIssues };

/** Errors of the multipart parser (busboy) for a body that is not well-formed multipart: the client's fault. */
const MALFORMED_MULTIPART = /^(Multipart: Boundary not found|Boundary required|Unexpected end of multipart data|.* terminated early due to unexpected end of multipart data)$/;

/**
 * Fastify's `frameworkErrors` option: errors the router raises before any route runs (a path parameter longer
 * than `maxParamLength` → 414, a malformed URL → 400), answered as `{detail}` instead of Fastify's own shape.
 */
export function frameworkErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') void reply.code(414).send({ detail: 'URI too long: a path segment exceeds the allowed length' });
  else if (err.code === 'FST_ERR_BAD_URL') void reply.code(400).send({ detail: 'Malformed URL: a path segment is not valid percent-encoding' });
  else void reply.code(err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400).send({ detail: err.message });
}

/**
 * Fastify's `clientErrorHandler` option: errors of the HTTP parser, before a request exists (headers too large
 * → 431, timeouts → 408, anything else → 400), written to the socket as `{detail}` answers.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const detail = status === 431 ? 'Request header fields too large' : status === 408 ? 'Request timeout' : 'Bad request: the HTTP message could not be parsed';
  const body = JSON.stringify({ detail });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

export function installErrorHandling(app: FastifyInstance): void {
  installFiniteNumbersCheck(app);
  app.setNotFoundHandler((_req: FastifyRequest, reply: FastifyReply) => {
    void reply.code(404).send({ detail: 'Not Found' });
  });

  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    // An adapter error no service mapped answers by its kind, naming the adapter (decision 0180).
    const lf = isLfError(err) ? err : isAdapterError(err) ? adapterToLfError(err) : undefined;
    if (lf) {
      if (lf.status >= 500) req.log.error({ err }, lf.message);
      return reply.code(lf.status).send({ detail: lf.detail });
    }
    if (err.validation) return reply.code(422).send({ detail: validationIssues(err) });
    switch (err.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply.code(422).send({ detail: [{ loc: ['body'], msg: err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'Field required' : `JSON decode error: ${err.message}`, type: err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'missing' : 'json_invalid' }] });
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
      case 'FST_REQ_FILE_TOO_LARGE':
      case 'FST_FILES_LIMIT':
        return reply.code(413).send({ detail: 'Payload too large' });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply.code(415).send({ detail: `Unsupported media type: ${req.headers['content-type'] ?? 'none'}` });
    }
    if (MALFORMED_MULTIPART.test(err.message ?? '')) return reply.code(400).send({ detail: `Malformed multipart body: ${err.message}` });
    if (err instanceof SyntaxError) {
      return reply.code(422).send({ detail: [{ loc: ['body'], msg: `JSON decode error: ${err.message}`, type: 'json_invalid' }] });
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send({ detail: err.message });
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ detail: 'Internal Server Error' });
  });
}
