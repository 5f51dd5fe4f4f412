/**
 * The task events stream and cancel across processes, on the scale-out backends: two API processes share a data
 * dir; tasks run in an `lf worker` (Redis/BullMQ) or in whichever process claims them (Postgres metadata). A
 * client of API B follows a task started through API A and sees every file stored, then the terminal state;
 * a task started through A is cancelled through B while it runs (REVOKED, its chunks reverted).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { tempDir } from '../helpers/tmp.js';
import { needShared, sharedPath } from '../helpers/shared.js';
import { startServerProcess, api, type ServerProcess } from '../helpers/server-process.js';
import { needRedis, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';
import { needPostgres, startPostgresServer, type PostgresServer } from '../helpers/postgres-server.js';
import { parseSse } from '../helpers/sse.js';

const BOOKS = ['war-and-peace.txt', 'moby-dick_pg2701.txt', 'pride-and-prejudice_pg1342.txt'].map((f) => ['corpora', 'longtext', f]);
const P = '/v1/projects/loop/be';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function uploadFile(url: string, dataset: string, name: string, bytes: Buffer | string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([bytes]), name);
  const res = await fetch(`${url}${P}/datasets/${dataset}/data`, { method: 'POST', body: form });
  const body = (await res.json()) as any;
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.hash;
}

async function scenario(a: ServerProcess, b: ServerProcess): Promise<void> {
  assert.equal((await api(a.url, '/v1/projects/loop', { method: 'POST', body: { name: 'be', config_template: 'rag' } })).status, 200);
  const config = (await api(a.url, P)).body.project.config;
  config.rag.databases[0].embedding_strategies = [{ name: 'default_embeddings', type: 'HashingEmbedder', config: { dimension: 64 } }];
  assert.equal((await api(a.url, P, { method: 'PUT', body: { config } })).status, 200);
  for (const name of ['small', 'books']) {
    assert.equal((await api(a.url, `${P}/datasets`, { method: 'POST', body: { name, data_processing_strategy: 'universal_processor', database: 'main_database' } })).status, 200);
  }

  // Events across replicas: started on A, followed on B.
  const hashes = [await uploadFile(a.url, 'small', 'one.md', '# One\n\nThe first note about llamas.\n'), await uploadFile(a.url, 'small', 'two.md', '# Two\n\nThe second note about alpacas.\n')];
  const started = await api(a.url, `${P}/datasets/small/actions`, { method: 'POST', body: { action_type: 'process' } });
  const frames = parseSse(await (await fetch(`${b.url}${P}/tasks/${started.body.task_id}/events`)).text());
  assert.equal(frames.at(-1)!.event, 'state');
  assert.equal(frames.at(-1)!.data.state, 'SUCCESS');
  for (const h of hashes) assert.ok(frames.some((f) => f.event === 'file' && f.data.hash === h && f.data.status === 'stored'), `stored event for ${h}: ${JSON.stringify(frames)}`);
  const chunksBefore = (await api(b.url, `${P}/rag/stats`)).body.chunks;
  assert.ok(chunksBefore >= 2);

  // Cancel across replicas: started on A, cancelled on B while it runs.
  for (const parts of BOOKS) await uploadFile(a.url, 'books', parts.at(-1)!, await readFile(sharedPath(...parts)));
  const big = await api(a.url, `${P}/datasets/books/actions`, { method: 'POST', body: { action_type: 'process' } });
  const id = big.body.task_id;
  for (let i = 0; i < 600; i++) {
    const s = (await api(b.url, `${P}/tasks/${id}`)).body.state;
    if (s === 'STARTED') break;
    assert.equal(s, 'PENDING');
    await sleep(50);
  }
  const cancelled = await api(b.url, `${P}/tasks/${id}`, { method: 'DELETE' });
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  assert.equal(cancelled.body.state, 'REVOKED');
  const view = (await api(a.url, `${P}/tasks/${id}`)).body;
  assert.equal(view.state, 'REVOKED');
  assert.equal((await api(b.url, `${P}/rag/stats`)).body.chunks, chunksBefore, 'the cancelled task left no chunks');
  const again = await api(a.url, `${P}/tasks/${id}`, { method: 'DELETE' });
  assert.equal(again.status, 409);
}

test('events and cancel across processes with BullMQ/Redis and lf worker', { skip: needRedis() || BOOKS.map((b) => needShared(...b)).find(Boolean) || false, timeout: 600_000 }, async () => {
  const dataDir = await tempDir('lf-loop-redis-');
  let redis: RedisServer | undefined;
  const procs: (ServerProcess | WorkerProcess)[] = [];
  try {
    redis = await startRedisServer();
    const env = { LF_TASK_BACKEND: redis.url, LF_TASK_EVENTS_POLL_MS: '100' };
    const a = await startServerProcess(dataDir, env);
    procs.push(a);
    const b = await startServerProcess(dataDir, env);
    procs.push(b);
    procs.push(await startWorkerProcess(dataDir, env));
    await scenario(a, b);
  } finally {
    for (const p of procs.reverse()) await p.stop();
    await redis?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('events and cancel across processes with Postgres metadata', { skip: needPostgres() || BOOKS.map((b) => needShared(...b)).find(Boolean) || false, timeout: 600_000 }, async () => {
  const dataDir = await tempDir('lf-loop-pg-');
  let postgres: PostgresServer | undefined;
  const procs: ServerProcess[] = [];
  try {
    postgres = await startPostgresServer();
    const env = { LF_METADATA_URL: await postgres.freshSchema(), LF_TASK_EVENTS_POLL_MS: '100', LF_TASK_LOCK_MS: '3000' };
    const a = await startServerProcess(dataDir, env);
    procs.push(a);
    const b = await startServerProcess(dataDir, env);
    procs.push(b);
    await scenario(a, b);
  } finally {
    for (const p of procs.reverse()) await p.stop();
    await postgres?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
