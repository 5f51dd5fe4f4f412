/**
 * `lf worker [--concurrency N] [--data-dir DIR]`: runs queued tasks (dataset processing) from the Redis task
 * backend (LF_TASK_BACKEND=redis://host:port/db) or, with the embedded queue, from the shared Postgres task
 * records (LF_METADATA_URL=postgres://…), with the same ingest code as the server, and no HTTP server.
 * It shares the data dir with the API processes. SIGTERM/SIGINT stop it: running tasks go back to the queue.
 */
import type { Command } from 'commander';
import { usageError } from '../errors.js';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`invalid concurrency '${v}': a positive integer`);
  return n;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run queued tasks from the Redis task backend (LF_TASK_BACKEND=redis://host:port/db) or the Postgres metadata database (LF_METADATA_URL)')
    .option('--concurrency <n>', 'tasks run at once (env LF_TASK_CONCURRENCY, default 1)', positiveInt)
    .option('--data-dir <dir>', 'data directory shared with the API processes (env LF_DATA_DIR)')
    .action(async (opts: { concurrency?: number; dataDir?: string }) => {
      const { taskBackendKind, taskQueueSettingsFromEnv } = await import('../../adapters/queues/registry.js');
      const { loadSettings } = await import('../../core/settings.js');
      const { createContext } = await import('../../services/context.js');
      const { redactRedisUrl } = await import('../../adapters/queues/bullmq-queue.js');
      const { metadataUrlFromEnv } = await import('../../services/metadata.js');
      const { redactPgUrl } = await import('../../storage/postgres.js');
      const queueSettings = taskQueueSettingsFromEnv();
      const metadataUrl = metadataUrlFromEnv();
      const redis = taskBackendKind(queueSettings.backend) === 'redis';
      if (!redis && !metadataUrl) {
        throw usageError(
          'lf worker needs shared task records: set LF_TASK_BACKEND=redis://host:port/db or LF_METADATA_URL=postgres://… (with the default SQLite backend `lf serve` runs tasks itself)',
        );
      }
      const concurrency = opts.concurrency ?? queueSettings.concurrency ?? 1;
      const ctx = await createContext(loadSettings({ dataDir: opts.dataDir }), undefined, { runTasks: true, taskConcurrency: concurrency });
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        if (stopping) return;
        stopping = true;
        ctx.log.info({ signal }, 'worker stopping: running tasks go back to the queue');
        const force = setTimeout(() => process.exit(1), 15_000);
        force.unref();
        ctx.close().then(
          () => process.exit(0),
          (e: unknown) => {
            ctx.log.error({ err: e }, 'error while stopping the worker');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
      process.stdout.write(`LlamaFarm worker ${process.pid} running tasks from ${redis ? redactRedisUrl(queueSettings.backend!) : redactPgUrl(metadataUrl!)} (concurrency ${concurrency})\ndata dir: ${ctx.settings.dataDir}\n`);
    });
}
