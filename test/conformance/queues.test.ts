/**
 * Runs the task queue conformance suite against both backends: the embedded SQLite queue and BullMQ on a real
 * redis-server (started here on a free port; skipped with a reason when redis-server is not installed).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after } from 'node:test';
import pino from 'pino';
import { openMetadataDb } from '../../src/storage/sqlite.js';
import { SqliteTaskQueue } from '../../src/adapters/queues/sqlite-queue.js';
import { BullMqTaskQueue } from '../../src/adapters/queues/bullmq-queue.js';
import type { TaskScope } from '../../src/adapters/queues/types.js';
import { tempDir } from '../helpers/tmp.js';
import { crashTaskInChild, needRedis, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { queueConformance, waitForState } from './queues.js';

const log = pino({ level: 'silent' });

queueConformance('SqliteTaskQueue', async () => {
  const dir = await tempDir('lf-queue-conf-');
  const path = join(dir, 'q.db');
  const db = openMetadataDb(path);
  return {
    open: async (o) => new SqliteTaskQueue(db, log, { progressIntervalMs: 0, ...o }),
    async crashMidTask(kind: string, scope: TaskScope) {
      const own = openMetadataDb(path);
      const q = new SqliteTaskQueue(own, log);
      q.register(kind, () => new Promise(() => undefined));
      await q.start();
      const id = await q.enqueue(kind, {}, scope);
      await waitForState(q, id, ['STARTED']);
      own.close(); // the process dies: no close(), the record stays STARTED
      return id;
    },
    async cleanup() {
      db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

// Short locks so a dead worker's task is picked up within a couple of seconds.
const LOCK_MS = 1500;
let redis: Promise<RedisServer> | undefined;
let harnesses = 0;
after(async () => {
  if (redis) await (await redis).stop();
});

queueConformance(
  'BullMqTaskQueue (redis-server)',
  async () => {
    const server = await (redis ??= startRedisServer());
    const queueName = `conf${process.pid}_${++harnesses}`;
    return {
      open: async (o) => new BullMqTaskQueue({ url: server.url, queueName, lockMs: LOCK_MS, progressIntervalMs: 0, backoffMs: 50, ...o }, log),
      crashMidTask: (kind, scope) => crashTaskInChild({ url: server.url, queueName, lockMs: LOCK_MS }, kind, scope),
      cleanup: async () => undefined,
    };
  },
  { skip: needRedis() },
);
