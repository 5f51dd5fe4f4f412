/**
 * Scale-out end to end: two API processes and two `lf worker` processes share one data dir, one redis-server (the
 * task backend) and one PostgreSQL (LF_METADATA_URL: sessions and the event index). A dataset is uploaded and
 * processed through API A while API B shows the progress; with no worker running the task stays PENDING and
 * /health says why; the worker running the task is SIGKILLed after it stored some chunks, and the task still
 * ends SUCCESS on the other worker with every chunk stored exactly once. A chat session started on one API
 * continues on the other, and each sees the other's events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { needShared, sharedPath, REPO_ROOT } from '../helpers/shared.js';
import { startServerProcess, api, type ServerProcess } from '../helpers/server-process.js';
import { needRedis, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';
import { Queue } from 'bullmq';
import { createStore } from '../../src/adapters/stores/registry.js';
import { needPostgres, startPostgresServer, type PostgresServer } from '../helpers/postgres-server.js';
import { ChatUpstreamFake } from '../fakes/chat-upstream-fake.js';

const BOOKS = ['war-and-peace.txt', 'moby-dick_pg2701.txt', 'pride-and-prejudice_pg1342.txt', 'tinyshakespeare.txt'].map((f) => ['corpora', 'longtext', f]);
const P = '/v1/projects/scale/out';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function health(url: string): Promise<{ status: string; components: { name: string; status: string; message: string; details?: any }[] }> {
  return (await api(url, '/health')).body;
}
async function countChunks(dataDir: string): Promise<number> {
  const store = await createStore('LanceDBStore', { dir: join(dataDir, 'projects', 'scale', 'out', 'lf_data', 'stores', 'main_database'), database: 'main_database', config: {} });
  try {
    return await store.count();
  } finally {
    await store.close();
  }
}
const component = (h: Awaited<ReturnType<typeof health>>, name: string) => h.components.find((c) => c.name === name);

test('two API processes and two lf workers share a data dir, Redis and Postgres; killing a worker mid-task loses nothing and duplicates nothing; chat sessions continue across replicas', {
  skip: needRedis() || needPostgres() || BOOKS.map((b) => needShared(...b)).find(Boolean) || false,
  timeout: 900_000,
}, async (t) => {
  const dataDir = await tempDir('lf-workers-');
  let redis: RedisServer | undefined;
  let postgres: PostgresServer | undefined;
  let upstream: ChatUpstreamFake | undefined;
  let jobs: Queue | undefined;
  const servers: ServerProcess[] = [];
  const workers: WorkerProcess[] = [];
  try {
    redis = await startRedisServer();
    // BullMQ's own view of the jobs (prefix `lf`, queue `tasks`), to learn which worker runs the task.
    jobs = new Queue('tasks', { connection: { url: redis.url }, prefix: 'lf' });
    postgres = await startPostgresServer();
    // A dead worker's task is picked up by another worker after about 3 s instead of 30 s.
    const env = { LF_TASK_BACKEND: redis.url, LF_METADATA_URL: await postgres.freshSchema(), LF_TASK_LOCK_MS: '3000' };
    // One after the other: the SQLite metadata DB is created (migrated) by the first process.
    const a = await startServerProcess(dataDir, env);
    servers.push(a);
    const b = await startServerProcess(dataDir, env);
    servers.push(b);

    const idle = await health(b.url);
    assert.equal(idle.status, 'degraded');
    assert.equal(component(idle, 'redis')?.status, 'healthy');
    assert.equal(component(idle, 'task_queue')?.status, 'degraded');
    assert.equal(component(idle, 'task_queue')?.details?.workers, 0);
    assert.match(component(idle, 'task_queue')!.message, /no worker is running: start one with `lf worker`/);

    assert.equal((await api(a.url, '/v1/projects/scale', { method: 'POST', body: { name: 'out', config_template: 'rag' } })).status, 200);
    const config = (await api(a.url, P)).body.project.config;
    config.rag.databases[0].embedding_strategies = [{ name: 'default_embeddings', type: 'HashingEmbedder', config: { dimension: 128 } }];
    assert.equal((await api(a.url, P, { method: 'PUT', body: { config } })).status, 200);
    assert.equal((await api(a.url, `${P}/datasets`, { method: 'POST', body: { name: 'books', data_processing_strategy: 'universal_processor', database: 'main_database' } })).status, 200);
    for (const parts of BOOKS) {
      const form = new FormData();
      form.append('file', new Blob([await readFile(sharedPath(...parts))]), parts[parts.length - 1]);
      const res = await fetch(`${a.url}${P}/datasets/books/data`, { method: 'POST', body: form });
      assert.equal(res.status, 200, await res.text());
    }
    const { body: action } = await api(a.url, `${P}/datasets/books/actions`, { method: 'POST', body: { action_type: 'process' } });
    const taskId: string = action.task_id;
    assert.ok(taskId);

    // No worker yet: the API processes do not run tasks, so it waits, visibly.
    await sleep(500);
    assert.equal((await api(b.url, `${P}/tasks/${taskId}`)).body.state, 'PENDING');
    assert.equal(component(await health(a.url), 'task_queue')?.details?.pending, 1);

    const pair = await Promise.all([startWorkerProcess(dataDir, env), startWorkerProcess(dataDir, env)]);
    workers.push(...pair);
    assert.equal(component(await health(b.url), 'task_queue')?.details?.workers, 2);
    // Watched through the other API: progress until at least one file is stored and two are still to go.
    let seen: any;
    for (let i = 0; ; i++) {
      seen = (await api(b.url, `${P}/tasks/${taskId}`)).body;
      if (seen.state === 'STARTED' && seen.meta?.current >= 1 && seen.meta.current <= seen.meta.total - 2) break;
      assert.ok(seen.state === 'PENDING' || seen.state === 'STARTED', `the task ended before the kill: ${JSON.stringify(seen).slice(0, 500)}`);
      assert.ok(i < 20_000, `no progress: ${JSON.stringify(seen).slice(0, 500)}`);
      await sleep(20);
    }
    // Kill the worker that runs the task (BullMQ records its name, <host>:<pid>, on the job).
    const runner = (await jobs.getJob(taskId))?.processedBy;
    const victim = pair.find((w) => runner?.endsWith(`:${w.pid}`));
    assert.ok(victim, `the task runs in one of our workers (processedBy ${runner})`);
    await victim.stop('SIGKILL');
    const survivor = pair.find((w) => w !== victim)!;
    assert.equal(seen.meta.total, BOOKS.length);
    assert.ok(Array.isArray(seen.meta.files) && seen.meta.files.length === BOOKS.length);
    const rowsAtKill = await countChunks(dataDir);
    assert.ok(rowsAtKill >= seen.meta.stored_count && rowsAtKill > 0, `the first file's chunks were stored before the kill (${rowsAtKill} rows)`);

    let task: any;
    for (let i = 0; ; i++) {
      task = (await api(b.url, `${P}/tasks/${taskId}`)).body;
      if (task.state === 'SUCCESS' || task.state === 'FAILURE') break;
      assert.ok(i < 6000, `task stuck in ${task.state}`);
      await sleep(100);
    }
    assert.equal(task.state, 'SUCCESS', JSON.stringify(task).slice(0, 1000));
    assert.equal(task.result.failed_files, 0, JSON.stringify(task.result.files.map((d: any) => d.error)));
    const expected = task.result.files.reduce((n: number, d: any) => n + d.chunks, 0);
    assert.ok(rowsAtKill < expected, `the kill came before every chunk was stored (${rowsAtKill} of ${expected})`);
    t.diagnostic(`${rowsAtKill} of ${expected} chunks stored when the worker was killed`);
    assert.ok(expected > seen.meta.stored_count);
    const after = await health(a.url);
    assert.equal(component(after, 'task_queue')?.status, 'healthy');
    assert.equal(component(after, 'task_queue')?.details?.workers, 1);

    // Queried through the other API process.
    const query = await api(b.url, `${P}/rag/query`, { method: 'POST', body: { query: 'Napoleon and the French army', top_k: 3 } });
    assert.equal(query.status, 200, JSON.stringify(query.body));
    assert.equal(query.body.results.length, 3);

    // Chat: a session started on API A continues on API B (history in Postgres, not in either process).
    upstream = await ChatUpstreamFake.start();
    const chatConfig = (await api(b.url, P)).body.project.config;
    chatConfig.runtime = { models: [{ name: 'default', provider: 'openai', model: 'fake-model', base_url: `${upstream.url}/v1`, api_key: 'sk-test' }], default_model: 'default' };
    assert.equal((await api(b.url, P, { method: 'PUT', body: { config: chatConfig } })).status, 200);
    const chat = async (url: string, content: string) => {
      const res = await fetch(`${url}${P}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-session-id': 'across-replicas' },
        body: JSON.stringify({ messages: [{ role: 'user', content }], rag_enabled: false }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      return (await res.json()) as any;
    };
    await chat(a.url, 'My name is Ann.');
    await chat(b.url, 'What is my name?');
    // The second turn, served by B, sent the upstream the turn A stored.
    const sent = upstream.chatRequests.at(-1)!.body.messages.map((m: any) => `${m.role}:${m.content}`);
    assert.ok(sent.includes('user:My name is Ann.') && sent.at(-1) === 'user:What is my name?', JSON.stringify(sent));
    for (const url of [a.url, b.url]) {
      const history = (await api(url, `${P}/chat/sessions/across-replicas/history`)).body;
      assert.deepEqual(history.messages.filter((m: any) => m.role === 'user').map((m: any) => m.content), ['My name is Ann.', 'What is my name?']);
    }
    // Both turns' inference events are listed by either API (one event index in Postgres).
    for (const url of [a.url, b.url]) {
      let events: any;
      for (let i = 0; i < 100; i++) {
        events = (await api(url, `${P}/event_logs?type=inference`)).body;
        if (events.total >= 2) break;
        await sleep(50);
      }
      assert.equal(events.total, 2, JSON.stringify(events).slice(0, 500));
    }

    assert.equal(await survivor.stop('SIGTERM'), 0);
    for (const s of servers) assert.equal(await s.stop('SIGTERM'), 0);
    assert.equal(await countChunks(dataDir), expected, 'every chunk stored exactly once');
  } finally {
    for (const w of workers) await w.stop('SIGKILL');
    for (const s of servers) await s.stop('SIGKILL');
    await jobs?.close();
    await upstream?.close();
    await redis?.stop();
    await postgres?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('lf worker without shared task records (Redis or Postgres) is a usage error that says what to set', () => {
  const env: NodeJS.ProcessEnv = { ...process.env, LF_LOG_LEVEL: 'warn' };
  delete env.LF_TASK_BACKEND;
  delete env.LF_METADATA_URL;
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli/main.ts'), 'worker'], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /lf worker needs shared task records: set LF_TASK_BACKEND=redis:\/\/host:port\/db or LF_METADATA_URL=postgres:\/\//);
});
