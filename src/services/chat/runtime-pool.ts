/**
 * Runtimes for configured models, kept per model config (creating one is cheap, but keeping it keeps its
 * settings parsed and lets closing the pool free the universal runtime's loaded models).
 */
import { closeRuntimes, createRuntime } from '../../adapters/runtimes/registry.js';
import type { ChatRuntime } from '../../adapters/runtimes/types.js';
import type { ModelConfig } from '../../config/schema.js';
import { modelPathResolver } from '../models-cache/index.js';

export type RuntimeFactory = (model: ModelConfig) => ChatRuntime;

const MAX_RUNTIMES = 64;

export const defaultRuntimeFactory: RuntimeFactory = (model) => createRuntime(model, { resolveModelPath: modelPathResolver() });

export class RuntimePool {
  private readonly runtimes = new Map<string, ChatRuntime>();

  constructor(private readonly factory: RuntimeFactory = defaultRuntimeFactory) {}

  get(model: ModelConfig): ChatRuntime {
    const key = JSON.stringify(model);
    let r = this.runtimes.get(key);
    if (r) {
      // most recently used last
      this.runtimes.delete(key);
      this.runtimes.set(key, r);
      return r;
    }
    r = this.factory(model);
    this.runtimes.set(key, r);
    if (this.runtimes.size > MAX_RUNTIMES) {
      const [oldestKey, oldest] = this.runtimes.entries().next().value as [string, ChatRuntime];
      this.runtimes.delete(oldestKey);
      void oldest.close?.().catch(() => undefined);
    }
    return r;
  }

  async close(): Promise<void> {
    const all = [...this.runtimes.values()];
    this.runtimes.clear();
    await Promise.allSettled(all.map((r) => r.close?.()));
    await closeRuntimes();
  }
}
