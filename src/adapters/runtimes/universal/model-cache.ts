/**
 * Loaded GGUF models for the `universal` runtime: loaded on first use, kept in an LRU of at most
 * `LF_UNIVERSAL_MAX_MODELS` (default 2) entries, each with its context pool. A model in use is never unloaded;
 * when every entry is busy the cache goes over its limit and shrinks again as requests finish.
 */
import { existsSync } from 'node:fs';
import type { LlamaModel } from 'node-llama-cpp';
import { getLlama } from '../../llama/instance.js';
import { RuntimeError } from '../types.js';
import { abortError } from '../upstream.js';
import { SequencePool } from './sequence-pool.js';
import { raceAbort } from '../../../core/abort.js';

export interface LoadSpec {
  modelPath: string;
  /** Requested context size per sequence; capped by the model's training context. */
  contextSize: number;
  sequences: number;
  threads: number;
  batchSize?: number;
}

export interface LoadedModel {
  readonly key: string;
  readonly modelPath: string;
  readonly model: LlamaModel;
  readonly pool: SequencePool;
  /** The context size each sequence really has. */
  readonly contextSize: number;
}

export interface ModelLease {
  readonly loaded: LoadedModel;
  release(): void;
}

interface Entry {
  key: string;
  loading: Promise<LoadedModel>;
  active: number;
}

export function maxLoadedModels(): number {
  const n = Number(process.env.LF_UNIVERSAL_MAX_MODELS);
  return Number.isInteger(n) && n > 0 ? n : 2;
}

export class LoadedModelCache {
  /** Map order is recency order: the first entry is the least recently used. */
  private readonly entries = new Map<string, Entry>();

  constructor(readonly maxModels: number = maxLoadedModels()) {}

  /** Keys of the loaded (or loading) models, least recently used first. */
  get keys(): string[] {
    return [...this.entries.keys()];
  }

  async lease(spec: LoadSpec, signal: AbortSignal): Promise<ModelLease> {
    if (signal.aborted) throw abortError(signal);
    const key = specKey(spec);
    let entry = this.entries.get(key);
    if (entry) this.entries.delete(key);
    else {
      const created: Entry = { key, loading: load(spec, key), active: 0 };
      // A failed load leaves the cache, so the next request tries again.
      created.loading.catch(() => {
        if (this.entries.get(key) === created) this.entries.delete(key);
      });
      entry = created;
    }
    this.entries.set(key, entry);
    entry.active++;
    this.evict();
    const e = entry;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      e.active--;
      this.evict();
    };
    try {
      const loaded = await raceAbort(e.loading, signal);
      return { loaded, release };
    } catch (err) {
      release();
      throw err;
    }
  }

  /** Unloads every model (shutdown, tests). */
  async dispose(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map(unload));
  }

  private evict(): void {
    for (const [key, e] of this.entries) {
      if (this.entries.size <= this.maxModels) return;
      if (e.active > 0) continue;
      this.entries.delete(key);
      void unload(e);
    }
  }
}

function specKey(s: LoadSpec): string {
  return `${s.modelPath}|ctx=${s.contextSize}|seq=${s.sequences}|threads=${s.threads}|batch=${s.batchSize ?? ''}`;
}

async function load(spec: LoadSpec, key: string): Promise<LoadedModel> {
  const upstream = `universal:${spec.modelPath}`;
  if (!existsSync(spec.modelPath)) throw new RuntimeError(`universal: model file ${spec.modelPath} does not exist`, upstream);
  let model: LlamaModel | undefined;
  try {
    const llama = await getLlama();
    model = await llama.loadModel({ modelPath: spec.modelPath });
    const contextSize = Math.max(16, Math.min(spec.contextSize, model.trainContextSize || spec.contextSize));
    const context = await model.createContext({
      contextSize,
      sequences: spec.sequences,
      threads: spec.threads,
      ...(spec.batchSize ? { batchSize: spec.batchSize } : {}),
    });
    return { key, modelPath: spec.modelPath, model, pool: new SequencePool(context), contextSize: context.contextSize };
  } catch (e) {
    await model?.dispose().catch(() => undefined); // best effort cleanup; the load error below is what matters
    throw new RuntimeError(`universal: cannot load ${spec.modelPath}: ${e instanceof Error ? e.message : String(e)}`, upstream, undefined, { cause: e });
  }
}

async function unload(e: Entry): Promise<void> {
  try {
    const m = await e.loading;
    await m.pool.dispose();
    await m.model.dispose();
  } catch {
    /* a failed load has nothing to free */
  }
}
