import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { multipart } from '../helpers/multipart.js';
import { createOfflineProject, waitForTask } from '../helpers/projects.js';
import { parseSse } from '../helpers/sse.js';
import { taskBus } from '../../src/adapters/queues/task-bus.js';
import type { VectorStore } from '../../src/adapters/stores/types.js';
import { readFile } from 'node:fs/promises';
import { needShared, sharedPath } from '../helpers/shared.js';

const P = '/v1/projects/org/loop';
const doc = (i: number) => `# Note ${i}\n\nLlama ${i} grazes in the field number ${i}. It likes hay and fresh water. Sentence ${i} ends here.\n`;

describe('Task events, cancel', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp();
    await createOfflineProject(t.app, 'org', 'loop');
    t.ctx.queue.register('test_wait', async ({ signal, progress }) => {
      progress({ step: 'waiting' }, true);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, 30_000);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(signal.reason as Error);
        });
      });
      return { waited: true };
    });
  });
  after(async () => t.close());

  const createDataset = async (name: string) => {
    const res = await t.app.inject({ method: 'POST', url: `${P}/datasets`, payload: { name, data_processing_strategy: 'universal_processor', database: 'main_database' } });
    assert.equal(res.statusCode, 200, res.body);
  };
  const upload = async (dataset: string, n: number, from = 0) => {
    const hashes: string[] = [];
    for (let i = from; i < from + n; i++) {
      const { payload, headers } = multipart([{ filename: `note-${i}.md`, content: doc(i), contentType: 'text/markdown' }]);
      const res = await t.app.inject({ method: 'POST', url: `${P}/datasets/${dataset}/data`, payload, headers });
      assert.equal(res.statusCode, 200, res.body);
      hashes.push(json(res).hash);
    }
    return hashes;
  };
  const processDataset = async (dataset: string) => {
    const res = await t.app.inject({ method: 'POST', url: `${P}/datasets/${dataset}/actions`, payload: { action_type: 'process' } });
    assert.equal(res.statusCode, 200, res.body);
    return json(res).task_id as string;
  };

  test('a live stream: progress, one file event per status change, ending with the terminal state', async () => {
    await createDataset('live');
    const hashes = await upload('live', 3);
    const id = await processDataset('live');
    const res = await t.app.inject(`${P}/tasks/${id}/events`);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    const frames = parseSse(res.body);
    assert.ok(frames.some((f) => f.event === 'progress'), 'has progress');
    const last = frames.at(-1)!;
    assert.equal(last.event, 'state');
    assert.equal(last.data.task_id, id);
    assert.equal(last.data.state, 'SUCCESS');
    assert.equal(frames.filter((f) => f.event === 'state').length, 1);
    for (const h of hashes) {
      const events = frames.filter((f) => f.event === 'file' && f.data.hash === h);
      assert.ok(events.length >= 1, `file events for ${h}`);
      const final = events.at(-1)!.data;
      assert.equal(final.status, 'stored');
      assert.ok(final.chunks >= 1);
      assert.equal(final.error, null);
      assert.match(final.filename, /^note-\d\.md$/);
    }
  });

  test('a finished task answers at once with its whole story; unknown task 404; other project 404', async () => {
    await createDataset('done');
    await upload('done', 1, 10);
    const id = await processDataset('done');
    await waitForTask(t.app, 'org', 'loop', id);
    const frames = parseSse((await t.app.inject(`${P}/tasks/${id}/events`)).body);
    assert.deepEqual(
      frames.map((f) => f.event),
      ['progress', 'file', 'state'],
    );
    assert.equal(frames[1].data.status, 'stored');
    const unknown = await t.app.inject(`${P}/tasks/nope/events`);
    assert.equal(unknown.statusCode, 404);
    assert.match(json(unknown).detail, /not found/);
    assert.equal((await t.app.inject(`/v1/projects/org/ghost/tasks/${id}/events`)).statusCode, 404);
  });

  test('cancel a running task: REVOKED at once; cancelling again is 409; unknown is 404', async () => {
    const id = await t.ctx.queue.enqueue('test_wait', {}, { namespace: 'org', project: 'loop' });
    for (let i = 0; i < 200 && (await t.ctx.queue.get(id))?.state !== 'STARTED'; i++) await new Promise((r) => setTimeout(r, 10));
    const events = t.app.inject(`${P}/tasks/${id}/events`);
    const t0 = process.hrtime.bigint();
    const res = await t.app.inject({ method: 'DELETE', url: `${P}/tasks/${id}` });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.equal(res.statusCode, 200, res.body);
    const body = json(res);
    assert.equal(body.cancelled, true);
    assert.equal(body.state, 'REVOKED');
    assert.equal(body.task_id, id);
    assert.deepEqual(body.reverted_files, []);
    // The issue asks for 2 s (the bench measures it); the bound here only tells waiting-for-the-work from not.
    assert.ok(ms < 10_000, `stopped in ${ms} ms`);
    const view = json(await t.app.inject(`${P}/tasks/${id}`));
    assert.equal(view.state, 'REVOKED');
    assert.equal(view.cancelled, true);
    const frames = parseSse((await events).body);
    assert.equal(frames.at(-1)!.event, 'state');
    assert.equal(frames.at(-1)!.data.state, 'REVOKED');
    const twice = await t.app.inject({ method: 'DELETE', url: `${P}/tasks/${id}` });
    assert.equal(twice.statusCode, 409);
    assert.match(json(twice).detail, /already finished \(REVOKED\)/);
    const unknown = await t.app.inject({ method: 'DELETE', url: `${P}/tasks/00000000-0000-0000-0000-000000000000` });
    assert.equal(unknown.statusCode, 404);
  });

  test('cancel a queued task ends it at once', async () => {
    const running = await t.ctx.queue.enqueue('test_wait', {}, { namespace: 'org', project: 'loop' });
    const queued = await t.ctx.queue.enqueue('test_wait', {}, { namespace: 'org', project: 'loop' });
    const res = await t.app.inject({ method: 'DELETE', url: `${P}/tasks/${queued}` });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(json(res).state, 'REVOKED');
    assert.equal(json(await t.app.inject({ method: 'DELETE', url: `${P}/tasks/${running}` })).state, 'REVOKED');
  });

  test('cancel during the store write of the last file: the chunks this task wrote are removed (revert), or kept with revert=false', async () => {
    for (const revert of [true, false]) {
      const name = `cut${revert ? 'r' : 'k'}`;
      await createDataset(name);
      const hashes = await upload(name, 2, revert ? 20 : 30);
      const config = await t.ctx.projects.loadConfig('org', 'loop');
      const store = (await t.ctx.resources.store('org', 'loop', config.rag!.databases![0])) as VectorStore;
      const original = store.upsert.bind(store);
      let calls = 0;
      let id = '';
      let cancelled: Promise<any> | undefined;
      store.upsert = async (chunks) => {
        calls++;
        const out = await original(chunks);
        if (chunks.some((c) => c.metadata.file_hash === hashes[1])) {
          // The last file's write has landed: cancel now, while the task is still running.
          cancelled = t.app.inject({ method: 'DELETE', url: `${P}/tasks/${id}?revert=${revert}` });
          await new Promise((r) => setTimeout(r, 50));
        }
        return out;
      };
      try {
        id = await processDataset(name);
        await waitForTask(t.app, 'org', 'loop', id);
      } finally {
        store.upsert = original;
      }
      assert.ok(calls >= 2);
      assert.ok(cancelled, 'cancel was sent');
      const res = await cancelled!;
      assert.equal(res.statusCode, 200, res.body);
      const body = json(res);
      assert.equal(body.state, 'REVOKED');
      const left = await store.count({ dataset: name });
      if (revert) {
        assert.deepEqual(body.reverted_files.map((f: any) => f.hash).sort(), [...hashes].sort());
        assert.ok(body.reverted_files.every((f: any) => f.deleted_chunks >= 1));
        assert.equal(left, 0);
        const ds = json(await t.app.inject(`${P}/datasets/${name}`)).dataset;
        assert.ok(ds.files.every((f: any) => f.status === 'uploaded'), JSON.stringify(ds.files));
      } else {
        assert.deepEqual(body.reverted_files, []);
        assert.deepEqual(body.kept_files.map((f: any) => f.hash).sort(), [...hashes].sort());
        assert.ok(left >= 2);
      }
    }
  });

  test('an events stream whose client goes away leaves no listener, timer or socket behind', async () => {
    const baseline = taskBus.listenerCount('progress');
    const id = await t.ctx.queue.enqueue('test_wait', {}, { namespace: 'org', project: 'loop' });
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const controllers = Array.from({ length: 5 }, () => new AbortController());
      const responses = await Promise.all(controllers.map((c) => fetch(`${address}${P}/tasks/${id}/events`, { signal: c.signal })));
      for (const r of responses) assert.equal(r.status, 200);
      // The first frame arrived: every client is attached.
      for (const r of responses) {
        const reader = r.body!.getReader();
        const { value } = await reader.read();
        assert.match(Buffer.from(value!).toString(), /stream open|event:/);
        reader.releaseLock();
      }
      assert.equal(taskBus.listenerCount('progress'), baseline + 1, 'one watcher shared by all listeners');
      for (const c of controllers) c.abort();
      await Promise.all(responses.map((r) => r.body!.cancel().catch(() => undefined)));
      for (let i = 0; i < 100 && taskBus.listenerCount('progress') !== baseline; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(taskBus.listenerCount('progress'), baseline, 'the watcher is gone');
    } finally {
      const del = await t.app.inject({ method: 'DELETE', url: `${P}/tasks/${id}` });
      assert.equal(del.statusCode, 200, del.body);
    }
  });
  test('cancel while a 619-page PDF is being parsed answers REVOKED without waiting for the parse', { skip: needShared('corpora', 'docs', 'unstructured', 'pdf', 'DA-619p.pdf') }, async () => {
    const big = await makeTestApp({ maxUploadBytes: 100 * 1024 * 1024 });
    try {
      await createOfflineProject(big.app, 'org', 'pdf');
      await big.app.inject({ method: 'POST', url: '/v1/projects/org/pdf/datasets', payload: { name: 'big', data_processing_strategy: 'universal_processor', database: 'main_database' } });
      const bytes = await readFile(sharedPath('corpora', 'docs', 'unstructured', 'pdf', 'DA-619p.pdf'));
      const { payload, headers } = multipart([{ filename: 'DA-619p.pdf', content: bytes, contentType: 'application/pdf' }]);
      const up = await big.app.inject({ method: 'POST', url: '/v1/projects/org/pdf/datasets/big/data?auto_process=true', payload, headers });
      assert.equal(up.statusCode, 200, up.body);
      const id = json(up).task_id;
      for (let i = 0; i < 500 && json(await big.app.inject(`/v1/projects/org/pdf/tasks/${id}`)).state !== 'STARTED'; i++) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 300));
      const t0 = process.hrtime.bigint();
      const res = await big.app.inject({ method: 'DELETE', url: `/v1/projects/org/pdf/tasks/${id}` });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(json(res).state, 'REVOKED');
      // Before cancel stopped waiting for the parse this took the whole parse (about 45 s); 2 s is the goal (bench).
      assert.ok(ms < 10_000, `cancel took ${ms} ms`);
    } finally {
      await big.close();
    }
  });
});
