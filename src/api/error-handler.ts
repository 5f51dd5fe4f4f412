/**
 * Maps every failure to `{"detail": ...}` with the registry's status (decision A2): LfErrors by kind, request
 * validation to the 422 list form (`[{loc, msg, type}]`), malformed JSON to 422, bodies too large to 413, wrong
 * content types to 415, unknown routes to 404 "Not Found". Never a stack trace in a body.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isLfError } from '../core/errors.js';
import { validationIssues } from './validation-messages.js';

export { validationIssues };

export function installErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((_req: FastifyRequest, reply: FastifyReply) => {
    void reply.code(404).send({ detail: 'Not Found' });
  });

  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (isLfError(err)) {
      if (err.status >= 500) req.log.error({ err }, err.message);
      return reply.code(err.status).send({ detail: err.detail });
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
    if (err instanceof SyntaxError) {
      return reply.code(422).send({ detail: [{ loc: ['body'], msg: `JSON decode error: ${err.message}`, type: 'json_invalid' }] });
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send({ detail: err.message });
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ detail: 'Internal Server Error' });
  });
}
