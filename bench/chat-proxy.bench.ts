/**
 * Chat proxy overhead: the same OpenAI-style requests sent straight to a fast local OpenAI-compatible upstream
 * and through the server (`X-No-Session`, no RAG), all in this process: added p50/p99 latency (non-stream),
 * added time-to-first-token (stream), and streaming throughput at 1, 10 and 100 concurrent streams. Then
 * universal tokens/s through the server against node-llama-cpp called directly on stories260K.
 * Run alone: `node --import tsx bench/chat-proxy.bench.ts`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pino from 'pino';
import { LlamaChat } from 'node-llama-cpp';
import { loadSettings } from '../src/core/settings.js';
import { createContext } from '../src/services/context.js';
import { buildApp } from '../src/api/app.js';
import { getLlama, llamaThreads } from '../src/adapters/llama/instance.js';
import { percentile, median, printReport, type Report } from './harness.js';

const TOKENS = Number(process.env.BENCH_CHAT_TOKENS ?? 64);
/**
 * Upstream pace per stream (ms between tokens): 50 tokens/s per stream, a fast model under batching (100 streams
 * = 5,000 tokens/s). Much faster paces make the in-process upstream and client saturate a small machine's CPU, and
 * the ratio then measures CPU per chunk rather than whether the proxy keeps up.
 */
const TOKEN_INTERVAL_MS = Number(process.env.BENCH_CHAT_TOKEN_MS ?? 20);
const LATENCY_RUNS = Number(process.env.BENCH_CHAT_RUNS ?? 400);
const MODEL = resolve(process.env.LF_SHARED_DIR ?? resolve(fileURLToPath(new URL('../..', import.meta.url)), 'shared'), 'models', 'stories260K.gguf');

/** A minimal OpenAI-compatible upstream: fixed answer, `TOKENS` chunks, paced when `paced`. */
function startUpstream(): Promise<{ url: string; close(): Promise<void>; paced: boolean }> {
  const words = Array.from({ length: TOKENS }, (_, i) => (i ? ' w' : 'w') + (i % 10));
  const state = { paced: false };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as { model: string; stream?: boolean; stream_options?: { include_usage?: boolean } };
      const id = 'chatcmpl-bench';
      const created = Math.floor(Date.now() / 1000);
      const usage = { prompt_tokens: 12, completion_tokens: TOKENS, total_tokens: TOKENS + 12 };
      if (!body.stream) {
        const text = JSON.stringify({ id, object: 'chat.completion', created, model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: words.join('') }, finish_reason: 'stop' }], usage });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const frame = (delta: object, finish: string | null) =>
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.write(frame({ role: 'assistant', content: '' }, null));
      let i = 0;
      const next = () => {
        if (res.destroyed) return;
        if (i < words.length) {
          res.write(frame({ content: words[i++] }, null));
          if (state.paced) setTimeout(next, TOKEN_INTERVAL_MS);
          else setImmediate(next);
          return;
        }
        res.write(frame({}, 'stop'));
        if (body.stream_options?.include_usage) res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage })}\n\n`);
        res.end('data: [DONE]\n\n');
      };
      next();
    });
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () =>
      ok({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
        get paced() {
          return state.paced;
        },
        set paced(v: boolean) {
          state.paced = v;
        },
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    ),
  );
}

interface Target {
  url: string;
  headers: Record<string, string>;
}

const MESSAGES = [{ role: 'user', content: 'Tell me a story.' }];

async function nonStream(t: Target, model: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(t.url, { method: 'POST', headers: t.headers, body: JSON.stringify({ model, messages: MESSAGES }) });
  await res.json();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  return performance.now() - t0;
}

/** Streams one answer: time to the first content frame and the number of content frames. */
async function stream(t: Target, model: string, extra: object = {}): Promise<{ ttft: number; frames: number; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(t.url, { method: 'POST', headers: t.headers, body: JSON.stringify({ model, messages: MESSAGES, stream: true, ...extra }) });
  if (res.status !== 200 || !res.body) throw new Error(`HTTP ${res.status}`);
  const decoder = new TextDecoder();
  let ttft = NaN;
  let frames = 0;
  let rest = '';
  for await (const bytes of res.body) {
    rest += decoder.decode(bytes as Uint8Array, { stream: true });
    let cut: number;
    while ((cut = rest.indexOf('\n\n')) >= 0) {
      const ev = rest.slice(0, cut);
      rest = rest.slice(cut + 2);
      if (ev.includes('"content":"') && !ev.includes('"content":""')) {
        if (Number.isNaN(ttft)) ttft = performance.now() - t0;
        frames++;
      }
    }
  }
  return { ttft, frames, ms: performance.now() - t0 };
}

async function throughput(t: Target, model: string, concurrency: number, rounds: number): Promise<number> {
  let frames = 0;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    const all = await Promise.all(Array.from({ length: concurrency }, () => stream(t, model)));
    frames += all.reduce((n, x) => n + x.frames, 0);
  }
  return frames / ((performance.now() - t0) / 1000);
}

export async function run(report: Report): Promise<void> {
  const upstream = await startUpstream();
  const dataDir = await mkdtemp(join(tmpdir(), 'lf-bench-chat-'));
  const ctx = await createContext(loadSettings({ dataDir, logLevel: 'warn' }, {}), pino({ level: 'warn' }), { runTasks: false });
  const app = await buildApp(ctx);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const server = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  try {
    await app.inject({ method: 'POST', url: '/v1/projects/bench', payload: { name: 'proxy', config_template: 'server' } });
    const config = JSON.parse((await app.inject('/v1/projects/bench/proxy')).body).project.config;
    config.runtime = {
      default_model: 'fast',
      models: [
        { name: 'fast', provider: 'openai', model: 'bench-model', base_url: upstream.url, api_key: 'x' },
        { name: 'stories', provider: 'universal', model: MODEL, extra_body: { n_ctx: 512, n_parallel: 1 } },
      ],
    };
    config.prompts = []; // the direct calls send no system prompt either
    delete config.rag.databases;
    delete config.rag.default_database;
    const put = await app.inject({ method: 'PUT', url: '/v1/projects/bench/proxy', payload: { config } });
    if (put.statusCode !== 200) throw new Error(put.body);

    const json = { 'content-type': 'application/json' };
    const direct: Target = { url: `${upstream.url}/chat/completions`, headers: { ...json, authorization: 'Bearer x' } };
    const proxied: Target = { url: `${server}/v1/projects/bench/proxy/chat/completions`, headers: { ...json, 'x-no-session': '1' } };

    // Latency (non-stream) and time to first token (stream), unpaced upstream, alternating direct/proxied.
    for (let i = 0; i < 50; i++) {
      await nonStream(direct, 'bench-model');
      await nonStream(proxied, 'fast');
      await stream(direct, 'bench-model');
      await stream(proxied, 'fast');
    }
    const d: number[] = [];
    const p: number[] = [];
    const dt: number[] = [];
    const pt: number[] = [];
    // CPU time of this process (client + upstream, + server when proxied): robust to other load on the machine.
    const cpu = { direct: 0, proxied: 0, directStream: 0, proxiedStream: 0 };
    const cpuOf = async <T>(key: keyof typeof cpu, fn: () => Promise<T>): Promise<T> => {
      const c0 = process.cpuUsage();
      const out = await fn();
      const c = process.cpuUsage(c0);
      cpu[key] += (c.user + c.system) / 1000;
      return out;
    };
    for (let i = 0; i < LATENCY_RUNS; i++) {
      d.push(await cpuOf('direct', () => nonStream(direct, 'bench-model')));
      p.push(await cpuOf('proxied', () => nonStream(proxied, 'fast')));
      dt.push((await cpuOf('directStream', () => stream(direct, 'bench-model'))).ttft);
      pt.push((await cpuOf('proxiedStream', () => stream(proxied, 'fast'))).ttft);
    }
    const note = `${LATENCY_RUNS} sequential requests each, in-process upstream; value = through the server, baseline = direct`;
    report({ bench: 'chat-proxy', metric: 'nonstream_latency_p50_ms', value: median(p), baseline: median(d), unit: 'ms', note });
    report({ bench: 'chat-proxy', metric: 'nonstream_latency_p99_ms', value: percentile(p, 99), baseline: percentile(d, 99), unit: 'ms', note });
    report({ bench: 'chat-proxy', metric: 'added_latency_p50_ms', value: median(p) - median(d), baseline: null, unit: 'ms', note: 'goal <= 1 ms' });
    report({ bench: 'chat-proxy', metric: 'added_latency_p99_ms', value: percentile(p, 99) - percentile(d, 99), baseline: null, unit: 'ms' });
    report({ bench: 'chat-proxy', metric: 'ttft_p50_ms', value: median(pt), baseline: median(dt), unit: 'ms', note });
    report({ bench: 'chat-proxy', metric: 'added_ttft_p50_ms', value: median(pt) - median(dt), baseline: null, unit: 'ms', note: 'goal <= 2 ms' });
    report({ bench: 'chat-proxy', metric: 'nonstream_cpu_per_request_ms', value: cpu.proxied / LATENCY_RUNS, baseline: cpu.direct / LATENCY_RUNS, unit: 'ms', note: 'CPU of the whole process per request; the difference is what the server spends' });
    report({ bench: 'chat-proxy', metric: 'stream_cpu_per_request_ms', value: cpu.proxiedStream / LATENCY_RUNS, baseline: cpu.directStream / LATENCY_RUNS, unit: 'ms', note: `${TOKENS}-token streams; CPU of the whole process per request` });

    // Streaming throughput with a paced upstream (a fast model: one token every TOKEN_INTERVAL_MS per stream).
    upstream.paced = true;
    for (const c of [1, 10, 100]) {
      const rounds = c === 1 ? 5 : c === 10 ? 3 : 2;
      await throughput(direct, 'bench-model', c, 1);
      const base = await throughput(direct, 'bench-model', c, rounds);
      const via = await throughput(proxied, 'fast', c, rounds);
      report({
        bench: 'chat-proxy',
        metric: `stream_tokens_per_s_c${c}`,
        value: via,
        baseline: base,
        unit: 'tokens/s',
        note: `${c} concurrent streams x ${TOKENS} tokens, upstream ${TOKEN_INTERVAL_MS} ms/token; goal ratio >= 0.97`,
      });
    }
    upstream.paced = false;

    await universal(report, proxied);
  } finally {
    await app.close();
    await ctx.close();
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** stories260K: tokens/s through the server (non-stream, usage.completion_tokens) vs LlamaChat directly. */
async function universal(report: Report, proxied: Target): Promise<void> {
  if (!existsSync(MODEL)) {
    console.warn(`universal part skipped: ${MODEL} not found`);
    return;
  }
  const n = 256;
  const llama = await getLlama();
  const model = await llama.loadModel({ modelPath: MODEL });
  const context = await model.createContext({ contextSize: 512, sequences: 1, threads: llamaThreads() });
  const sequence = context.getSequence();
  const direct = async () => {
    const chat = new LlamaChat({ contextSequence: sequence });
    const before = sequence.tokenMeter.usedOutputTokens;
    const t0 = performance.now();
    await chat.generateResponse([{ type: 'user', text: 'Tell me a story.' }], { maxTokens: n, temperature: 0 });
    const s = (performance.now() - t0) / 1000;
    chat.dispose({ disposeSequence: false });
    return (sequence.tokenMeter.usedOutputTokens - before) / s;
  };
  const via = async () => {
    const t0 = performance.now();
    const res = await fetch(proxied.url, { method: 'POST', headers: proxied.headers, body: JSON.stringify({ model: 'stories', messages: MESSAGES, max_tokens: n, temperature: 0 }) });
    const j = (await res.json()) as { usage: { completion_tokens: number } };
    return j.usage.completion_tokens / ((performance.now() - t0) / 1000);
  };
  try {
    await direct();
    await via();
    const ds: number[] = [];
    const vs: number[] = [];
    for (let i = 0; i < 5; i++) {
      ds.push(await direct());
      vs.push(await via());
    }
    report({ bench: 'chat-proxy', metric: 'universal_tokens_per_s', value: median(vs), baseline: median(ds), unit: 'tokens/s', note: `stories260K, ${n} tokens, through the server vs LlamaChat directly` });
  } finally {
    await context.dispose();
    await model.dispose();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run(printReport).catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
