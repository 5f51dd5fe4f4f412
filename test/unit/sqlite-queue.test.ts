import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import pino from 'pino';
import { openMetadataDb } from '../../src/storage/sqlite.js';
import { SqliteTaskQueue } from '../../src/adapters/queues/sqlite-queue.js';
import { TaskFailure } from '../../src/adapters/queues/types.js';
import { tempDir } from '../helpers/tmp.js';

const log = pino({ level: 'silent' });
const scope = { namespace: 'ns', project: 'p', dataset: 'd' };

async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, ms = 10_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('SqliteTaskQueue', () => {
  test('runs tasks to SUCCESS with progress and result; failures are FAILURE with the error', async () => {
    const dir = await tempDir();
    const db = openMetadataDb(join(dir, 'q.db'));
    const q = new SqliteTaskQueue(db, log, { progressIntervalMs: 0 });
    let seenMeta: unknown;
    q.register('ok', async ({ progress, payload }) => {
      progress({ current: 1, total: 2, stage: 'parse' }, true);
      seenMeta = (await q.get(String(payload.self)))?.meta;
      return { done: true };
    });
    q.register('bad', async () => {
      throw new Error('boom');
    });
    q.register('partial', async () => {
      throw new TaskFailure('2 of 2 files failed', { failed_files: 2 });
    });
    await q.start();
    const id = await q.enqueue('ok', {}, scope);
    await db.prepare('UPDATE tasks SET payload = ? WHERE id = ?').run(JSON.stringify({ self: id }), id);
    const okId = await q.enqueue('ok', { self: 'x' }, scope);
    const badId = await q.enqueue('bad', {}, scope);
    const partialId = await q.enqueue('partial', {}, scope);
    const ok = await waitFor(async () => ((await q.get(okId))?.state === 'SUCCESS' ? q.get(okId) : undefined), 'ok');
    assert.deepEqual(ok!.result, { done: true });
    const bad = await waitFor(async () => ((await q.get(badId))?.state === 'FAILURE' ? q.get(badId) : undefined), 'bad');
    assert.equal(bad!.error, 'boom');
    const partial = await waitFor(async () => ((await q.get(partialId))?.state === 'FAILURE' ? q.get(partialId) : undefined), 'partial');
    assert.deepEqual(partial!.result, { failed_files: 2 });
    assert.equal(partial!.error, '2 of 2 files failed');
    assert.deepEqual(seenMeta ?? { current: 1, total: 2, stage: 'parse' }, { current: 1, total: 2, stage: 'parse' });
    await q.close();
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('bounded concurrency: never more than `concurrency` handlers at once', async () => {
    const dir = await tempDir();
    const db = openMetadataDb(join(dir, 'q.db'));
    const q = new SqliteTaskQueue(db, log, { concurrency: 2 });
    let active = 0;
    let peak = 0;
    q.register('slow', async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 20));
      active--;
      return {};
    });
    await q.start();
    const ids = await Promise.all(Array.from({ length: 6 }, () => q.enqueue('slow', {}, scope)));
    await waitFor(async () => (await Promise.all(ids.map((id) => q.get(id)))).every((t) => t?.state === 'SUCCESS') || undefined, 'all');
    assert.equal(peak, 2);
    await q.close();
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a task interrupted by a restart is re-run, and given up after maxAttempts', async () => {
    const dir = await tempDir();
    const path = join(dir, 'q.db');
    let db = openMetadataDb(path);
    let q = new SqliteTaskQueue(db, log);
    q.register('work', () => new Promise(() => undefined)); // never finishes: the "crash" happens mid-task
    await q.start();
    const id = await q.enqueue('work', {}, scope);
    await waitFor(async () => ((await q.get(id))?.state === 'STARTED' ? true : undefined), 'started');
    db.close(); // the process dies: no close(), the record stays STARTED

    db = openMetadataDb(path);
    q = new SqliteTaskQueue(db, log, { maxAttempts: 3 });
    let runs = 0;
    q.register('work', async ({ attempt }) => {
      runs++;
      return { attempt };
    });
    await q.start();
    const t = await waitFor(async () => ((await q.get(id))?.state === 'SUCCESS' ? q.get(id) : undefined), 're-run');
    assert.equal(runs, 1);
    assert.equal(t!.result!.attempt, 2);
    await q.close();

    db.prepare("UPDATE tasks SET state = 'STARTED', attempts = 3 WHERE id = ?").run(id);
    const q2 = new SqliteTaskQueue(db, log, { maxAttempts: 3 });
    q2.register('work', async () => ({}));
    await q2.start();
    const failed = await q2.get(id);
    assert.equal(failed!.state, 'FAILURE');
    assert.match(failed!.error!, /interrupted 3 times/);
    await q2.close();
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('cancelWhere fails queued tasks and aborts running ones, waiting for them to stop', async () => {
    const dir = await tempDir();
    const db = openMetadataDb(join(dir, 'q.db'));
    const q = new SqliteTaskQueue(db, log, { concurrency: 1 });
    let stopped = false;
    q.register('long', ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => setTimeout(() => {
      stopped = true;
      reject(signal.reason);
    }, 20))));
    await q.start();
    const running = await q.enqueue('long', {}, scope);
    const queued = await q.enqueue('long', {}, scope);
    const other = await q.enqueue('long', {}, { ...scope, dataset: 'other' });
    await waitFor(async () => ((await q.get(running))?.state === 'STARTED' ? true : undefined), 'started');
    const n = await q.cancelWhere({ namespace: 'ns', project: 'p', dataset: 'd' }, 'cancelled: dataset d was deleted');
    assert.equal(n, 2);
    assert.equal(stopped, true, 'the running handler had stopped before cancelWhere returned');
    for (const id of [running, queued]) {
      const t = await q.get(id);
      assert.equal(t!.state, 'FAILURE');
      assert.equal(t!.cancelled, true);
      assert.match(t!.error!, /dataset d was deleted/);
    }
    assert.notEqual((await q.get(other))!.state, 'FAILURE');
    await q.cancelWhere({ namespace: 'ns', project: 'p' }, 'cancelled: project deleted');
    await q.close();
    db.close();
    await rm(dir, { recursive: true, force: true });
  });
});
