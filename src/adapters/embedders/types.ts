import { AdapterError, type AdapterErrorKind } from '../../core/adapter-error.js';

export interface EmbedOptions {
  signal?: AbortSignal;
}

export interface Embedder {
  /** Config type name, e.g. `HashingEmbedder`. */
  readonly type: string;
  /** Model identity recorded with a database (embedder guard, decision 0005). */
  readonly model: string;
  /** Vector length; may be discovered on first embed for remote models (then 0 until known). */
  readonly dimension: number;
  /** How many texts the embedder sends to its model at once (`batch_size`); `embedAll` uses it by default. */
  readonly batchSize?: number;
  embed(texts: string[], o?: EmbedOptions): Promise<Float32Array[]>;
  close?(): Promise<void>;
}

/** An embedder that stayed down (after bounded retries) or answered garbage. Fails the file; never store zeros. */
export class EmbedderError extends AdapterError {
  /** `kind` is `config` for an unusable embedder config (a wrong type, an unknown embedder type). */
  constructor(message: string, readonly upstream?: string, kind: AdapterErrorKind = 'upstream') {
    super(kind, 'Embedder', message);
    this.name = 'EmbedderError';
  }
}

/** What the factory may need beyond the config (injected by the service layer, defaulted for tests). */
export interface EmbedderContext {
  /** Turns a configured model name into a local GGUF path (HF cache lookup later); default: the name is a path. */
  resolveModelPath?: (name: string) => Promise<string>;
  /** Environment for defaults such as `OLLAMA_HOST` / `OPENAI_API_KEY`; default `process.env`. */
  env?: Record<string, string | undefined>;
}

export type EmbedderConfig = Record<string, unknown>;
