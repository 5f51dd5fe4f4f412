/**
 * One node-llama-cpp instance per process, shared by the `universal` chat runtime and `UniversalEmbedder`.
 * Thread count matters a lot on small machines (see ../shared/models/README.md): default threads are
 * `LF_LLAMA_THREADS`, else 1 on machines with <= 2 cores, else half the cores.
 */
import os from 'node:os';
import type { Llama } from 'node-llama-cpp';

let llamaPromise: Promise<Llama> | undefined;

export function llamaThreads(): number {
  const env = Number(process.env.LF_LLAMA_THREADS);
  if (Number.isInteger(env) && env > 0) return env;
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  return cores <= 2 ? 1 : Math.max(1, Math.floor(cores / 2));
}

export async function getLlama(): Promise<Llama> {
  if (!llamaPromise) {
    llamaPromise = (async () => {
      const { getLlama: load, LlamaLogLevel } = await import('node-llama-cpp');
      return load({
        gpu: false,
        build: 'never',
        maxThreads: llamaThreads(),
        logLevel: LlamaLogLevel.error,
      });
    })();
    llamaPromise.catch(() => {
      llamaPromise = undefined;
    });
  }
  return llamaPromise;
}

/** Disposes the shared instance (tests, shutdown). */
export async function disposeLlama(): Promise<void> {
  const p = llamaPromise;
  llamaPromise = undefined;
  if (p) {
    try {
      const llama = await p;
      await llama.dispose();
    } catch {
      /* already gone */
    }
  }
}
