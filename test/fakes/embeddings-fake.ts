/**
 * A local stand-in for the embedding servers we cannot run here, speaking their protocols exactly on a real
 * `node:http` server (127.0.0.1, port 0):
 *   Ollama  POST /api/embed      {model, input: string|string[], truncate?, keep_alive?} → {model, embeddings, …}
 *           POST /api/embeddings {model, prompt} → {embedding}                    (legacy, un-normalised vectors)
 *           POST /api/pull       {model, stream?} → {status:"success"} (or NDJSON progress when streaming)
 *   OpenAI  POST /v1/embeddings  {model, input, encoding_format?, dimensions?} → {object:"list", data, model, usage}
 * Vectors are deterministic per (model, text). Switches inject failures: HTTP errors for the next N calls, slow
 * answers, a wrong dimension, ragged/empty/null results; every request is logged.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoggedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export type Fault =
  | { kind: 'status'; status: number; message?: string; retryAfter?: string }
  | { kind: 'dimension'; dimension: number }
  | { kind: 'ragged' }
  | { kind: 'empty' }
  | { kind: 'null-value' }
  | { kind: 'not-json' };

type Protocol = 'ollama' | 'openai';

export class EmbeddingsFake {
  /** Native vector length of every model. */
  dimension = 16;
  /** Delay before every embedding answer (ms). */
  delayMs = 0;
  /** When set, only these models exist (others → Ollama 404 "not found, try pulling it first"); pulls add to it. */
  knownModels: Set<string> | undefined;
  /** Pretend to be an Ollama older than /api/embed (that route answers Gin's plain-text 404). */
  legacyOnly = false;
  /** Texts matching this get an all-zero vector (as some models answer for input they have no tokens for). */
  zeroFor: RegExp | undefined;
  /** When set, /v1 requests need `Authorization: Bearer <apiKey>`. */
  apiKey: string | undefined;
  readonly requests: LoggedRequest[] = [];
  #faults: Fault[] = [];
  #server: Server | undefined;
  #url = '';

  /** Queues `fault` for the next `times` embedding requests (either protocol). */
  inject(fault: Fault, times = 1): this {
    for (let i = 0; i < times; i++) this.#faults.push(fault);
    return this;
  }

  /** Shorthand: the next `times` embedding calls answer HTTP `status`. */
  failNext(times: number, status = 500): this {
    return this.inject({ kind: 'status', status }, times);
  }

  clearFaults(): void {
    this.#faults = [];
  }

  /** Requests to embedding routes (not pulls), optionally one path only. */
  embedRequests(path?: string): LoggedRequest[] {
    return this.requests.filter((r) => (path ? r.path === path : r.path !== '/api/pull'));
  }

  get url(): string {
    if (!this.#url) throw new Error('EmbeddingsFake is not started');
    return this.#url;
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: String(err) });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#server = server;
    this.#url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.#url;
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The vector this fake gives `text` under `model` (unit length, `dimension` long). */
  vectorFor(model: string, text: string, dimension = this.dimension): number[] {
    const out: number[] = [];
    for (let block = 0; out.length < dimension; block++) {
      const digest = createHash('sha256').update(`${model}\u0000${block}\u0000${text}`).digest();
      for (let i = 0; i + 2 <= digest.length && out.length < dimension; i += 2) {
        out.push(digest.readUInt16LE(i) / 32767.5 - 1);
      }
    }
    const norm = Math.hypot(...out) || 1;
    return out.map((x) => x / norm);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    let body: unknown;
    try {
      body = raw.length ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    this.requests.push({ method: req.method ?? '', path, headers: req.headers, body });
    const route = `${req.method} ${path}`;
    if (route === 'POST /api/embed' && !this.legacyOnly) return this.#embed('ollama', body, res, false);
    if (route === 'POST /api/embeddings') return this.#embed('ollama', body, res, true);
    if (route === 'POST /v1/embeddings') return this.#embed('openai', body, res, false);
    if (route === 'POST /api/pull') return this.#pull(body, res);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found');
  }

  async #embed(protocol: Protocol, body: unknown, res: ServerResponse, legacy: boolean): Promise<void> {
    const fault = this.#faults.shift();
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (res.destroyed) return;
    if (fault?.kind === 'status') {
      const message = fault.message ?? `injected failure (HTTP ${fault.status})`;
      const headers = fault.retryAfter ? { 'retry-after': fault.retryAfter } : undefined;
      return sendError(res, protocol, fault.status, message, headers);
    }
    if (fault?.kind === 'not-json') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>gateway says hi</html>');
      return;
    }
    const req = (body ?? {}) as { model?: unknown; input?: unknown; prompt?: unknown; encoding_format?: unknown; dimensions?: unknown };
    const model = req.model;
    if (typeof model !== 'string' || model === '') return sendError(res, protocol, 400, 'model is required');
    if (protocol === 'ollama' && this.knownModels && !this.knownModels.has(model)) {
      return sendError(res, protocol, 404, `model "${model}" not found, try pulling it first`);
    }
    if (protocol === 'openai' && this.apiKey && res.req.headers.authorization !== `Bearer ${this.apiKey}`) {
      return sendJson(res, 401, {
        error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' },
      });
    }
    const inputs = legacy ? [req.prompt] : typeof req.input === 'string' ? [req.input] : req.input;
    if (!Array.isArray(inputs) || inputs.some((t) => typeof t !== 'string')) {
      return sendError(res, protocol, 400, legacy ? 'prompt must be a string' : 'invalid input type');
    }
    let dimension = this.dimension;
    if (protocol === 'openai' && req.dimensions !== undefined) {
      if (typeof req.dimensions !== 'number' || req.dimensions < 1 || req.dimensions > this.dimension) {
        return sendError(res, protocol, 400, `dimensions must be between 1 and ${this.dimension}`);
      }
      dimension = req.dimensions;
    }
    if (fault?.kind === 'dimension') dimension = fault.dimension;
    let vectors = (inputs as string[]).map((t) => (this.zeroFor?.test(t) ? new Array<number>(dimension).fill(0) : this.vectorFor(model, t, dimension)));
    if (legacy) vectors = vectors.map((v) => v.map((x) => x * 3)); // the legacy route does not normalise
    if (fault?.kind === 'empty') vectors = [];
    if (fault?.kind === 'ragged' && vectors.length > 0) vectors[vectors.length - 1] = vectors[vectors.length - 1].slice(1);
    if (fault?.kind === 'null-value' && vectors.length > 0) (vectors[0] as (number | null)[])[0] = null;

    if (legacy) return sendJson(res, 200, { embedding: vectors[0] ?? [] });
    const tokens = (inputs as string[]).reduce((n, t) => n + t.split(/\s+/).filter(Boolean).length, 0);
    if (protocol === 'ollama') {
      return sendJson(res, 200, {
        model,
        embeddings: vectors,
        total_duration: 1_000_000,
        load_duration: 100_000,
        prompt_eval_count: tokens,
      });
    }
    const base64 = req.encoding_format === 'base64';
    sendJson(res, 200, {
      object: 'list',
      data: vectors.map((v, index) => ({
        object: 'embedding',
        index,
        embedding: base64 ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v,
      })),
      model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  #pull(body: unknown, res: ServerResponse): void {
    const req = (body ?? {}) as { model?: unknown; name?: unknown; stream?: unknown };
    const model = typeof req.model === 'string' ? req.model : req.name;
    if (typeof model !== 'string' || model === '') return sendError(res, 'ollama', 400, 'model is required');
    this.knownModels?.add(model);
    if (req.stream === false) return sendJson(res, 200, { status: 'success' });
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    for (const status of ['pulling manifest', 'verifying sha256 digest', 'writing manifest', 'success']) {
      res.write(`${JSON.stringify({ status })}\n`);
    }
    res.end();
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
}

function sendError(res: ServerResponse, protocol: Protocol, status: number, message: string, headers?: Record<string, string>): void {
  const type = status >= 500 ? 'server_error' : 'invalid_request_error';
  const body = protocol === 'ollama' ? { error: message } : { error: { message, type, param: null, code: null } };
  sendJson(res, status, body, headers);
}
