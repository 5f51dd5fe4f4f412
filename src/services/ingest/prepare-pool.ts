/** Runs `prepareFile` in worker threads (`LF_INGEST_WORKERS`, default 1), or in-process when set to 0. */
import { WorkerPool, siblingModule } from '../../core/worker-pool.js';
import type { PreparedFile, PrepareInput } from './prepare.js';

export interface Preparer {
  prepare(input: PrepareInput): Promise<PreparedFile>;
  close(): Promise<void>;
}

export function createPreparer(workers = Number(process.env.LF_INGEST_WORKERS ?? 1)): Preparer {
  if (!Number.isFinite(workers) || workers <= 0) {
    return {
      prepare: async (input) => (await import('./prepare.js')).prepareFile(input),
      close: async () => undefined,
    };
  }
  const pool = new WorkerPool(siblingModule(import.meta.url, 'prepare-worker'), Math.floor(workers));
  return {
    prepare: (input) => pool.run<PreparedFile>('prepareFile', input),
    close: () => pool.close(),
  };
}
