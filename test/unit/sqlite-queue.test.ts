/**
 * What only the SQLite queue does. Everything a task queue must do (progress, results, failures, concurrency,
 * cancellation, re-running interrupted tasks) is in the shared suite: test/conformance/queues.ts.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import pino from 'pino';
import { openMetadataDb } from '../../src/storage/sqlite.js';
import { SqliteTaskQueue } from '../../src/adapters/queues/sqlite-queue.js';
import { tempDir } from '../helpers/tmp.js';

const log = pino({ level: 'silent' });
const scope = { namespace: 'ns', project: 'p', dataset: 'd' };

describe('SqliteTaskQueue', () => {
  test('a task interrupted by restarts is given up after maxAttempts, never left STARTED', async () => {
    const dir = await tempDir();
    const db = openMetadataDb(join(dir, 'q.db'));
    const q = new SqliteTaskQueue(db, log, { maxAttempts: 3 });
    const id = await q.enqueue('work', {}, scope);
    db.prepare("UPDATE tasks SET state = 'STARTED', attempts = 3 WHERE id = ?").run(id);
    let runs = 0;
    q.register('work', async () => {
      runs++;
      return {};
    });
    await q.start();
    const failed = await q.get(id);
    assert.equal(failed!.state, 'FAILURE');
    assert.match(failed!.error!, /interrupted 3 times/);
    assert.equal(runs, 0);
    await q.close();
    db.close();
    await rm(dir, { recursive: true, force: true });
  });
});
