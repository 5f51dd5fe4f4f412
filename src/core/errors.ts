/**
 * The one error registry (decision 0002). Services throw `LfError`s; the API maps `kind` to an HTTP status and
 * answers `{"detail": ...}`. Nothing else decides statuses.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation: 422,
  too_many_requests: 429,
  internal: 500,
  upstream: 502,
  unavailable: 503,
  insufficient_storage: 507,
} as const;

export type ErrorKind = keyof typeof ERROR_STATUS;

/** FastAPI-style validation item: `{loc, msg, type}`. */
export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
  input?: unknown;
}

export class LfError extends Error {
  readonly kind: ErrorKind;
  readonly detail: string | ValidationIssue[];

  constructor(kind: ErrorKind, detail: string | ValidationIssue[], options?: { cause?: unknown }) {
    super(typeof detail === 'string' ? detail : detail.map((d) => `${d.loc.join('.')}: ${d.msg}`).join('; '), options);
    this.name = 'LfError';
    this.kind = kind;
    this.detail = detail;
  }

  get status(): number {
    return ERROR_STATUS[this.kind];
  }
}

export const badRequest = (detail: string) => new LfError('bad_request', detail);
export const notFound = (detail: string) => new LfError('not_found', detail);
export const conflict = (detail: string) => new LfError('conflict', detail);
export const unprocessable = (detail: string | ValidationIssue[]) => new LfError('validation', detail);
export const upstreamError = (detail: string, cause?: unknown) => new LfError('upstream', detail, { cause });
export const unavailable = (detail: string, cause?: unknown) => new LfError('unavailable', detail, { cause });

export function isLfError(e: unknown): e is LfError {
  return e instanceof LfError;
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** The valid names for a message: `a, b, c`, or that there are none yet and where they are configured. */
export function validNames(names: readonly string[], configKey: string): string {
  return names.length ? names.join(', ') : `none (add one under ${configKey})`;
}
