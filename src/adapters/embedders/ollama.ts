/**
 * Ollama's native embedding API: `POST /api/embed {model, input: string[]}` → `{embeddings: number[][]}`, batched
 * by `batch_size`. Falls back to the legacy one-text `POST /api/embeddings` on servers older than /api/embed, and
 * pulls a missing model first when `auto_pull` (default true), like the original.
 */
import { configBoolean, configNumber, configString, remoteSettings, type RemoteSettings } from './config.js';
import { HttpAttemptError, postJson, withRetries, type RetryPolicy } from './retry.js';
import { EmbedderError, type EmbedOptions, type Embedder, type EmbedderConfig } from './types.js';
import { DimensionGuard, l2Normalize } from './vectors.js';

const TYPE = 'OllamaEmbedder';
const DEFAULT_HOST = 'http://localhost:11434';

/** base_url / api_base, else `OLLAMA_HOST` (Ollama's own `host[:port]` form too), else localhost:11434. */
export function ollamaBaseUrl(config: EmbedderConfig, env: Record<string, string | undefined>): string {
  const configured = configString(TYPE, config, ['base_url', 'api_base']);
  if (configured) return configured.replace(/\/+$/, '').replace(/\/(v1|api)$/, '');
  const host = env.OLLAMA_HOST?.trim();
  if (!host) return DEFAULT_HOST;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(host) ? host : `http://${host}`;
  const url = new URL(withScheme);
  if (!url.port && !/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) url.port = '11434';
  return url.toString().replace(/\/+$/, '');
}

/** The server has no /api/embed route (Ollama before 0.3): use /api/embeddings. */
class EmbedRouteMissing extends EmbedderError {}

export class OllamaEmbedder implements Embedder {
  readonly type = TYPE;
  readonly model: string;
  readonly baseUrl: string;
  readonly batchSize: number;
  readonly #settings: RemoteSettings;
  readonly #guard: DimensionGuard;
  readonly #policy: RetryPolicy;
  readonly #autoPull: boolean;
  readonly #pullTimeoutMs: number;
  readonly #truncate: boolean;
  readonly #keepAlive: string | number | undefined;
  #legacyApi = false;
  #pulled = false;

  constructor(config: EmbedderConfig, env: Record<string, string | undefined> = process.env) {
    this.model = configString(TYPE, config, ['model', 'model_name']) ?? 'nomic-embed-text';
    this.baseUrl = ollamaBaseUrl(config, env);
    this.#settings = remoteSettings(TYPE, config, 16);
    this.batchSize = this.#settings.batchSize;
    this.#guard = new DimensionGuard(this.upstream, this.#settings.dimension);
    this.#policy = { upstream: this.upstream, ...this.#settings };
    this.#autoPull = configBoolean(TYPE, config, ['auto_pull']) ?? true;
    this.#pullTimeoutMs = (configNumber(TYPE, config, ['pull_timeout'], { min: 1 }) ?? 600) * 1000;
    this.#truncate = configBoolean(TYPE, config, ['truncate']) ?? true;
    const keepAlive = config.keep_alive;
    this.#keepAlive = typeof keepAlive === 'string' || typeof keepAlive === 'number' ? keepAlive : undefined;
  }

  get upstream(): string {
    return `Ollama at ${this.baseUrl}`;
  }

  get dimension(): number {
    return this.#guard.dimension;
  }

  async embed(texts: string[], o: EmbedOptions = {}): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      const batch = texts.slice(i, i + this.batchSize);
      out.push(...(await this.#embedBatch(batch, o.signal)));
    }
    return out;
  }

  async #embedBatch(batch: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (!this.#legacyApi) {
      try {
        const body = await withRetries(this.#policy, signal, (s) => this.#callEmbed(batch, s, signal));
        return this.#guard.accept((body as { embeddings?: unknown } | null)?.embeddings, batch.length);
      } catch (err) {
        if (!(err instanceof EmbedRouteMissing)) throw err;
        this.#legacyApi = true;
      }
    }
    const vectors: unknown[] = [];
    for (const prompt of batch) {
      const body = await withRetries(this.#policy, signal, (s) =>
        postJson(`${this.baseUrl}/api/embeddings`, this.#withOptions({ model: this.model, prompt }), {
          signal: s,
          upstream: this.upstream,
        }),
      );
      vectors.push((body as { embedding?: unknown } | null)?.embedding);
    }
    // The legacy endpoint answers raw vectors; /api/embed answers unit vectors. Keep one behaviour.
    return this.#guard.accept(vectors, batch.length).map(l2Normalize);
  }

  async #callEmbed(batch: string[], s: AbortSignal, callerSignal?: AbortSignal): Promise<unknown> {
    const request = () =>
      postJson(
        `${this.baseUrl}/api/embed`,
        this.#withOptions({ model: this.model, input: batch, truncate: this.#truncate }),
        { signal: s, upstream: this.upstream },
      );
    try {
      return await request();
    } catch (err) {
      if (!(err instanceof HttpAttemptError) || err.status !== 404) throw err;
      if (!/model\b.*\bnot found/i.test(err.serverMessage)) {
        throw new EmbedRouteMissing(`${this.upstream} has no /api/embed`, this.upstream);
      }
      if (!this.#autoPull || this.#pulled) {
        throw new EmbedderError(`${this.upstream}: ${err.serverMessage} (pull it with \`ollama pull ${this.model}\`)`, this.upstream);
      }
      await this.#pull(callerSignal);
      return request();
    }
  }

  async #pull(signal?: AbortSignal): Promise<void> {
    const timeout = AbortSignal.timeout(this.#pullTimeoutMs);
    try {
      const body = await postJson(
        `${this.baseUrl}/api/pull`,
        { model: this.model, stream: false },
        { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, upstream: this.upstream },
      );
      const status = (body as { status?: unknown } | null)?.status;
      if (status !== 'success') throw new Error(`pull answered status ${JSON.stringify(status)}`);
      this.#pulled = true;
    } catch (err) {
      signal?.throwIfAborted();
      const why = timeout.aborted ? `no answer within ${this.#pullTimeoutMs / 1000}s` : (err as Error).message;
      throw new EmbedderError(`${this.upstream}: model ${this.model} is missing and pulling it failed: ${why}`, this.upstream);
    }
  }

  #withOptions(body: Record<string, unknown>): Record<string, unknown> {
    return this.#keepAlive === undefined ? body : { ...body, keep_alive: this.#keepAlive };
  }
}
