/**
 * Calling a remote embedding server: a per-request timeout, bounded retries with exponential backoff (decision 0005),
 * and errors that name the upstream. A caller's abort is passed through as-is (it is a cancellation, not a failure).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { EmbedderError } from './types.js';
import { outboundFetch } from '../../core/outbound.js';
import { upstreamErrorMessage } from '../../core/upstream-error.js';
import { AdapterError } from '../../core/adapter-error.js';

export interface RetryPolicy {
  /** Names the server in errors, e.g. `Ollama at http://localhost:11434`. */
  upstream: string;
  maxRetries: number;
  retryDelayMs: number;
  timeoutMs: number;
}

/** A failed HTTP attempt: `retryable` for network trouble, 408, 429 and 5xx. */
export class HttpAttemptError extends AdapterError {
  constructor(
    message: string,
    readonly status: number,
    readonly retryable: boolean,
    /** The server's short error message (OpenAI/Ollama shape only; else empty), for callers that branch on it. */
    readonly serverMessage: string,
    readonly retryAfterMs?: number,
  ) {
    super('upstream', 'Embedder', message);
    this.name = 'HttpAttemptError';
  }
}

const MAX_BACKOFF_MS = 8000;
const MAX_RETRY_AFTER_MS = 30_000;

/** Runs `attempt` until it succeeds, fails for good, or `maxRetries` retries are used up (then EmbedderError). */
export async function withRetries<T>(
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  attempt: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  let lastMessage = '';
  for (let n = 0; n <= policy.maxRetries; n++) {
    signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(policy.timeoutMs);
    const attemptSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let retryAfterMs: number | undefined;
    try {
      return await attempt(attemptSignal);
    } catch (err) {
      signal?.throwIfAborted();
      if (err instanceof EmbedderError) throw err;
      if (timeout.aborted) {
        lastMessage = `no answer within ${policy.timeoutMs / 1000}s`;
      } else if (err instanceof HttpAttemptError) {
        if (!err.retryable) throw new EmbedderError(`${policy.upstream}: ${err.message}`, policy.upstream);
        lastMessage = err.message;
        retryAfterMs = err.retryAfterMs;
      } else {
        lastMessage = describeNetworkError(err);
      }
    }
    if (n < policy.maxRetries) await sleep(backoffMs(policy.retryDelayMs, n, retryAfterMs), undefined, { signal });
  }
  const attempts = policy.maxRetries + 1;
  throw new EmbedderError(
    `${policy.upstream} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${lastMessage}`,
    policy.upstream,
  );
}

/** Exponential backoff with a little jitter; a server's Retry-After wins when it is reasonable. */
export function backoffMs(baseMs: number, retryIndex: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0 && retryAfterMs <= MAX_RETRY_AFTER_MS) return retryAfterMs;
  const exp = Math.min(baseMs * 2 ** retryIndex, MAX_BACKOFF_MS);
  return exp * (0.8 + Math.random() * 0.2);
}

/** POSTs JSON and parses the JSON answer; non-2xx → HttpAttemptError, a non-JSON 2xx → EmbedderError. */
export async function postJson(
  url: string,
  body: unknown,
  o: { signal: AbortSignal; headers?: Record<string, string>; upstream: string },
): Promise<unknown> {
  const res = await outboundFetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...o.headers },
    body: JSON.stringify(body),
    signal: o.signal,
  });
  const text = await res.text();
  if (!res.ok) {
    // Only an OpenAI/Ollama-shaped error message is passed on (decision 0113).
    const serverMessage = upstreamErrorMessage(text);
    const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
    throw new HttpAttemptError(
      `HTTP ${res.status}${serverMessage ? `: ${serverMessage}` : ''}`,
      res.status,
      retryable,
      serverMessage ?? '',
      retryAfter(res.headers.get('retry-after')),
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new EmbedderError(`${o.upstream} answered ${url} with something that is not JSON`, o.upstream);
  }
}

function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return `${err.message} (${typeof code === 'string' ? code : cause.message})`;
  }
  return err.message;
}
