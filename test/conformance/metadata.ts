/**
 * The metadata conformance suite (decision 0004, docs/decisions/0017 "Embedded vs scaled out"): chat sessions, the event
 * index and task records must behave the same on SQLite (embedded) and Postgres (`LF_METADATA_URL`, shared by API
 * replicas). It only uses the `SessionStore`, `EventStore` and `TaskQueue` interfaces.
 *
 *   metadataConformance('Postgres', async () => ({ replica, crashMidTask, cleanup }));
 *
 * A harness is one database; `replica()` opens the stores as another API process would (own connections), so two
 * replicas of one harness share sessions, events and tasks. `crashMidTask` runs a never-ending task in a process
 * that is then killed. The suite closes what it opened, then calls `cleanup`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChatMessage } from '../../src/adapters/runtimes/types.js';
import type { TaskQueue, TaskScope } from '../../src/adapters/queues/types.js';
import type { SessionStore } from '../../src/services/chat/sessions.js';
import type { EventDetail, EventStore } from '../../src/services/events.js';
import { waitFor, waitForState } from './queues.js';

export interface MetadataReplica {
  sessions: SessionStore;
  events: EventStore;
  queue(o?: { concurrency?: number }): Promise<TaskQueue>;
  close(): Promise<void>;
}

export interface MetadataHarness {
  replica(): Promise<MetadataReplica>;
  crashMidTask(kind: string, scope: TaskScope): Promise<string>;
  /** How long a dead process's task may stay STARTED before another process re-runs it (0: at start). */
  leaseMs: number;
  cleanup(): Promise<void>;
}

const scope: TaskScope = { namespace: 'ns', project: 'p', dataset: 'd' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function event(id: string, o: { project?: string; type?: string; ts: number; status?: string }): [EventDetail, number] {
  const d: EventDetail = {
    event_id: id,
    type: o.type ?? 'inference',
    event_type: o.type ?? 'inference',
    timestamp: new Date(o.ts).toISOString(),
    request_id: `req_${id}`,
    namespace: 'ns',
    project: o.project ?? 'p',
    config_hash: 'sha256_0123456789abcdef',
    status: o.status ?? 'completed',
    error: null,
    summary: { n: id },
    data: { n: id },
    events: [{ timestamp: new Date(o.ts).toISOString(), event_name: 'request_received', duration_ms: 0.5, data: { a: 1 } }],
    sub_events: [{ timestamp: new Date(o.ts).toISOString(), event_name: 'request_received', duration_ms: 0.5, data: { a: 1 } }],
    metadata: {},
    duration_ms: 2,
    total_elapsed_time_ms: 2,
  };
  return [d, o.ts];
}

export function metadataConformance(label: string, makeHarness: () => Promise<MetadataHarness>, o: { skip?: false | string } = {}): void {
  describe(`Metadata conformance: ${label}`, { skip: o.skip }, () => {
    async function withHarness(fn: (h: MetadataHarness, replica: () => Promise<MetadataReplica>) => Promise<void>): Promise<void> {
      const h = await makeHarness();
      const opened: MetadataReplica[] = [];
      try {
        await fn(h, async () => {
          const r = await h.replica();
          opened.push(r);
          return r;
        });
      } finally {
        for (const r of opened) await r.close();
        await h.cleanup();
      }
    }

    test('sessions: append and load keep order, seeds and message fields; unknown sessions are undefined', () =>
      withHarness(async (_h, replica) => {
        const { sessions } = await replica();
        assert.equal(await sessions.load('ns', 'p', 's1'), undefined);
        const seeds: ChatMessage[] = [
          { role: 'user', content: 'Who are you?' },
          { role: 'assistant', content: 'The farm assistant.' },
        ];
        await sessions.append('ns', 'p', 's1', [...seeds, { role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }], 2);
        const call = { id: 'call_1', type: 'function' as const, function: { name: 'lookup', arguments: '{"q":1}' } };
        await sessions.append('ns', 'p', 's1', [
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'tool', content: '42', tool_call_id: 'call_1', name: 'lookup' },
        ]);
        const h = await sessions.load('ns', 'p', 's1');
        assert.equal(h?.seedCount, 2);
        assert.deepEqual(h?.messages, [
          ...seeds,
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'hello' },
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'tool', content: '42', tool_call_id: 'call_1', name: 'lookup' },
        ]);
        assert.equal(await sessions.load('ns', 'other', 's1'), undefined, 'sessions are per project');
        await sessions.append('ns', 'p', 'empty', []);
        assert.deepEqual(await sessions.load('ns', 'p', 'empty'), { messages: [], seedCount: 0 });
      }));

    test('sessions: two replicas on one database see each other’s appends (no stale history)', () =>
      withHarness(async (_h, replica) => {
        const a = (await replica()).sessions;
        const b = (await replica()).sessions;
        await a.append('ns', 'p', 's', [{ role: 'user', content: 'one' }]);
        assert.deepEqual((await a.load('ns', 'p', 's'))?.messages, [{ role: 'user', content: 'one' }]);
        assert.deepEqual((await b.load('ns', 'p', 's'))?.messages, [{ role: 'user', content: 'one' }]);
        await b.append('ns', 'p', 's', [{ role: 'assistant', content: 'two' }]);
        assert.deepEqual((await a.load('ns', 'p', 's'))?.messages.map((m) => m.content), ['one', 'two']);
        await a.append('ns', 'p', 's', [{ role: 'user', content: 'three' }]);
        assert.deepEqual((await b.load('ns', 'p', 's'))?.messages.map((m) => m.content), ['one', 'two', 'three']);
        assert.equal(await b.delete('ns', 'p', 's'), true);
        assert.equal(await a.load('ns', 'p', 's'), undefined, 'a session deleted elsewhere is gone here too');
        await b.append('ns', 'p', 's', [{ role: 'user', content: 'new' }]);
        assert.deepEqual((await a.load('ns', 'p', 's'))?.messages.map((m) => m.content), ['new']);
      }));

    test('sessions: delete and deleteProject', () =>
      withHarness(async (_h, replica) => {
        const { sessions } = await replica();
        for (const id of ['x', 'y', 'z']) await sessions.append('ns', 'p', id, [{ role: 'user', content: id }]);
        await sessions.append('ns', 'q', 'x', [{ role: 'user', content: 'other project' }]);
        assert.equal(await sessions.delete('ns', 'p', 'x'), true);
        assert.equal(await sessions.delete('ns', 'p', 'x'), false);
        assert.equal(await sessions.load('ns', 'p', 'x'), undefined);
        assert.equal(await sessions.deleteProject('ns', 'p'), 2);
        assert.equal(await sessions.load('ns', 'p', 'y'), undefined);
        assert.equal(await sessions.deleteProject('ns', 'p'), 0);
        assert.deepEqual((await sessions.load('ns', 'q', 'x'))?.messages, [{ role: 'user', content: 'other project' }]);
      }));

    test('sessions: a session’s requests are serialised across replicas', () =>
      withHarness(async (_h, replica) => {
        const a = (await replica()).sessions;
        const b = (await replica()).sessions;
        const releaseA = await a.lock('ns', 'p', 's');
        let bHasIt = false;
        const bLock = b.lock('ns', 'p', 's').then((release) => {
          bHasIt = true;
          return release;
        });
        const otherSession = await b.lock('ns', 'p', 'other');
        otherSession();
        await sleep(300);
        assert.equal(bHasIt, false, 'the second replica waits while the first holds the session');
        releaseA();
        (await bLock)();
        assert.equal(bHasIt, true);

        // Turns from both replicas (lock, load, append what was seen, release) never interleave.
        const turn = async (s: SessionStore) => {
          const release = await s.lock('ns', 'p', 'turns');
          try {
            const seen = (await s.load('ns', 'p', 'turns'))?.messages.length ?? 0;
            await sleep(5);
            await s.append('ns', 'p', 'turns', [{ role: 'user', content: String(seen) }]);
          } finally {
            release();
          }
        };
        await Promise.all(Array.from({ length: 12 }, (_, i) => turn(i % 2 ? a : b)));
        const h = await a.load('ns', 'p', 'turns');
        assert.deepEqual(h?.messages.map((m) => m.content), Array.from({ length: 12 }, (_, i) => String(i)));
        assert.equal(await b.delete('ns', 'p', 'turns'), true, 'delete takes the lock too, and it is free');
      }));

    test('events: record, get, list with type/time filters and pagination, newest first; replicas share them', () =>
      withHarness(async (_h, replica) => {
        const a = (await replica()).events;
        const b = (await replica()).events;
        const t0 = Date.UTC(2026, 0, 1);
        const all = [
          event('evt_a', { ts: t0, type: 'inference' }),
          event('evt_b', { ts: t0 + 1000, type: 'rag_processing' }),
          event('evt_c', { ts: t0 + 2000, type: 'inference', status: 'failed' }),
          event('evt_d', { ts: t0 + 2000, type: 'inference' }),
          event('evt_e', { ts: t0 + 3000, type: 'inference', project: 'q' }),
        ];
        for (const [d, ts] of all) await a.record(d, ts);
        const list = await b.list('ns', 'p', { limit: 10, offset: 0 });
        assert.equal(list.total, 4);
        assert.deepEqual(list.events.map((e) => e.event_id), ['evt_d', 'evt_c', 'evt_b', 'evt_a']);
        assert.deepEqual(list.events[1], {
          event_id: 'evt_c', type: 'inference', event_type: 'inference', timestamp: new Date(t0 + 2000).toISOString(), summary: { n: 'evt_c' },
          request_id: 'req_evt_c', status: 'failed', duration_ms: 2, namespace: 'ns', project: 'p', config_hash: 'sha256_0123456789abcdef',
        });
        const byType = await b.list('ns', 'p', { type: 'inference', limit: 1, offset: 1 });
        assert.equal(byType.total, 3);
        assert.deepEqual(byType.events.map((e) => e.event_id), ['evt_c']);
        const window = await b.list('ns', 'p', { startTime: new Date(t0 + 1000), endTime: new Date(t0 + 2000), limit: 10, offset: 0 });
        assert.deepEqual(window.events.map((e) => e.event_id), ['evt_d', 'evt_c', 'evt_b']);
        const past = await b.list('ns', 'p', { limit: 10, offset: 10 });
        assert.deepEqual(past, { total: 4, events: [] });
        assert.deepEqual(await b.get('ns', 'p', 'evt_b'), all[1][0]);
        assert.equal(await b.get('ns', 'q', 'evt_b'), undefined, 'another project’s event is not found');
        assert.equal(await b.get('ns', 'p', 'evt_nope'), undefined);
        const [updated, ts] = event('evt_b', { ts: t0 + 1000, type: 'rag_processing', status: 'failed' });
        await b.record(updated, ts);
        assert.equal((await a.get('ns', 'p', 'evt_b'))?.status, 'failed', 'recording an id again replaces it');
        assert.equal(await a.deleteProject('ns', 'p'), 4);
        assert.equal((await b.list('ns', 'p', { limit: 10, offset: 0 })).total, 0);
        assert.equal((await b.list('ns', 'q', { limit: 10, offset: 0 })).total, 1);
      }));

    test('tasks: two replicas’ queues on one database never run a task twice', () =>
      withHarness(async (_h, replica) => {
        const runs = new Map<string, number>();
        const queues = [await (await replica()).queue({ concurrency: 2 }), await (await replica()).queue({ concurrency: 2 })];
        for (const q of queues) {
          q.register('job', async ({ id }) => {
            runs.set(id, (runs.get(id) ?? 0) + 1);
            await sleep(20);
            return { ok: true };
          });
          await q.start();
        }
        const ids: string[] = [];
        for (let i = 0; i < 16; i++) ids.push(await queues[i % 2].enqueue('job', { i }, scope));
        for (const id of ids) assert.equal((await waitForState(queues[0], id, ['SUCCESS', 'FAILURE'])).state, 'SUCCESS');
        assert.deepEqual([...runs.values()], ids.map(() => 1));
        assert.equal(runs.size, 16);
        assert.equal((await queues[1].stats()).pending, 0);
      }));

    test('tasks: a dead process’s task is re-run by another; a live process’s task is never taken over', () =>
      withHarness(async (h, replica) => {
        const dead = await h.crashMidTask('work', scope);
        const live = await (await replica()).queue();
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        const liveRuns: number[] = [];
        live.register('work', ({ attempt, signal }) => {
          liveRuns.push(attempt);
          return new Promise((resolve, reject) => {
            signal.addEventListener('abort', () => reject(signal.reason as Error));
            void released.then(() => resolve({ attempt, by: 'live' }));
          });
        });
        await live.start();
        await waitFor(() => liveRuns.length === 1, 'the dead process’s task to run here', 60_000);
        const recovered = await live.get(dead);
        assert.equal(recovered?.state, 'STARTED');
        assert.equal(recovered?.attempts, 2);
        assert.deepEqual(liveRuns, [2]);
        // Another replica starts and waits several leases: the live process keeps its task.
        const other = await (await replica()).queue();
        let stolen = 0;
        other.register('work', async () => {
          stolen++;
          return { by: 'other' };
        });
        await other.start();
        await sleep(Math.max(300, h.leaseMs * 3));
        assert.equal(stolen, 0, 'a live process’s task was run elsewhere');
        const still = await other.get(dead);
        assert.equal(still?.state, 'STARTED');
        assert.equal(still?.attempts, 2);
        release();
        const done = await waitForState(other, dead, ['SUCCESS', 'FAILURE']);
        assert.deepEqual(done.result, { attempt: 2, by: 'live' });
      }));

    test('tasks: cancelling on one replica stops the task running on another, and waits for it', () =>
      withHarness(async (_h, replica) => {
        const runner = await (await replica()).queue();
        let stopped = false;
        runner.register('long', ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => {
          stopped = true;
          reject(signal.reason as Error);
        })));
        await runner.start();
        const api = await (await replica()).queue();
        const id = await api.enqueue('long', {}, scope);
        await waitForState(api, id, ['STARTED']);
        assert.equal(await api.cancelWhere({ namespace: 'ns', project: 'p', dataset: 'd' }, 'cancelled: dataset d was deleted'), 1);
        assert.equal(stopped, true, 'the task had stopped before cancelWhere returned');
        const t = await api.get(id);
        assert.equal(t?.state, 'FAILURE');
        assert.equal(t?.cancelled, true);
        assert.equal(t?.error, 'cancelled: dataset d was deleted');
      }));
  });
}
