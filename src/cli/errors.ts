/**
 * What `lf` exits with, and the errors that carry an exit code:
 * 0 ok · 1 the server answered an error · 2 usage error · 3 server unreachable · 4 a waited task ended in FAILURE.
 */
export const EXIT = {
  ok: 0,
  serverError: 1,
  usage: 2,
  unreachable: 3,
  taskFailed: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error that ends the command with `exitCode`; `message` is printed as one line after `lf: `. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The server answered with an error status; `detail` is its `detail`, flattened to one line. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`${detail} (HTTP ${status})`, EXIT.serverError);
    this.name = 'ApiError';
  }
}

export class UnreachableError extends CliError {
  constructor(readonly serverUrl: string) {
    super(`cannot reach the LlamaFarm server at ${serverUrl} — start it with \`lf serve\``, EXIT.unreachable);
    this.name = 'UnreachableError';
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, EXIT.usage);
}

/** An error body's `detail` as one line: a string as is, FastAPI's 422 list as `loc: msg; …`, else JSON. */
export function detailText(body: unknown, fallback: string): string {
  const detail = body && typeof body === 'object' && 'detail' in body ? (body as { detail: unknown }).detail : undefined;
  let text: string;
  if (typeof detail === 'string') text = detail;
  else if (Array.isArray(detail)) {
    text = detail
      .map((d) => {
        const loc = Array.isArray(d?.loc) ? d.loc.filter((x: unknown) => x !== 'body').join('.') : '';
        const msg = typeof d?.msg === 'string' ? d.msg : JSON.stringify(d);
        return loc ? `${loc}: ${msg}` : msg;
      })
      .join('; ');
  } else if (detail !== undefined) text = JSON.stringify(detail);
  else if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') text = (body as { message: string }).message;
  else text = fallback;
  return text.replace(/\s*\n\s*/g, ' ').trim() || fallback;
}
