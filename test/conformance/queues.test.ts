/**
 * Runs the task queue conformance suite against every backend: the embedded queue on SQLite records and on
 * shared Postgres records (LF_TEST_PG_URL or a throwaway cluster; skipped with a reason without PostgreSQL), and
 * BullMQ on a real redis-server (started here on a free port; skipped with a reason when it is not installed).
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
import { needRedis, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { crashTaskInChild } from '../helpers/queue-crash.js';
import { needPostgres, startPostgresServer, type PostgresServer } from '../helpers/postgres-server.js';
import { openPgMetadataDb } from '../../src/storage/postgres.js';
import { PostgresTaskQueue } from '../../src/adapters/queues/postgres-queue.js';
import { queueConformance } from './queues.js';

const log = pino({ level: 'silent' });

queueConformance('SqliteTaskQueue', async () => {
  const dir = await tempDir('lf-queue-conf-');
  const path = join(dir, 'q.db');
  const db = openMetadataDb(path);
  return {
    open: async (o) => new SqliteTaskQueue(db, log, { progressIntervalMs: 0, ...o }),
    crashMidTask: (kind: string, scope: TaskScope) => crashTaskInChild({ sqlitePath: path }, kind, scope),
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
      crashMidTask: (kind, scope) => crashTaskInChild({ bullmq: { url: server.url, queueName, lockMs: LOCK_MS } }, kind, scope),
      cleanup: async () => undefined,
    };
  },
  { skip: needRedis() },
);

let postgres: Promise<PostgresServer> | undefined;
after(async () => {
  if (postgres) await (await postgres).stop();
});

queueConformance(
  'PostgresTaskQueue (postgres)',
  async () => {
    const server = await (postgres ??= startPostgresServer());
    const url = await server.freshSchema();
    const db = openPgMetadataDb(url);
    return {
      open: (o) => PostgresTaskQueue.open(db, log, { leaseMs: LOCK_MS, progressIntervalMs: 0, ...o }),
      crashMidTask: (kind, scope) => crashTaskInChild({ postgresUrl: url, leaseMs: LOCK_MS }, kind, scope),
      cleanup: () => db.close(),
    };
  },
  { skip: needPostgres() },
);
