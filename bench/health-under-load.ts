/**
 * Liveness and `/health` latency under the load of issue #15 (item 9): 300 concurrent streamed chats against a
 * protocol-exact upstream on loopback, plus file uploads and an ingestion running, while a prober calls
 * `/health/liveness` and `/health` one after another. Prints p50/p99 of each, loaded and idle (the baseline from
 * the same run). `node --import tsx bench/health-under-load.ts` (a real `lf serve` child process; bounded in count
 * and time; loopback only).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatUpstreamFake } from '../test/fakes/chat-upstream-fake.js';
import { api, startServerProcess } from '../test/helpers/server-process.js';

const CHATS = Number(process.env.CHATS ?? 300);
const UPLOADS = Number(process.env.UPLOADS ?? 40);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
}

async function probe(url: string, path: string, untilMs: number): Promise<number[]> {
  const out: number[] = [];
  while (performance.now() < untilMs) {
    const t0 = performance.now();
    const res = await fetch(url + path);
    await res.arrayBuffer();
    out.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 20));
  }
  return out;
}

const dir = await mkdtemp(join(tmpdir(), 'lf-bench-load-'));
const upstream = await ChatUpstreamFake.start({ models: ['fake'], defaultReply: { content: 'word '.repeat(200), tokenDelayMs: 20 } });
const server = await startServerProcess(dir, { LF_LOG_LEVEL: 'silent' });
try {
  const url = server.url;
  await api(url, '/v1/projects/bench', { method: 'POST', body: { name: 'load', config_template: 'offline' } });
  const got = await api(url, '/v1/projects/bench/load');
  const config = got.body.project.config;
  config.runtime = { default_model: 'up', models: [{ name: 'up', provider: 'openai', model: 'fake', base_url: `${upstream.url}/v1`, api_key: 'sk-bench' }] };
  const put = await api(url, '/v1/projects/bench/load', { method: 'PUT', body: { config } });
  if (put.status !== 200) throw new Error(`PUT ${put.status} ${JSON.stringify(put.body)}`);
  const strategies = (await api(url, '/v1/projects/bench/load/datasets/strategies')).body;
  await api(url, '/v1/projects/bench/load/datasets', { method: 'POST', body: { name: 'docs', database: strategies.databases[0], data_processing_strategy: strategies.data_processing_strategies[0] } });

  const idleUntil = performance.now() + 3000;
  const [idleLive, idleHealth] = await Promise.all([probe(url, '/health/liveness', idleUntil), probe(url, '/health', idleUntil)]);

  const chat = async (i: number) => {
    const res = await fetch(`${url}/v1/projects/bench/load/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-no-session': '1' },
      body: JSON.stringify({ messages: [{ role: 'user', content: `question ${i}` }], stream: true, rag_enabled: false }),
    });
    const text = await res.text();
    if (res.status !== 200 && i === 0) console.error(`chat ${res.status}: ${text.slice(0, 300)}`);
    return res.status;
  };
  const upload = async (i: number) => {
    const form = new FormData();
    form.append('file', new Blob([`Document ${i}. ` + 'Llamas are social animals that live in herds. '.repeat(2000)]), `doc-${i}.txt`);
    const res = await fetch(`${url}/v1/projects/bench/load/datasets/docs/data?auto_process=true`, { method: 'POST', body: form });
    const text = await res.text();
    if (res.status !== 200 && i === 0) console.error(`upload ${res.status}: ${text.slice(0, 300)}`);
    return res.status;
  };
  const t0 = performance.now();
  const work = Promise.all([...Array.from({ length: CHATS }, (_, i) => chat(i)), ...Array.from({ length: UPLOADS }, (_, i) => upload(i))]);
  let done = false;
  void work.finally(() => (done = true));
  const loaded = { live: [] as number[], health: [] as number[] };
  while (!done && performance.now() - t0 < 120_000) {
    const until = performance.now() + 1000;
    const [l, h] = await Promise.all([probe(url, '/health/liveness', until), probe(url, '/health', until)]);
    loaded.live.push(...l);
    loaded.health.push(...h);
  }
  const statuses = await work;
  const seconds = (performance.now() - t0) / 1000;
  const bad = statuses.filter((s) => s !== 200).length;
  const line = (name: string, xs: number[], base: number[]) =>
    console.log(JSON.stringify({ bench: 'health-under-load', metric: name, p50_ms: +pct(xs, 50).toFixed(1), p99_ms: +pct(xs, 99).toFixed(1), samples: xs.length, idle_p50_ms: +pct(base, 50).toFixed(1), idle_p99_ms: +pct(base, 99).toFixed(1) }));
  line('liveness', loaded.live, idleLive);
  line('health', loaded.health, idleHealth);
  console.log(JSON.stringify({ bench: 'health-under-load', chats: CHATS, uploads: UPLOADS, seconds: +seconds.toFixed(1), non_200: bad }));
} finally {
  await server.stop();
  await upstream.close();
  await rm(dir, { recursive: true, force: true });
}
