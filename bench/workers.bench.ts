/**
 * Scale-out ingestion (Redis task backend): the same four processing tasks (one file each, in four projects, so
 * no two tasks write one table) run by 1 and then by 2 `lf worker` processes behind one API process, HashingEmbedder
 * (no model). Throughput is MB of source files per second from the first `process` action until every task ended.
 * Needs redis-server (`apt-get install -y redis-server`) and ../shared/corpora; skips with a message without them.
 */
import { readFile, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { cpus } from 'node:os';
import type { Report } from './harness.js';
import { tempDir } from '../test/helpers/tmp.js';
import { sharedPath } from '../test/helpers/shared.js';
import { startServerProcess, api, type ServerProcess } from '../test/helpers/server-process.js';
import { needRedis, startRedisServer } from '../test/helpers/redis-server.js';
import { startWorkerProcess, type WorkerProcess } from '../test/helpers/worker-process.js';

const FILES = [
  ['corpora', 'longtext', 'pride-and-prejudice_pg1342.txt'],
  ['corpora', 'longtext', 'moby-dick_pg2701.html'],
  ['corpora', 'longtext', 'pride-and-prejudice_pg1342.pdf'],
  ['corpora', 'longtext', 'tinyshakespeare.txt'],
].map((p) => sharedPath(...p));

async function setup(server: ServerProcess, ns: string, file: string): Promise<string> {
  const P = `/v1/projects/${ns}/bench`;
  await api(server.url, `/v1/projects/${ns}`, { method: 'POST', body: { name: 'bench', config_template: 'rag' } });
  const config = (await api(server.url, P)).body.project.config;
  config.rag.databases[0].embedding_strategies = [{ name: 'default_embeddings', type: 'HashingEmbedder', config: { dimension: 384 } }];
  await api(server.url, P, { method: 'PUT', body: { config } });
  await api(server.url, `${P}/datasets`, { method: 'POST', body: { name: 'd', data_processing_strategy: 'universal_processor', database: 'main_database' } });
  const form = new FormData();
  form.append('file', new Blob([await readFile(file)]), basename(file));
  const res = await fetch(`${server.url}${P}/datasets/d/data`, { method: 'POST', body: form });
  if (res.status !== 200) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  return P;
}

/** Seconds for `workerCount` workers to process every file (each its own task), and the chunks stored. */
async function round(workerCount: number): Promise<{ seconds: number; chunks: number }> {
  const redis = await startRedisServer();
  const dataDir = await tempDir('lf-bench-workers-');
  const env = { LF_TASK_BACKEND: redis.url };
  const server = await startServerProcess(dataDir, env);
  const workers: WorkerProcess[] = [];
  try {
    const projects = [];
    for (const [i, f] of FILES.entries()) projects.push(await setup(server, `w${i}`, f));
    for (let i = 0; i < workerCount; i++) workers.push(await startWorkerProcess(dataDir, env));
    const t0 = performance.now();
    const tasks = await Promise.all(projects.map(async (P) => ({ P, id: (await api(server.url, `${P}/datasets/d/actions`, { method: 'POST', body: { action_type: 'process' } })).body.task_id as string })));
    let chunks = 0;
    for (const { P, id } of tasks) {
      for (;;) {
        const t = (await api(server.url, `${P}/tasks/${id}`)).body;
        if (t.state === 'FAILURE') throw new Error(`task failed: ${t.error}`);
        if (t.state === 'SUCCESS') {
          chunks += t.result.stored_count;
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return { seconds: (performance.now() - t0) / 1000, chunks };
  } finally {
    for (const w of workers) await w.stop('SIGTERM');
    await server.stop('SIGTERM');
    await redis.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function run(report: Report): Promise<void> {
  const missing = needRedis() || (FILES.every(existsSync) ? false : 'needs ../shared/corpora');
  if (missing) {
    process.stderr.write(`# workers bench skipped: ${missing}\n`);
    return;
  }
  const mb = (await Promise.all(FILES.map((f) => stat(f)))).reduce((a, s) => a + s.size, 0) / 1024 / 1024;
  // Alternating rounds, best of two each: other load on the machine drifts less into one side.
  const runs = { 1: [] as number[], 2: [] as number[] };
  let chunks = 0;
  for (const n of [1, 2, 1, 2] as const) {
    const r = await round(n);
    if (chunks && r.chunks !== chunks) throw new Error(`different work: ${r.chunks} vs ${chunks} chunks`);
    chunks = r.chunks;
    runs[n].push(r.seconds);
  }
  const one = { seconds: Math.min(...runs[1]) };
  const two = { seconds: Math.min(...runs[2]) };
  const note = `${FILES.length} tasks (1 file each), ${mb.toFixed(1)} MB, ${chunks} chunks, HashingEmbedder, best of 2 rounds each; ${cpus().length} CPU cores on this machine`;
  report({ bench: 'workers', metric: 'ingest_mb_per_s_2_workers', value: mb / two.seconds, baseline: mb / one.seconds, unit: 'MB/s', note: `baseline: 1 worker; ${note}` });
  report({ bench: 'workers', metric: 'ingest_seconds_2_workers', value: two.seconds, baseline: one.seconds, unit: 's', note: `baseline: 1 worker; rounds 1 worker: ${runs[1].map((x) => x.toFixed(1)).join(', ')} s, 2 workers: ${runs[2].map((x) => x.toFixed(1)).join(', ')} s` });
}
