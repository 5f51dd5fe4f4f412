/**
 * Runs the metadata conformance suite on SQLite (the embedded default: replicas are connections to one file in
 * this process) and on Postgres (LF_TEST_PG_URL or a throwaway cluster, one schema per harness; skipped with a
 * reason without PostgreSQL).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after } from 'node:test';
import pino from 'pino';
import { openMetadataDb } from '../../src/storage/sqlite.js';
import { openPgMetadataDb } from '../../src/storage/postgres.js';
import { SqliteSessionStore } from '../../src/services/chat/sessions-sqlite.js';
import { PgSessionStore } from '../../src/services/chat/sessions-postgres.js';
import { SqliteEventStore } from '../../src/services/events-sqlite.js';
import { PgEventStore } from '../../src/services/events-postgres.js';
import { SqliteTaskQueue } from '../../src/adapters/queues/sqlite-queue.js';
import { PostgresTaskQueue } from '../../src/adapters/queues/postgres-queue.js';
import type { TaskQueue } from '../../src/adapters/queues/types.js';
import { tempDir } from '../helpers/tmp.js';
import { crashTaskInChild } from '../helpers/queue-crash.js';
import { needPostgres, startPostgresServer, type PostgresServer } from '../helpers/postgres-server.js';
import { metadataConformance } from './metadata.js';

const log = pino({ level: 'silent' });

metadataConformance('SQLite', async () => {
  const dir = await tempDir('lf-meta-conf-');
  const path = join(dir, 'meta.db');
  return {
    leaseMs: 0,
    async replica() {
      const db = openMetadataDb(path);
      const queues: TaskQueue[] = [];
      return {
        sessions: new SqliteSessionStore(db),
        events: new SqliteEventStore(db),
        async queue(o) {
          const q = new SqliteTaskQueue(db, log, { progressIntervalMs: 0, pollMs: 100, ...o });
          queues.push(q);
          return q;
        },
        async close() {
          for (const q of queues) await q.close();
          db.close();
        },
      };
    },
    crashMidTask: (kind, scope) => crashTaskInChild({ sqlitePath: path }, kind, scope),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

const LEASE_MS = 1500;
let postgres: Promise<PostgresServer> | undefined;
after(async () => {
  if (postgres) await (await postgres).stop();
});

metadataConformance(
  'Postgres',
  async () => {
    const server = await (postgres ??= startPostgresServer());
    const url = await server.freshSchema();
    return {
      leaseMs: LEASE_MS,
      async replica() {
        const db = openPgMetadataDb(url);
        const queues: TaskQueue[] = [];
        return {
          sessions: await PgSessionStore.open(db),
          events: await PgEventStore.open(db),
          async queue(o) {
            const q = await PostgresTaskQueue.open(db, log, { leaseMs: LEASE_MS, progressIntervalMs: 0, ...o });
            queues.push(q);
            return q;
          },
          async close() {
            for (const q of queues) await q.close();
            await db.close();
          },
        };
      },
      crashMidTask: (kind, scope) => crashTaskInChild({ postgresUrl: url, leaseMs: LEASE_MS }, kind, scope),
      cleanup: async () => undefined,
    };
  },
  { skip: needPostgres() },
);
