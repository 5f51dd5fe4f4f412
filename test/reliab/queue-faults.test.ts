/**
 * #15 items 3 and 4 on the embedded queue: a long task of one project does not hold another project's small task
 * PENDING (two run at once by default), and a task whose end cannot be written (disk full) is answered from
 * memory, then written once the database accepts writes again — never stuck in STARTED.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { tempDir } from '../helpers/tmp.js';
import { openMetadataDb } from '../../src/storage/sqlite.js';
import { openTaskQueue } from '../../src/adapters/queues/registry.js';
import { SqliteTaskRecords } from '../../src/adapters/queues/sqlite-queue.js';
import { LocalTaskQueue } from '../../src/adapters/queues/local-queue.js';
import type { TaskQueue } from '../../src/adapters/queues/types.js';
import { waitUntil } from '../helpers/child-process.js';

const log = pino({ level: 'silent' });
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function stateOf(q: TaskQueue, id: string): Promise<string | undefined> {
  return (await q.get(id))?.state;
}

describe('embedded queue under faults', () => {
  test("a long task of one project does not keep another project's task waiting (default settings)", async () => {
    const dir = await tempDir('lf-queue-');
    dirs.push(dir);
    const db = openMetadataDb(join(dir, 'llamafarm.db'));
    const q = await openTaskQueue({}, db, log);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    q.register('work', async (ctx) => {
      if (ctx.scope.project === 'big') await held;
      return { project: ctx.scope.project };
    });
    try {
      await q.start();
      const big = await q.enqueue('work', {}, { namespace: 'org', project: 'big' });
      await waitUntil(async () => (await stateOf(q, big)) === 'STARTED', 10_000, 'the long task starting');
      const small = await q.enqueue('work', {}, { namespace: 'org', project: 'small' });
      await waitUntil(async () => (await stateOf(q, small)) === 'SUCCESS', 10_000, 'the small task finishing beside the long one');
      assert.equal(await stateOf(q, big), 'STARTED');
      release();
      await waitUntil(async () => (await stateOf(q, big)) === 'SUCCESS', 10_000, 'the long task finishing');
    } finally {
      release();
      await q.close();
      db.close();
    }
  });

  test('a task end that cannot be written is answered from memory and written once writes work again', async () => {
    const dir = await tempDir('lf-queue-');
    dirs.push(dir);
    const db = openMetadataDb(join(dir, 'llamafarm.db'));
    class FullDiskRecords extends SqliteTaskRecords {
      full = false;
      attempts = 0;
      override async finish(...args: Parameters<SqliteTaskRecords['finish']>): Promise<void> {
        if (this.full) {
          this.attempts++;
          throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
        }
        return super.finish(...args);
      }
    }
    const records = new FullDiskRecords(db);
    const q = new LocalTaskQueue(records, log, { pollMs: 20 });
    q.register('work', async (ctx) => (ctx.scope.project === 'bad' ? Promise.reject(new Error('parser exploded')) : { ok: true }));
    try {
      await q.start();
      records.full = true;
      const good = await q.enqueue('work', {}, { namespace: 'org', project: 'good' });
      const bad = await q.enqueue('work', {}, { namespace: 'org', project: 'bad' });
      await waitUntil(async () => (await stateOf(q, good)) === 'SUCCESS' && (await stateOf(q, bad)) === 'FAILURE', 10_000, 'both ends answered');
      assert.deepEqual((await q.get(good))?.result, { ok: true });
      assert.equal((await q.get(bad))?.error, 'parser exploded');
      assert.equal((await records.get(good))?.state, 'STARTED', 'nothing was written while the disk was full');
      assert.ok(records.attempts >= 6, `the write was retried (${records.attempts} attempts)`);
      records.full = false;
      await waitUntil(async () => (await records.get(good))?.state === 'SUCCESS' && (await records.get(bad))?.state === 'FAILURE', 10_000, 'the ends written');
      assert.equal((await records.get(bad))?.error, 'parser exploded');
    } finally {
      await q.close();
      db.close();
    }
  });
});
