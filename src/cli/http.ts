/**
 * The HTTP client of `lf`: JSON requests to the LlamaFarm server, with server errors turned into `ApiError`
 * (exit 1, the body's `detail` in one line) and connection failures into `UnreachableError` (exit 3).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { ApiError, CliError, EXIT, UnreachableError, detailText, usageError } from './errors.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:8000';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  /** A JSON body (serialised here). */
  json?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** `--server`, else `LF_SERVER`, else the default; a URL that does not parse is a usage error. */
export function resolveServerUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const raw = flag ?? env.LF_SERVER ?? DEFAULT_SERVER;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`invalid server URL '${raw}' (expected e.g. ${DEFAULT_SERVER})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`invalid server URL '${raw}': use http:// or https://`);
  return url.href.replace(/\/+$/, '');
}

/** `/v1/projects/{ns}/{p}/...rest` with every segment URL-encoded. */
export function projectPath(namespace: string, project: string, ...rest: string[]): string {
  return ['/v1/projects', namespace, project, ...rest].map((s, i) => (i === 0 ? s : encodeURIComponent(s))).join('/');
}

/** Socket errors that mean nobody answers at the server's address. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** An error response as an `ApiError` carrying the body's `detail`. */
export function apiError(status: number, statusText: string, text: string): ApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const detail = detailText(parsed, text.trim().slice(0, 300) || statusText || 'request failed');
  return new ApiError(status, status === 401 ? `${detail} — set LF_API_KEY or pass --api-key` : detail);
}

function isAbort(e: unknown): boolean {
  return e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError');
}

export class LfClient {
  constructor(
    readonly baseUrl: string,
    private readonly userAgent = 'lf',
    /** Sent as `Authorization: Bearer` when set (`--api-key` or `LF_API_KEY`). */
    private readonly apiKey?: string,
  ) {}

  /** The headers every request carries. */
  private baseHeaders(): Record<string, string> {
    return this.apiKey ? { 'user-agent': this.userAgent, authorization: `Bearer ${this.apiKey}` } : { 'user-agent': this.userAgent };
  }

  url(path: string, query?: Query): string {
    const u = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.href;
  }

  /** A failed connection: unreachable (exit 3) when nobody answers at the address, else a broken exchange (exit 1). */
  private connectionError(e: unknown): CliError {
    const err = e as Error & { code?: string; cause?: { code?: string; message?: string } };
    const code = err.code ?? err.cause?.code ?? '';
    if (UNREACHABLE_CODES.has(code) || !code) return new UnreachableError(this.baseUrl);
    return new CliError(`the connection to ${this.baseUrl} broke off (${err.cause?.message ?? err.message})`, EXIT.serverError);
  }

  /** The raw response of a successful request (status < 400); the caller reads or cancels its body. */
  async send(method: string, path: string, o: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...this.baseHeaders(), ...o.headers };
    let body: string | undefined;
    if (o.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(o.json);
    }
    let res: Response;
    try {
      const init: RequestInit = { method, headers, body, signal: o.signal };
      res = await fetch(this.url(path, o.query), init);
    } catch (e) {
      if (isAbort(e)) throw e;
      throw this.connectionError(e);
    }
    if (res.status >= 400) throw apiError(res.status, res.statusText, await res.text().catch(() => ''));
    return res;
  }

  /**
   * POSTs a streamed body and returns the JSON answer. This uses node:http rather than fetch because Node 20's
   * fetch keeps every byte of a streamed request body in memory until the request ends (a 300 MB upload grew the
   * process by 300 MB; node:http stays flat). An answer that comes before the body is sent (413) still counts.
   */
  async upload<T = any>(path: string, body: ReadableStream<Uint8Array>, contentType: string): Promise<T> {
    const url = new URL(this.url(path));
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const { status, statusText, text } = await new Promise<{ status: number; statusText: string; text: string }>((resolve, reject) => {
      let answered = false;
      const req = request(url, { method: 'POST', headers: { ...this.baseHeaders(), 'content-type': contentType } }, (res: IncomingMessage) => {
        answered = true;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', text }));
        res.on('error', reject);
      });
      req.on('error', (e) => {
        if (!answered) reject(this.connectionError(e));
      });
      const source = Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
      source.on('error', (e) => req.destroy(e));
      source.pipe(req);
    });
    if (status >= 400) throw apiError(status, statusText, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async request<T = any>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, o);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T = any>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  post<T = any>(path: string, json?: unknown, o: Omit<RequestOptions, 'json'> = {}): Promise<T> {
    return this.request<T>('POST', path, { ...o, json });
  }

  delete<T = any>(path: string, query?: Query): Promise<T> {
    return this.request<T>('DELETE', path, { query });
  }
}
