/**
 * GGUF embedding models in-process through node-llama-cpp (the shared `getLlama()`), one text at a time on a
 * context with `llamaThreads()` threads. Texts longer than the context are truncated (like sentence-transformers'
 * max_seq_length), vectors are L2-normalised unless `normalize: false`. One loaded model per file per process,
 * shared by every embedder that names it and released when the last one closes.
 */
import { access } from 'node:fs/promises';
import type { LlamaEmbeddingContext, LlamaModel } from 'node-llama-cpp';
import { getLlama, llamaThreads } from '../llama/instance.js';
import { configBoolean, configNumber, configString } from './config.js';
import { EmbedderError, type EmbedOptions, type Embedder, type EmbedderConfig } from './types.js';
import { DimensionGuard, l2Normalize } from './vectors.js';

const TYPE = 'UniversalEmbedder';
const DEFAULT_MODEL = 'sentence-transformers/all-MiniLM-L6-v2';

interface LoadedModel {
  model: LlamaModel;
  context: LlamaEmbeddingContext;
  contextSize: number;
}

interface CacheEntry {
  key: string;
  refs: number;
  loaded: Promise<LoadedModel>;
}

const loadedModels = new Map<string, CacheEntry>();

async function loadModel(path: string, maxContext: number): Promise<LoadedModel> {
  const llama = await getLlama();
  const model = await llama.loadModel({ modelPath: path });
  try {
    const contextSize = Math.min(maxContext, model.trainContextSize || maxContext);
    const context = await model.createEmbeddingContext({ contextSize, batchSize: contextSize, threads: llamaThreads() });
    return { model, context, contextSize };
  } catch (err) {
    await model.dispose();
    throw err;
  }
}

export class UniversalEmbedder implements Embedder {
  readonly type = TYPE;
  /** The configured name (an HF repo id or a path): what a database records. */
  readonly model: string;
  readonly batchSize: number;
  readonly #guard: DimensionGuard;
  readonly #normalize: boolean;
  readonly #maxContext: number;
  readonly #resolveModelPath: (name: string) => Promise<string>;
  #entry: CacheEntry | undefined;
  #closed = false;

  constructor(config: EmbedderConfig, resolveModelPath?: (name: string) => Promise<string>) {
    this.model = configString(TYPE, config, ['model', 'model_name']) ?? DEFAULT_MODEL;
    this.batchSize = configNumber(TYPE, config, ['batch_size'], { min: 1, integer: true }) ?? 32;
    const dimension = configNumber(TYPE, config, ['dimension', 'embedding_dimension'], { min: 1, integer: true });
    this.#guard = new DimensionGuard(this.#upstream, dimension);
    this.#normalize = configBoolean(TYPE, config, ['normalize', 'normalize_embeddings']) ?? true;
    this.#maxContext = configNumber(TYPE, config, ['context_size', 'max_seq_length'], { min: 8, integer: true }) ?? 2048;
    this.#resolveModelPath = resolveModelPath ?? (async (name) => name);
  }

  get dimension(): number {
    return this.#guard.dimension;
  }

  get #upstream(): string {
    return `${TYPE} (${this.model})`;
  }

  async embed(texts: string[], o: EmbedOptions = {}): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    o.signal?.throwIfAborted();
    const loaded = await this.#load();
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      const raw: Float32Array[] = [];
      for (const text of texts.slice(i, i + this.batchSize)) {
        o.signal?.throwIfAborted();
        raw.push(await this.#embedOne(loaded, text));
      }
      const vectors = this.#guard.accept(raw, raw.length);
      out.push(...(this.#normalize ? vectors.map(l2Normalize) : vectors));
    }
    return out;
  }

  async #embedOne({ model, context, contextSize }: LoadedModel, text: string): Promise<Float32Array> {
    try {
      // Room for the model's own begin/end tokens, and the input must stay strictly shorter than the context.
      const tokens = model.tokenize(text).slice(0, contextSize - 3);
      const { vector } = await context.getEmbeddingFor(tokens);
      // No tokens at all (empty text): the model has nothing to pool; answer its zero vector, not an error.
      return vector.length === 0 ? new Float32Array(model.embeddingVectorSize) : Float32Array.from(vector);
    } catch (err) {
      throw new EmbedderError(`${this.#upstream} failed: ${(err as Error).message}`, this.#upstream);
    }
  }

  async #load(): Promise<LoadedModel> {
    if (this.#closed) throw new EmbedderError(`${this.#upstream} is closed`, this.#upstream);
    if (!this.#entry) {
      const path = await this.#resolvePath();
      this.#entry ??= acquire(`${path}\u0000${this.#maxContext}`, () => loadModel(path, this.#maxContext));
    }
    const entry = this.#entry;
    try {
      return await entry.loaded;
    } catch (err) {
      if (this.#entry === entry) this.#entry = undefined; // the failed entry left the cache: retry next call
      throw new EmbedderError(`${TYPE} could not load ${this.model}: ${(err as Error).message}`, this.#upstream);
    }
  }

  async #resolvePath(): Promise<string> {
    let path: string;
    try {
      path = await this.#resolveModelPath(this.model);
      await access(path);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new EmbedderError(
        `${TYPE}: model ${this.model} is not available locally (${why}); give a .gguf path or a cached model`,
        this.#upstream,
      );
    }
    return path;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const entry = this.#entry;
    this.#entry = undefined;
    if (entry) await release(entry);
  }
}

function acquire(key: string, load: () => Promise<LoadedModel>): CacheEntry {
  let entry = loadedModels.get(key);
  if (!entry) {
    const created: CacheEntry = { key, refs: 0, loaded: load() };
    created.loaded.catch(() => {
      if (loadedModels.get(key) === created) loadedModels.delete(key);
    });
    loadedModels.set(key, created);
    entry = created;
  }
  entry.refs++;
  return entry;
}

async function release(entry: CacheEntry): Promise<void> {
  if (--entry.refs > 0) return;
  if (loadedModels.get(entry.key) === entry) loadedModels.delete(entry.key);
  try {
    const { context, model } = await entry.loaded;
    await context.dispose();
    await model.dispose();
  } catch {
    /* it never loaded */
  }
}
