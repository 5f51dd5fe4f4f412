/**
 * The base of every adapter error (decision 0180). An adapter says what went wrong in its own terms — a `kind`
 * and its own name — and the API translates it in one place (`toLfError`, the error handler's fallback), so an
 * adapter error nobody mapped explicitly still answers with the right status and a detail naming the adapter,
 * never a bare 500. Services may still map an adapter error to a more specific LfError first (a better message,
 * a validation `loc`); those explicit mappings win.
 */
import { LfError, type ErrorKind } from './errors.js';

/**
 * - `config`: the adapter's configuration cannot be used (a bad value, a type this build cannot run) → 400.
 * - `invalid_input`: the request's data cannot be handled (a malformed filter, an unreadable file) → 422.
 * - `mismatch`: the request disagrees with what is stored (vector dimension, embedder identity) → 409.
 * - `unavailable`: a backend the adapter needs cannot be reached or is not running → 503.
 * - `upstream`: a remote server answered with an error or garbage → 502.
 * - `internal`: the adapter itself failed → 500, still naming the adapter and the failure.
 */
export type AdapterErrorKind = 'config' | 'invalid_input' | 'mismatch' | 'unavailable' | 'upstream' | 'internal';

export const ADAPTER_ERROR_KINDS: readonly AdapterErrorKind[] = ['config', 'invalid_input', 'mismatch', 'unavailable', 'upstream', 'internal'];

/** The registry kind (and so the HTTP status) each adapter error kind answers with. */
const REGISTRY_KIND: Record<AdapterErrorKind, ErrorKind> = {
  config: 'bad_request',
  invalid_input: 'validation',
  mismatch: 'conflict',
  unavailable: 'unavailable',
  upstream: 'upstream',
  internal: 'internal',
};

export class AdapterError extends Error {
  constructor(
    readonly kind: AdapterErrorKind,
    /** Who failed, as users know it: `vector store`, `embedder`, a type name such as `ChromaStore`. */
    readonly adapter: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AdapterError';
  }
}

export function isAdapterError(e: unknown): e is AdapterError {
  return e instanceof AdapterError;
}

/** The registry error an adapter error answers with: the kind's status, the adapter named in the detail. */
export function adapterToLfError(e: AdapterError): LfError {
  const named = e.message.toLowerCase().startsWith(e.adapter.toLowerCase()) ? e.message : `${e.adapter}: ${e.message}`;
  const detail = named.charAt(0).toUpperCase() + named.slice(1);
  return new LfError(REGISTRY_KIND[e.kind], detail, { cause: e });
}

/** An LfError as is, an adapter error translated, anything else undefined (an unexpected failure: a 500). */
export function toLfError(e: unknown): LfError | undefined {
  if (e instanceof LfError) return e;
  if (e instanceof AdapterError) return adapterToLfError(e);
  return undefined;
}
