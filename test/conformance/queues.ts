/**
 * The task queue conformance suite (decision 0008): the embedded SQLite queue and the BullMQ queue must both pass it.
 * It only uses the `TaskQueue` interface.
 *
 *   queueConformance('MyQueue', async () => ({ open, crashMidTask, cleanup }));
 *
 * Each test gets a fresh harness: `open` returns a queue over the harness's backing store (every queue of one
 * harness sees the same tasks, as processes sharing a data dir or a Redis do); `crashMidTask` runs a task that
 * never ends in a queue that then dies without any cleanup (a killed process) and resolves once it is STARTED;
 * `cleanup` releases the store. The suite closes every queue it opened.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TaskFailure, type TaskQueue, type TaskRecord, type TaskScope } from '../../src/adapters/queues/types.js';

export interface QueueHarness {
  open(o?: { concurrency?: number }): Promise<TaskQueue>;
  crashMidTask(kind: string, scope: TaskScope): Promise<string>;
  cleanup(): Promise<void>;
}

export const scope: TaskScope = { namespace: 'ns', project: 'p', dataset: 'd' };

export async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, what: string, ms = 20_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function waitForState(q: TaskQueue, id: string, states: TaskRecord['state'][], ms?: number): Promise<TaskRecord> {
  return waitFor(async () => {
    const t = await q.get(id);
    return t && states.includes(t.state) ? t : undefined;
  }, `task ${id} in ${states.join('|')}`, ms);
}

export function queueConformance(label: string, makeHarness: () => Promise<QueueHarness>, o: { skip?: false | string } = {}): void {
  describe(`TaskQueue conformance: ${label}`, { skip: o.skip }, () => {
    async function withHarness(fn: (h: QueueHarness, open: QueueHarness['open']) => Promise<void>): Promise<void> {
      const h = await makeHarness();
      const opened: TaskQueue[] = [];
      try {
        await fn(h, async (opts) => {
          const q = await h.open(opts);
          opened.push(q);
          return q;
        });
      } finally {
        for (const q of opened) await q.close();
        await h.cleanup();
      }
    }

    test('runs tasks to SUCCESS with progress and result; failures are FAILURE with the error', () =>
      withHarness(async (_h, open) => {
        const q = await open();
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        q.register('ok', async ({ progress, payload, scope: s, attempt }) => {
          progress({ current: 1, total: 2, stage: 'parse' }, true);
          if (payload.wait) await released;
          return { done: true, dataset: s.dataset, attempt };
        });
        q.register('bad', async () => {
          throw new Error('boom');
        });
        q.register('partial', async () => {
          throw new TaskFailure('2 of 2 files failed', { failed_files: 2 });
        });
        await q.start();
        const okId = await q.enqueue('ok', { wait: true }, scope);
        const started = await waitFor(async () => {
          const t = await q.get(okId);
          return t?.state === 'STARTED' && t.meta ? t : undefined;
        }, 'progress while running');
        assert.deepEqual(started.meta, { current: 1, total: 2, stage: 'parse' });
        assert.equal(started.namespace, 'ns');
        assert.equal(started.dataset, 'd');
        assert.equal(started.kind, 'ok');
        assert.deepEqual(started.payload, { wait: true });
        release();
        const ok = await waitForState(q, okId, ['SUCCESS', 'FAILURE']);
        assert.equal(ok.state, 'SUCCESS');
        assert.deepEqual(ok.result, { done: true, dataset: 'd', attempt: 1 });
        assert.equal(ok.error, null);
        assert.equal(ok.cancelled, false);
        assert.ok(ok.finishedAt && ok.startedAt && ok.finishedAt >= ok.startedAt);

        const badId = await q.enqueue('bad', {}, scope);
        const partialId = await q.enqueue('partial', {}, scope);
        const partial = await waitForState(q, partialId, ['SUCCESS', 'FAILURE']);
        assert.equal(partial.state, 'FAILURE');
        assert.deepEqual(partial.result, { failed_files: 2 });
        assert.equal(partial.error, '2 of 2 files failed');
        const bad = await waitForState(q, badId, ['SUCCESS', 'FAILURE']);
        assert.equal(bad.state, 'FAILURE');
        assert.equal(bad.error, 'boom');
        assert.equal(await q.get('00000000-0000-4000-8000-000000000000'), undefined);
      }));

    test('recordFinished stores a task that is already finished', () =>
      withHarness(async (_h, open) => {
        const q = await open();
        const id = await q.recordFinished('ingest_dataset', scope, 'SUCCESS', { processed_files: 0 });
        const t = await q.get(id);
        assert.equal(t?.state, 'SUCCESS');
        assert.deepEqual(t?.result, { processed_files: 0 });
        assert.equal(t?.project, 'p');
        const failedId = await q.recordFinished('ingest_dataset', { namespace: 'ns', project: 'p' }, 'FAILURE', { why: 1 }, 'nothing to do');
        const f = await q.get(failedId);
        assert.equal(f?.state, 'FAILURE');
        assert.equal(f?.error, 'nothing to do');
        assert.equal(f?.dataset, undefined);
      }));

    test('a queue that does not run tasks leaves them PENDING and reports no workers; one that starts runs them', () =>
      withHarness(async (_h, open) => {
        const api = await open();
        api.register('w', async () => ({ ran: true }));
        const id = await api.enqueue('w', {}, scope);
        await new Promise((r) => setTimeout(r, 100));
        assert.equal((await api.get(id))?.state, 'PENDING');
        const idle = await api.stats();
        assert.equal(idle.workers, 0);
        assert.equal(idle.pending, 1);
        assert.equal(idle.running, 0);
        const worker = await open({ concurrency: 2 });
        worker.register('w', async () => ({ ran: true }));
        await worker.start();
        assert.ok((await worker.stats()).workers >= 1);
        const t = await waitForState(api, id, ['SUCCESS', 'FAILURE']);
        assert.deepEqual(t.result, { ran: true });
        assert.equal((await api.stats()).pending, 0);
      }));

    test('bounded concurrency: never more than `concurrency` handlers at once', () =>
      withHarness(async (_h, open) => {
        const q = await open({ concurrency: 2 });
        let active = 0;
        let peak = 0;
        q.register('slow', async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 40));
          active--;
          return {};
        });
        await q.start();
        const ids = await Promise.all(Array.from({ length: 6 }, () => q.enqueue('slow', {}, scope)));
        await waitFor(async () => (await Promise.all(ids.map((id) => q.get(id)))).every((t) => t?.state === 'SUCCESS'), 'all');
        assert.equal(peak, 2);
      }));

    test('cancelWhere fails queued tasks and aborts running ones, waiting for them to stop', () =>
      withHarness(async (_h, open) => {
        const q = await open({ concurrency: 1 });
        let stopped = false;
        q.register('long', ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => setTimeout(() => {
          stopped = true;
          reject(signal.reason as Error);
        }, 50))));
        await q.start();
        const running = await q.enqueue('long', {}, scope);
        await waitForState(q, running, ['STARTED']);
        const queued = await q.enqueue('long', {}, scope);
        const other = await q.enqueue('long', {}, { ...scope, dataset: 'other' });
        const n = await q.cancelWhere({ namespace: 'ns', project: 'p', dataset: 'd' }, 'cancelled: dataset d was deleted');
        assert.equal(n, 2);
        assert.equal(stopped, true, 'the running handler had stopped before cancelWhere returned');
        for (const id of [running, queued]) {
          const t = await q.get(id);
          assert.equal(t?.state, 'FAILURE');
          assert.equal(t?.cancelled, true);
          assert.match(t?.error ?? '', /dataset d was deleted/);
        }
        assert.notEqual((await q.get(other))?.state, 'FAILURE');
        assert.equal(await q.cancelWhere({ namespace: 'ns', project: 'p' }, 'cancelled: project deleted'), 1);
        assert.equal((await q.get(other))?.cancelled, true);
        assert.equal(await q.cancelWhere({ namespace: 'ns', project: 'p' }, 'again'), 0);
      }));

    test('a task whose process dies mid-task is re-run by the next queue that runs tasks', () =>
      withHarness(async (h, open) => {
        const id = await h.crashMidTask('work', scope);
        const q = await open();
        let runs = 0;
        q.register('work', async ({ attempt }) => {
          runs++;
          return { attempt };
        });
        await q.start();
        const t = await waitForState(q, id, ['SUCCESS', 'FAILURE'], 60_000);
        assert.equal(t.state, 'SUCCESS', t.error ?? '');
        assert.equal(runs, 1);
        assert.equal(t.result?.attempt, 2);
      }));

    test('close() aborts running tasks and leaves them to be re-run on the next start', () =>
      withHarness(async (_h, open) => {
        const first = await open();
        let aborted = false;
        first.register('work', ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => {
          aborted = true;
          reject(signal.reason as Error);
        })));
        await first.start();
        const id = await first.enqueue('work', {}, scope);
        await waitForState(first, id, ['STARTED']);
        await first.close();
        assert.equal(aborted, true);
        assert.notEqual((await (await open()).get(id))?.state, 'FAILURE');
        const second = await open();
        second.register('work', async ({ attempt }) => ({ attempt }));
        await second.start();
        const t = await waitForState(second, id, ['SUCCESS', 'FAILURE']);
        assert.equal(t.state, 'SUCCESS', t.error ?? '');
        assert.equal(t.result?.attempt, 2);
      }));
  });
}
