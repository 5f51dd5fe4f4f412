/**
 * Runs `prepareFile` in worker threads (`LF_INGEST_WORKERS`, default 2: one per task the queue runs at once), or in-process when set to 0. Each
 * worker's heap is capped (`LF_INGEST_WORKER_MEMORY_MB`, default 512): a file whose parsing needs more fails
 * alone, with a message naming the limit, instead of taking the server's memory.
 */
export const DEFAULT_INGEST_WORKER_MEMORY_MB = 512;
import { WorkerPool, siblingModule } from '../../core/worker-pool.js';
import type { PreparedFile, PrepareInput } from './prepare.js';

export interface Preparer {
  prepare(input: PrepareInput): Promise<PreparedFile>;
  close(): Promise<void>;
}

export function createPreparer(workers = Number(process.env.LF_INGEST_WORKERS ?? 2)): Preparer {
  if (!Number.isFinite(workers) || workers <= 0) {
    return {
      prepare: async (input) => (await import('./prepare.js')).prepareFile(input),
      close: async () => undefined,
    };
  }
  const heapMb = Number(process.env.LF_INGEST_WORKER_MEMORY_MB || DEFAULT_INGEST_WORKER_MEMORY_MB);
  const pool = new WorkerPool(siblingModule(import.meta.url, 'prepare-worker'), Math.floor(workers), {
    resourceLimits: Number.isFinite(heapMb) && heapMb > 0 ? { maxOldGenerationSizeMb: Math.floor(heapMb) } : undefined,
  });
  return {
    prepare: (input) => pool.run<PreparedFile>('prepareFile', input),
    close: () => pool.close(),
  };
}
