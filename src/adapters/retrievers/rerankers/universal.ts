/**
 * GGUF rerankers run in-process (the `universal` provider) with node-llama-cpp's ranking context. Loaded models
 * are kept per file and shared; one ranking runs at a time per model (the context is not re-entrant).
 * A model that is not a reranker fails here ("Computing rankings is not supported for this model") and the
 * strategy degrades.
 */
import { existsSync } from 'node:fs';
import type { LlamaModel, LlamaRankingContext } from 'node-llama-cpp';
import { getLlama, llamaThreads } from '../../llama/instance.js';
import { KeyedMutex } from '../../../core/mutex.js';
import type { Reranker } from '../types.js';

interface Loaded {
  model: LlamaModel;
  context: LlamaRankingContext;
}

export interface UniversalRerankerPoolOptions {
  /** Turns a configured model name (`org/repo:QUANT`, a path) into a local GGUF path; default: it is a path. */
  resolveModelPath?: (name: string) => Promise<string>;
  /** Context size for the ranking context (default: what the model supports, at most 4096). */
  contextSize?: number;
}

export class UniversalRerankerPool {
  private readonly loaded = new Map<string, Promise<Loaded>>();
  private readonly lock = new KeyedMutex();

  constructor(private readonly o: UniversalRerankerPoolOptions = {}) {}

  private async resolve(name: string): Promise<string> {
    if (this.o.resolveModelPath) return this.o.resolveModelPath(name);
    if (!existsSync(name)) throw new Error(`reranker model file ${name} not found (give a local GGUF path, or download the model first)`);
    return name;
  }

  private load(path: string): Promise<Loaded> {
    let p = this.loaded.get(path);
    if (!p) {
      p = (async () => {
        const llama = await getLlama();
        const model = await llama.loadModel({ modelPath: path });
        try {
          const context = await model.createRankingContext({ threads: llamaThreads(), contextSize: this.o.contextSize ?? { max: 4096 } });
          return { model, context };
        } catch (e) {
          await model.dispose().catch(() => undefined); // best effort cleanup; the load error is rethrown
          throw e;
        }
      })();
      this.loaded.set(path, p);
      p.catch(() => this.loaded.delete(path));
    }
    return p;
  }

  /** A reranker for the configured model name; loading happens on first use. */
  reranker(modelName: string): Reranker {
    return {
      model: modelName,
      rerank: async (query, documents) => {
        if (documents.length === 0) return [];
        const path = await this.resolve(modelName);
        const { context } = await this.load(path);
        const scores = await this.lock.run(path, () => context.rankAll(query, documents, { onOverflow: 'maxChunk' }));
        return scores.map((score, index) => ({ index, score })).sort((a, b) => b.score - a.score);
      },
    };
  }

  async close(): Promise<void> {
    const all = [...this.loaded.values()];
    this.loaded.clear();
    for (const p of all) {
      try {
        const { model, context } = await p;
        await context.dispose();
        await model.dispose();
      } catch {
        /* failed to load: nothing to free */
      }
    }
  }
}
