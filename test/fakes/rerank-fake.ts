/**
 * A local stand-in for a rerank server (the LlamaFarm Universal Runtime, llama.cpp server, vLLM, TEI, Jina,
 * Cohere-style APIs) on a real `node:http` server (127.0.0.1, port 0), speaking the wire format exactly:
 *
 * - `POST /v1/rerank` (and `/rerank`): request `{model, query, documents: string[], top_n?, return_documents?}`;
 *   answer `{object: "list", model, data: [{index, relevance_score, document?}], usage: {total_tokens}}`, best
 *   first (flavor `results` puts the list under `results`, as Cohere/Jina/llama.cpp do). `document` is
 *   `{text}` when `return_documents` is true. A missing or malformed field → 400 `{"error": {message, type}}`.
 * - Unknown routes → 404.
 *
 * Scores act like a cross-encoder's logits: the number of distinct query words (3+ letters) found in the
 * document minus 2, so they can be negative and are unbounded. Replies are scriptable (HTTP status, delay,
 * fixed scores, a malformed body); every request is logged.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RerankFakeBehaviour {
  /** Answer this status with an error body instead of scores. */
  status?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Fixed scores by document index (instead of word overlap). */
  scores?: number[];
  /** Answer 200 with this raw body. */
  rawBody?: string;
}

export interface RerankRequestLog {
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
}

export function overlapScore(query: string, doc: string): number {
  const words = new Set(query.toLowerCase().match(/[a-z0-9]{3,}/g) ?? []);
  const text = doc.toLowerCase();
  let n = 0;
  for (const w of words) if (text.includes(w)) n++;
  return n - 2;
}

export class RerankFake {
  readonly requests: RerankRequestLog[] = [];
  behaviour: RerankFakeBehaviour = {};
  private server?: Server;

  constructor(private readonly flavor: 'data' | 'results' = 'data') {}

  get url(): string {
    const a = this.server?.address() as AddressInfo | null;
    if (!a) throw new Error('RerankFake is not listening');
    return `http://127.0.0.1:${a.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || (path !== '/v1/rerank' && path !== '/rerank')) return this.send(res, 404, { error: { message: `Not found: ${req.method} ${path}`, type: 'not_found' } });
    let body: any;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return this.send(res, 400, { error: { message: 'Invalid JSON body', type: 'invalid_request_error' } });
    }
    this.requests.push({ path, headers: req.headers, body });
    const b = this.behaviour;
    if (b.delayMs) await new Promise((r) => setTimeout(r, b.delayMs));
    if (b.status && b.status !== 200) return this.send(res, b.status, { error: { message: 'reranker exploded', type: 'server_error' } });
    if (b.rawBody !== undefined) return this.send(res, 200, b.rawBody);
    if (typeof body?.query !== 'string' || !Array.isArray(body?.documents) || !body.documents.every((d: unknown) => typeof d === 'string')) {
      return this.send(res, 400, { error: { message: '"query" (string) and "documents" (string[]) are required', type: 'invalid_request_error' } });
    }
    const docs: string[] = body.documents;
    let items = docs.map((doc, index) => ({
      index,
      relevance_score: b.scores?.[index] ?? overlapScore(body.query, doc),
      ...(body.return_documents ? { document: { text: doc } } : {}),
    }));
    items.sort((x, y) => y.relevance_score - x.relevance_score);
    if (Number.isInteger(body.top_n) && body.top_n > 0) items = items.slice(0, body.top_n);
    const usage = { total_tokens: docs.reduce((a, d) => a + Math.ceil(d.length / 4), Math.ceil(body.query.length / 4)) };
    this.send(res, 200, { object: 'list', model: body.model, [this.flavor]: items, usage });
  }
}
