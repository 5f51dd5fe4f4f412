/**
 * What only the BullMQ queue does (the shared behaviour is in test/conformance/queues.ts): retries with backoff
 * shown as RETRY, cancellation delivered to another process's worker, giving up on a task whose workers keep
 * dying, worker counting, a Redis that does not answer, and choosing the backend from LF_TASK_BACKEND.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import pino from 'pino';
import { BullMqTaskQueue, redactRedisUrl, type BullMqQueueOptions } from '../../src/adapters/queues/bullmq-queue.js';
import { taskStateOf } from '../../src/adapters/queues/bullmq-records.js';
import { SqliteTaskQueue } from '../../src/adapters/queues/sqlite-queue.js';
import { createTaskQueue, taskBackendKind, taskQueueSettingsFromEnv } from '../../src/adapters/queues/registry.js';
import { openMetadataDb } from '../../src/storage/sqlite.js';
import { needRedis, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { crashTaskInChild } from '../helpers/queue-crash.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor, waitForState, scope } from '../conformance/queues.js';

const log = pino({ level: 'silent' });

describe('task backend selection', () => {
  test('LF_TASK_BACKEND: unset or sqlite → SQLite, redis:// → BullMQ, anything else is an error', async () => {
    assert.equal(taskBackendKind(undefined), 'sqlite');
    assert.equal(taskBackendKind(''), 'sqlite');
    assert.equal(taskBackendKind('sqlite'), 'sqlite');
    assert.equal(taskBackendKind('redis://127.0.0.1:6379/0'), 'redis');
    assert.equal(taskBackendKind('rediss://h:6380/2'), 'redis');
    assert.throws(() => taskBackendKind('postgres://x'), /LF_TASK_BACKEND must be 'sqlite' or a redis/);
    assert.deepEqual(taskQueueSettingsFromEnv({ LF_TASK_BACKEND: 'redis://h/1', LF_TASK_CONCURRENCY: '3', LF_TASK_LOCK_MS: '5000' }), { backend: 'redis://h/1', concurrency: 3, lockMs: 5000 });
    assert.throws(() => taskQueueSettingsFromEnv({ LF_TASK_CONCURRENCY: 'two' }), /LF_TASK_CONCURRENCY must be a positive integer/);
    const dir = await tempDir();
    const db = openMetadataDb(join(dir, 'q.db'));
    const q = await createTaskQueue({}, db, log);
    assert.ok(q instanceof SqliteTaskQueue);
    assert.equal((q as { service?: unknown }).service, undefined);
    const r = await createTaskQueue({ backend: 'redis://127.0.0.1:1/0' }, db, log);
    assert.ok(r instanceof BullMqTaskQueue);
    assert.equal(r.service?.name, 'redis');
    await r.close();
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('BullMQ job states map to the task states of decision 0008', () => {
    assert.equal(taskStateOf('waiting', 0), 'PENDING');
    assert.equal(taskStateOf('prioritized', 0), 'PENDING');
    assert.equal(taskStateOf('waiting', 1), 'RETRY');
    assert.equal(taskStateOf('delayed', 1), 'RETRY');
    assert.equal(taskStateOf('active', 0), 'STARTED');
    assert.equal(taskStateOf('completed', 1), 'SUCCESS');
    assert.equal(taskStateOf('failed', 3), 'FAILURE');
    assert.equal(taskStateOf('unknown', 0), undefined);
  });

  test('the Redis URL is shown without its password', () => {
    assert.equal(redactRedisUrl('redis://user:secret@h:6379/2'), 'redis://user:***@h:6379/2');
    assert.equal(redactRedisUrl('redis://h:6379/0'), 'redis://h:6379/0');
  });
});

describe('BullMqTaskQueue', { skip: needRedis() }, () => {
  let server: RedisServer | undefined;
  let n = 0;
  const opened: BullMqTaskQueue[] = [];
  after(async () => {
    for (const q of opened) await q.close();
    await server?.stop();
  });
  async function open(o: Partial<BullMqQueueOptions> & { queueName: string }): Promise<BullMqTaskQueue> {
    server ??= await startRedisServer();
    const q = new BullMqTaskQueue({ url: server.url, lockMs: 1500, progressIntervalMs: 0, ...o }, log);
    opened.push(q);
    return q;
  }
  const fresh = () => `unit${process.pid}_${++n}`;

  test('a throwing handler is retried with backoff (RETRY meanwhile) and fails with its last error when attempts run out', async () => {
    const queueName = fresh();
    const q = await open({ queueName, attempts: 3, backoffMs: 300 });
    let calls = 0;
    q.register('flaky', async ({ attempt }) => {
      calls++;
      if (attempt < 3) throw new Error(`flaky ${attempt}`);
      return { attempt };
    });
    q.register('broken', async ({ attempt }) => {
      throw new Error(`broken ${attempt}`);
    });
    await q.start();
    const flaky = await q.enqueue('flaky', {}, scope);
    const retry = await waitForState(q, flaky, ['RETRY']);
    assert.match(retry.error ?? '', /^flaky [12]$/);
    const ok = await waitForState(q, flaky, ['SUCCESS', 'FAILURE']);
    assert.equal(ok.state, 'SUCCESS');
    assert.deepEqual(ok.result, { attempt: 3 });
    assert.equal(ok.attempts, 3);
    assert.equal(calls, 3);
    const broken = await q.enqueue('broken', {}, scope);
    const failed = await waitForState(q, broken, ['SUCCESS', 'FAILURE']);
    assert.equal(failed.state, 'FAILURE');
    assert.equal(failed.error, 'broken 3');
  });

  test('cancelWhere from a process that runs no tasks stops the task running in a worker process', async () => {
    const queueName = fresh();
    const api = await open({ queueName });
    const worker = await open({ queueName });
    let stopped = false;
    worker.register('long', ({ signal, progress }) => new Promise((_, reject) => {
      progress({ stage: 'embed' }, true);
      signal.addEventListener('abort', () => setTimeout(() => {
        stopped = true;
        reject(signal.reason as Error);
      }, 100));
    }));
    await worker.start();
    const id = await api.enqueue('long', {}, scope);
    await waitFor(async () => (await api.get(id))?.meta?.stage === 'embed', 'running');
    assert.equal(await api.cancelWhere({ namespace: 'ns', project: 'p' }, 'cancelled: project p was deleted'), 1);
    assert.equal(stopped, true, 'the worker had stopped the task before cancelWhere returned');
    const t = await api.get(id);
    assert.equal(t?.state, 'FAILURE');
    assert.equal(t?.cancelled, true);
    assert.equal(t?.error, 'cancelled: project p was deleted');
    assert.deepEqual(t?.meta, { stage: 'embed' });
    assert.deepEqual(await api.stats(), { pending: 0, running: 0, workers: 1 });
  });

  test('a task cancelled while queued is never run, even by a worker that starts later', async () => {
    const queueName = fresh();
    const api = await open({ queueName });
    const id = await api.enqueue('w', {}, scope);
    assert.equal(await api.cancelWhere({ namespace: 'ns', project: 'p', dataset: 'd' }, 'cancelled: dataset d was deleted'), 1);
    const worker = await open({ queueName });
    let ran = false;
    worker.register('w', async () => {
      ran = true;
      return {};
    });
    await worker.start();
    const marker = await api.enqueue('w', {}, { ...scope, dataset: 'other' });
    await waitForState(api, marker, ['SUCCESS']);
    const t = await api.get(id);
    assert.equal(t?.state, 'FAILURE');
    assert.equal(t?.cancelled, true);
    assert.equal(ran, true, 'the marker task ran');
    assert.equal((await api.stats()).pending, 0);
  });

  test('a task whose workers keep dying fails once it stalled more than maxStalls times', async () => {
    const queueName = fresh();
    const id = await crashTaskInChild({ bullmq: { url: (server ??= await startRedisServer()).url, queueName, lockMs: 1500 } }, 'work', scope);
    const q = await open({ queueName, maxStalls: 0 });
    let ran = false;
    q.register('work', async () => {
      ran = true;
      return {};
    });
    await q.start();
    const t = await waitForState(q, id, ['SUCCESS', 'FAILURE'], 30_000);
    assert.equal(t.state, 'FAILURE');
    assert.match(t.error ?? '', /stalled/);
    assert.equal(ran, false);
  });

  test('workers are counted across processes and disappear when they close', async () => {
    const queueName = fresh();
    const api = await open({ queueName });
    assert.equal((await api.stats()).workers, 0);
    const a = await open({ queueName, concurrency: 2 });
    const b = await open({ queueName });
    await a.start();
    await b.start();
    assert.equal((await api.stats()).workers, 2);
    await a.close();
    await waitFor(async () => (await api.stats()).workers === 1, 'one worker left');
    assert.match(await api.service.ping(), /Redis at redis:\/\/127\.0\.0\.1:\d+\/0 answering/);
  });

  test('a Redis that does not answer makes ping and enqueue fail instead of hanging', async () => {
    server ??= await startRedisServer();
    const dead = await startRedisServer();
    const url = dead.url;
    await dead.stop();
    const q = new BullMqTaskQueue({ url, queueName: fresh() }, log);
    const t0 = Date.now();
    await assert.rejects(q.service.ping());
    await assert.rejects(q.enqueue('w', {}, scope));
    assert.ok(Date.now() - t0 < 30_000);
    await q.close();
  });
});
