/**
 * A process dying mid-task, for every queue backend (SQLite or Postgres task records, BullMQ on Redis): a child
 * process opens a queue on the target, runs one never-ending task of `kind`, and is SIGKILLed once the task is
 * STARTED — no close(), no cleanup. Resolves with the task id.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { TaskScope } from '../../src/adapters/queues/types.js';
import type { BullMqQueueOptions } from '../../src/adapters/queues/bullmq-queue.js';
import { REPO_ROOT } from './shared.js';

export type CrashTarget = { sqlitePath: string } | { postgresUrl: string; leaseMs: number } | { bullmq: BullMqQueueOptions };

function openQueueCode(t: CrashTarget): string {
  const src = (p: string) => JSON.stringify(join(REPO_ROOT, p));
  if ('bullmq' in t) {
    return `
      const { BullMqTaskQueue } = await import(${src('src/adapters/queues/bullmq-queue.ts')});
      const q = new BullMqTaskQueue(${JSON.stringify(t.bullmq)}, log);`;
  }
  if ('sqlitePath' in t) {
    return `
      const { openMetadataDb } = await import(${src('src/storage/sqlite.ts')});
      const { SqliteTaskQueue } = await import(${src('src/adapters/queues/sqlite-queue.ts')});
      const q = new SqliteTaskQueue(openMetadataDb(${JSON.stringify(t.sqlitePath)}), log);`;
  }
  return `
    const { openPgMetadataDb } = await import(${src('src/storage/postgres.ts')});
    const { PostgresTaskQueue } = await import(${src('src/adapters/queues/postgres-queue.ts')});
    const q = await PostgresTaskQueue.open(openPgMetadataDb(${JSON.stringify(t.postgresUrl)}), log, { leaseMs: ${t.leaseMs} });`;
}

export async function crashTaskInChild(target: CrashTarget, kind: string, scope: TaskScope): Promise<string> {
  const code = `
    const { default: pino } = await import('pino');
    const log = pino({ level: 'silent' });
    ${openQueueCode(target)}
    q.register(${JSON.stringify(kind)}, () => new Promise(() => {}));
    await q.start();
    const id = await q.enqueue(${JSON.stringify(kind)}, {}, ${JSON.stringify(scope)});
    for (;;) {
      if ((await q.get(id))?.state === 'STARTED') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    process.stdout.write('STARTED ' + id + '\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child never started its task: ${out} ${err}`)), 30_000);
      child.stdout!.on('data', (d) => {
        out += d;
        const m = /STARTED (\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.once('exit', (c) => {
        clearTimeout(timer);
        reject(new Error(`child exited (${c}): ${out} ${err}`));
      });
    });
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}
