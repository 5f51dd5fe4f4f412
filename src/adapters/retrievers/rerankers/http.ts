/**
 * A reranker behind an HTTP `/rerank` endpoint (the Universal Runtime, llama.cpp server, vLLM, TEI, Jina and
 * Cohere-style APIs): `POST {base}/v1/rerank` (`/v1` added unless the base URL ends with it) with
 * `{model, query, documents, return_documents: false}`; the answer lists `{index, relevance_score}` under
 * `data` or `results`.
 */
import type { Reranker } from '../types.js';
import { outboundFetch } from '../../../core/outbound.js';
import { upstreamErrorMessage } from '../../../core/upstream-error.js';

export interface HttpRerankerOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Per-request timeout in ms (default 60 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function rerankUrl(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return base.endsWith('/v1') ? `${base}/rerank` : `${base}/v1/rerank`;
}

interface RerankItem {
  index?: unknown;
  relevance_score?: unknown;
  score?: unknown;
}

export class HttpReranker implements Reranker {
  readonly model: string;
  private readonly url: string;

  constructor(private readonly o: HttpRerankerOptions) {
    this.model = o.model;
    this.url = rerankUrl(o.baseUrl);
  }

  async rerank(query: string, documents: string[], opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<{ index: number; score: number }[]> {
    if (documents.length === 0) return [];
    const timeoutMs = opts.timeoutMs ?? this.o.timeoutMs ?? 60_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await (this.o.fetch ?? outboundFetch)(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.o.apiKey ? { authorization: `Bearer ${this.o.apiKey}` } : {}) },
        body: JSON.stringify({ model: this.o.model, query, documents, return_documents: false }),
        signal,
      });
    } catch (e) {
      const reason = timeout.aborted ? `timed out after ${timeoutMs} ms` : (e as Error).message;
      throw new Error(`reranker at ${this.url} unreachable: ${reason}`);
    }
    const text = await res.text();
    if (!res.ok) {
      // Only an OpenAI/Ollama-shaped error message is passed on, never the body (decision 0113).
      const message = upstreamErrorMessage(text);
      throw new Error(`reranker at ${this.url} answered ${res.status}${message ? `: ${message}` : ''}`);
    }
    let body: { data?: RerankItem[]; results?: RerankItem[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new Error(`reranker at ${this.url} answered something that is not JSON`);
    }
    const items = Array.isArray(body.data) ? body.data : Array.isArray(body.results) ? body.results : undefined;
    if (!items) throw new Error(`reranker at ${this.url} answered without a "data" or "results" list`);
    const out: { index: number; score: number }[] = [];
    for (const item of items) {
      const score = typeof item.relevance_score === 'number' ? item.relevance_score : item.score;
      if (typeof item.index !== 'number' || !Number.isInteger(item.index) || item.index < 0 || item.index >= documents.length || typeof score !== 'number' || !Number.isFinite(score)) {
        throw new Error(`reranker at ${this.url} answered an invalid item (an index within the documents and a finite score are needed)`);
      }
      out.push({ index: item.index, score });
    }
    return out.sort((a, b) => b.score - a.score);
  }
}
