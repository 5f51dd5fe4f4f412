/**
 * Any OpenAI-compatible `POST /v1/embeddings` server (OpenAI, vLLM, llama.cpp server, LM Studio, Ollama's /v1…),
 * through the official SDK. Retries are ours (the SDK's are switched off) so every remote embedder shares one
 * policy: `timeout`, `max_retries`, `retry_delay`.
 */
import OpenAI from 'openai';
import { configNumber, configString, remoteSettings, type RemoteSettings } from './config.js';
import { HttpAttemptError, withRetries, type RetryPolicy } from './retry.js';
import { EmbedderError, type EmbedOptions, type Embedder, type EmbedderConfig } from './types.js';
import { DimensionGuard } from './vectors.js';
import { outboundFetch } from '../../core/outbound.js';
import { upstreamErrorMessage } from '../../core/upstream-error.js';

const TYPE = 'OpenAIEmbedder';
const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** base_url / api_base, else `OPENAI_BASE_URL`, else OpenAI; a bare `http://host:port` gets `/v1`. */
export function openaiBaseUrl(config: EmbedderConfig, env: Record<string, string | undefined>): string {
  const configured = configString(TYPE, config, ['base_url', 'api_base']) ?? env.OPENAI_BASE_URL?.trim();
  if (!configured) return OPENAI_BASE_URL;
  const url = new URL(configured);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1';
  return url.toString().replace(/\/+$/, '');
}

export class OpenAIEmbedder implements Embedder {
  readonly type = TYPE;
  readonly model: string;
  readonly baseUrl: string;
  readonly batchSize: number;
  readonly #settings: RemoteSettings;
  readonly #guard: DimensionGuard;
  readonly #policy: RetryPolicy;
  readonly #apiKey: string | undefined;
  readonly #organization: string | undefined;
  readonly #requestedDimensions: number | undefined;
  #client: OpenAI | undefined;

  constructor(config: EmbedderConfig, env: Record<string, string | undefined> = process.env) {
    this.model = configString(TYPE, config, ['model', 'model_name']) ?? 'text-embedding-3-small';
    this.baseUrl = openaiBaseUrl(config, env);
    this.#settings = remoteSettings(TYPE, config, 100);
    this.batchSize = this.#settings.batchSize;
    this.#guard = new DimensionGuard(this.upstream, this.#settings.dimension);
    this.#policy = { upstream: this.upstream, ...this.#settings };
    const isOpenAI = this.baseUrl === OPENAI_BASE_URL;
    // Local OpenAI-compatible servers rarely check keys, but the SDK wants one.
    this.#apiKey = configString(TYPE, config, ['api_key']) ?? env.OPENAI_API_KEY ?? (isOpenAI ? undefined : 'no-key');
    this.#organization = configString(TYPE, config, ['organization']);
    this.#requestedDimensions = configNumber(TYPE, config, ['dimensions'], { min: 1, integer: true });
  }

  get upstream(): string {
    return `OpenAI-compatible embeddings at ${this.baseUrl}`;
  }

  get dimension(): number {
    return this.#guard.dimension;
  }

  async embed(texts: string[], o: EmbedOptions = {}): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      const batch = texts.slice(i, i + this.batchSize);
      const data = await withRetries(this.#policy, o.signal, (s) => this.#call(batch, s));
      out.push(...this.#guard.accept(inIndexOrder(data, this.upstream), batch.length));
    }
    return out;
  }

  async #call(batch: string[], signal: AbortSignal): Promise<unknown> {
    try {
      const res = await this.#sdk().embeddings.create(
        {
          model: this.model,
          input: batch,
          encoding_format: 'float',
          ...(this.#requestedDimensions ? { dimensions: this.#requestedDimensions } : {}),
        },
        { signal, timeout: this.#settings.timeoutMs, maxRetries: 0 },
      );
      return (res as { data?: unknown }).data;
    } catch (err) {
      if (err instanceof OpenAI.APIError && typeof err.status === 'number') {
        const s = err.status;
        // Only an OpenAI/Ollama-shaped error message is passed on, never the body (decision 0113).
        const text = upstreamErrorMessage({ error: err.error });
        throw new HttpAttemptError(`HTTP ${s}${text ? `: ${text}` : ''}`, s, s === 408 || s === 429 || s >= 500, text ?? '');
      }
      throw err;
    }
  }

  #sdk(): OpenAI {
    if (!this.#apiKey) {
      throw new EmbedderError(`${this.upstream}: no API key (set api_key in the embedder config or OPENAI_API_KEY)`, this.upstream);
    }
    this.#client ??= new OpenAI({
      apiKey: this.#apiKey,
      baseURL: this.baseUrl,
      organization: this.#organization ?? null,
      maxRetries: 0,
      timeout: this.#settings.timeoutMs,
      fetch: outboundFetch,
    });
    return this.#client;
  }
}

/** `data[]` sorted by `index` (servers may answer out of order); a bad or repeated index is an error. */
function inIndexOrder(data: unknown, upstream: string): unknown[] {
  if (!Array.isArray(data)) throw new EmbedderError(`${upstream} returned no data list`, upstream);
  const out: unknown[] = new Array(data.length);
  const seen = new Set<number>();
  data.forEach((item: { index?: unknown; embedding?: unknown } | null, position) => {
    const index = typeof item?.index === 'number' ? item.index : position;
    if (!Number.isInteger(index) || index < 0 || index >= data.length || seen.has(index)) {
      throw new EmbedderError(`${upstream} returned a bad or repeated index ${String(item?.index)}`, upstream);
    }
    seen.add(index);
    out[index] = item?.embedding;
  });
  return out;
}
