/**
 * The data loop (issue 17), HashingEmbedder so no model is needed:
 * - events stream: time from a file's chunks being stored to its `file` event at the client, p50/p99, with 1 and
 *   50 listeners (baseline: 1 listener); CPU time of 50 idle listeners over 5 s (baseline: no listener);
 * - cancel latency (request → REVOKED answered) while the 619-page PDF is processed;
 * - re-index throughput (chunks/s) as a ratio of the embedder-bound rate (embedding the same texts in a loop).
 */
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import pino from 'pino';
import { percentile, type Report } from './harness.js';
import { tempDir } from '../test/helpers/tmp.js';
import { sharedPath } from '../test/helpers/shared.js';
import { loadSettings } from '../src/core/settings.js';
import { createContext } from '../src/services/context.js';
import { buildApp } from '../src/api/app.js';
import { createEmbedder } from '../src/adapters/embedders/registry.js';
import type { VectorStore } from '../src/adapters/stores/types.js';

const BIG_PDF = sharedPath('corpora', 'docs', 'unstructured', 'pdf', 'DA-619p.pdf');
const EMBEDDER = { type: 'HashingEmbedder', config: { dimension: 384 } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startApp() {
  const dataDir = await tempDir('lf-bench-loop-');
  const settings = loadSettings({ dataDir, logLevel: 'silent', releasesUrl: 'http://127.0.0.1:9/unreachable', maxUploadBytes: 200 * 1024 * 1024 }, {});
  const ctx = await createContext(settings, pino({ level: 'silent' }));
  const app = await buildApp(ctx);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const call = async (path: string, init: { method?: string; body?: unknown } = {}) => {
    const res = await fetch(url + path, { method: init.method ?? 'GET', headers: init.body !== undefined ? { 'content-type': 'application/json' } : undefined, body: init.body !== undefined ? JSON.stringify(init.body) : undefined });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    ctx,
    url,
    call,
    async close() {
      await app.close();
      await ctx.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function project(a: Awaited<ReturnType<typeof startApp>>, name: string): Promise<string> {
  const P = `/v1/projects/bench/${name}`;
  await a.call('/v1/projects/bench', { method: 'POST', body: { name, config_template: 'rag' } });
  const config = (await a.call(P)).body.project.config;
  config.rag.databases[0].embedding_strategies = [{ name: 'default_embeddings', ...EMBEDDER }];
  await a.call(P, { method: 'PUT', body: { config } });
  await a.call(`${P}/datasets`, { method: 'POST', body: { name: 'd', data_processing_strategy: 'universal_processor', database: 'main_database' } });
  return P;
}

async function upload(url: string, P: string, name: string, bytes: Buffer | string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([bytes]), name);
  const res = await fetch(`${url}${P}/datasets/d/data`, { method: 'POST', body: form });
  return ((await res.json()) as { hash: string }).hash;
}

/** Listens to a task's events; calls onFile(hash, time) for each `stored` file event; resolves at the end. */
async function listen(url: string, P: string, id: string, onFile: (hash: string, at: number) => void, signal?: AbortSignal): Promise<void> {
  const res = await fetch(`${url}${P}/tasks/${id}/events`, { signal });
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let cut: number;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        if (block.startsWith('event: file')) {
          const data = JSON.parse(block.slice(block.indexOf('data: ') + 6));
          if (data.status === 'stored') onFile(data.hash, performance.now());
        }
      }
    }
  } catch (e) {
    if (!signal?.aborted) throw e;
  }
}

async function eventsLatency(a: Awaited<ReturnType<typeof startApp>>, listeners: number, files: number): Promise<number[]> {
  const P = await project(a, `ev${listeners}`);
  const hashes: string[] = [];
  for (let i = 0; i < files; i++) hashes.push(await upload(a.url, P, `f${i}.md`, `# File ${i}\n\nLlama ${i} eats hay. It lives in barn ${i}.\n`));
  const config = await a.ctx.projects.loadConfig('bench', `ev${listeners}`);
  const store = (await a.ctx.resources.store('bench', `ev${listeners}`, config.rag!.databases![0])) as VectorStore;
  const stored = new Map<string, number>();
  const original = store.upsert.bind(store);
  store.upsert = async (chunks) => {
    const r = await original(chunks);
    stored.set(String(chunks[0]?.metadata.file_hash), performance.now());
    return r;
  };
  // The task waits behind a blocker until every listener is attached, so no file is stored before they listen.
  const id = (await a.call(`${P}/datasets/d/actions`, { method: 'POST', body: { action_type: 'process' } })).body.task_id;
  const seen: number[] = [];
  await Promise.all(
    Array.from({ length: listeners }, () =>
      listen(a.url, P, id, (hash, at) => {
        const t = stored.get(hash);
        if (t !== undefined) seen.push(at - t);
      }),
    ),
  );
  store.upsert = original;
  return seen;
}

export async function run(report: Report): Promise<void> {
  const a = await startApp();
  try {
    // Events latency.
    const one = await eventsLatency(a, 1, 40);
    const fifty = await eventsLatency(a, 50, 40);
    report({ bench: 'data-loop', metric: 'file_event_latency_p50_1_listener', value: percentile(one, 50), baseline: null, unit: 'ms', note: `${one.length} events` });
    report({ bench: 'data-loop', metric: 'file_event_latency_p99_1_listener', value: percentile(one, 99), baseline: null, unit: 'ms' });
    report({ bench: 'data-loop', metric: 'file_event_latency_p50_50_listeners', value: percentile(fifty, 50), baseline: percentile(one, 50), unit: 'ms', note: `${fifty.length} events` });
    report({ bench: 'data-loop', metric: 'file_event_latency_p99_50_listeners', value: percentile(fifty, 99), baseline: percentile(one, 99), unit: 'ms' });

    // CPU of 50 idle listeners on a task that waits.
    a.ctx.queue.register('bench_wait', async ({ signal }) => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      return {};
    });
    const P = await project(a, 'idle');
    const idleCpu = async (listeners: number) => {
      const id = await a.ctx.queue.enqueue('bench_wait', {}, { namespace: 'bench', project: 'idle' });
      const controllers = Array.from({ length: listeners }, () => new AbortController());
      const streams = controllers.map((c) => listen(a.url, P, id, () => undefined, c.signal));
      await sleep(500);
      const before = process.cpuUsage();
      await sleep(5000);
      const used = process.cpuUsage(before);
      for (const c of controllers) c.abort();
      await Promise.all(streams);
      await a.call(`${P}/tasks/${id}`, { method: 'DELETE' });
      return (used.user + used.system) / 1000;
    };
    const quiet = await idleCpu(0);
    const busy = await idleCpu(50);
    report({ bench: 'data-loop', metric: 'cpu_50_idle_listeners_5s', value: busy, baseline: quiet, unit: 'ms cpu', note: 'server and clients in one process' });

    // Cancel latency during a 619-page PDF.
    if (existsSync(BIG_PDF)) {
      const C = await project(a, 'cancel');
      await upload(a.url, C, 'DA-619p.pdf', await readFile(BIG_PDF));
      const id = (await a.call(`${C}/datasets/d/actions`, { method: 'POST', body: { action_type: 'process' } })).body.task_id;
      while ((await a.call(`${C}/tasks/${id}`)).body.state !== 'STARTED') await sleep(20);
      await sleep(1500);
      const t0 = performance.now();
      const res = await a.call(`${C}/tasks/${id}`, { method: 'DELETE' });
      const ms = performance.now() - t0;
      report({ bench: 'data-loop', metric: 'cancel_latency_619p_pdf', value: ms, baseline: null, unit: 'ms', note: `state ${res.body.state}, ${res.body.reverted_files?.length ?? 0} file(s) reverted` });
    }

    // Re-index throughput vs the embedder-bound rate.
    const R = await project(a, 'rx');
    await upload(a.url, R, 'pp.txt', await readFile(sharedPath('corpora', 'longtext', 'pride-and-prejudice_pg1342.txt')));
    const first = (await a.call(`${R}/datasets/d/actions`, { method: 'POST', body: { action_type: 'process' } })).body.task_id;
    while (!['SUCCESS', 'FAILURE'].includes((await a.call(`${R}/tasks/${first}`)).body.state)) await sleep(50);
    const config = await a.ctx.projects.loadConfig('bench', 'rx');
    const store = await a.ctx.resources.store('bench', 'rx', config.rag!.databases![0]);
    const texts: string[] = [];
    for await (const r of store.readRows!()) texts.push(r.text);
    const embedder = createEmbedder('HashingEmbedder', { dimension: 256 });
    const e0 = performance.now();
    for (let i = 0; i < texts.length; i += 64) await embedder.embed(texts.slice(i, i + 64));
    const embedRate = texts.length / ((performance.now() - e0) / 1000);
    config.rag!.databases![0].embedding_strategies = [{ name: 'default_embeddings', type: 'HashingEmbedder', config: { dimension: 256 } }];
    await a.call('/v1/projects/bench/rx', { method: 'PUT', body: { config } });
    const r0 = performance.now();
    const rx = (await a.call(`${R}/rag/databases/main_database/reindex`, { method: 'POST' })).body.task_id;
    let t: any;
    while (!['SUCCESS', 'FAILURE'].includes((t = (await a.call(`${R}/tasks/${rx}`)).body).state)) await sleep(20);
    const rate = texts.length / ((performance.now() - r0) / 1000);
    report({ bench: 'data-loop', metric: 'reindex_chunks_per_s', value: rate, baseline: embedRate, unit: 'chunks/s', note: `${texts.length} chunks, ${t.state}; baseline = embedding the same texts in a loop` });
  } finally {
    await a.close();
  }
}
