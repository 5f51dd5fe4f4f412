/**
 * Universal runtime generation speed on stories260K (1 thread): tokens/s through `UniversalRuntime` (LRU lease,
 * context pool, history mapping, think splitting, usage counting) against node-llama-cpp's `LlamaChat` called
 * directly on the same model. Run alone: `node --import tsx bench/runtimes.bench.ts`.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LlamaChat } from 'node-llama-cpp';
import { getLlama, llamaThreads } from '../src/adapters/llama/instance.js';
import { collectStream } from '../src/adapters/runtimes/collect.js';
import type { ChatRequest } from '../src/adapters/runtimes/types.js';
import { LoadedModelCache } from '../src/adapters/runtimes/universal/model-cache.js';
import { UniversalRuntime } from '../src/adapters/runtimes/universal/universal.js';

export interface BenchResult {
  bench: string;
  metric: string;
  value: number;
  baseline?: number;
  ratio?: number;
  unit: string;
}

const MODEL = resolve(
  process.env.LF_SHARED_DIR ?? resolve(fileURLToPath(new URL('../..', import.meta.url)), 'shared'),
  'models',
  'stories260K.gguf',
);
const TOKENS = 256;
const ROUNDS = 5;
const CONTEXT = 512;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function run(report: (r: BenchResult) => void): Promise<void> {
  if (!existsSync(MODEL)) {
    console.warn(`runtimes bench skipped: ${MODEL} not found`);
    return;
  }
  const req: ChatRequest = { model: MODEL, messages: [{ role: 'user', content: 'Tell me a story.' }], temperature: 0, max_tokens: TOKENS };
  const signal = new AbortController().signal;
  const cache = new LoadedModelCache(1);
  const runtime = new UniversalRuntime({ name: 'bench', provider: 'universal', model: MODEL, extra_body: { n_ctx: CONTEXT } }, { cache });

  // node-llama-cpp directly: same model file, same context size and threads, one LlamaChat per request.
  const llama = await getLlama();
  const model = await llama.loadModel({ modelPath: MODEL });
  const context = await model.createContext({ contextSize: CONTEXT, sequences: 1, threads: llamaThreads() });
  const sequence = context.getSequence();
  const direct = async (): Promise<number> => {
    const chat = new LlamaChat({ contextSequence: sequence });
    const before = sequence.tokenMeter.usedOutputTokens;
    const t0 = performance.now();
    await chat.generateResponse([{ type: 'user', text: 'Tell me a story.' }], { maxTokens: TOKENS, temperature: 0 });
    const seconds = (performance.now() - t0) / 1000;
    chat.dispose({ disposeSequence: false });
    return (sequence.tokenMeter.usedOutputTokens - before) / seconds;
  };
  const viaRuntime = async (stream: boolean): Promise<number> => {
    const t0 = performance.now();
    const r = stream ? await collectStream(runtime.stream(req, { signal })) : await runtime.complete(req, { signal });
    return r.usage!.completion_tokens / ((performance.now() - t0) / 1000);
  };

  try {
    await direct();
    await viaRuntime(false); // warm-up: loads the model into the runtime's cache
    const d: number[] = [];
    const c: number[] = [];
    const s: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      d.push(await direct());
      c.push(await viaRuntime(false));
      s.push(await viaRuntime(true));
    }
    const base = median(d);
    for (const [metric, values] of [
      ['universal_complete_tokens_per_s', c],
      ['universal_stream_tokens_per_s', s],
    ] as const) {
      const value = median(values);
      report({ bench: 'runtimes', metric, value: Math.round(value), baseline: Math.round(base), ratio: +(value / base).toFixed(3), unit: 'tokens/s' });
    }

    // Four concurrent requests through the context pool (4 sequences) vs four sequential direct calls.
    const t0 = performance.now();
    const all = await Promise.all([0, 1, 2, 3].map(() => runtime.complete(req, { signal })));
    const pooled = all.reduce((n, r) => n + r.usage!.completion_tokens, 0) / ((performance.now() - t0) / 1000);
    report({ bench: 'runtimes', metric: 'universal_4_concurrent_tokens_per_s', value: Math.round(pooled), baseline: Math.round(base), ratio: +(pooled / base).toFixed(3), unit: 'tokens/s' });
  } finally {
    await context.dispose();
    await model.dispose();
    await cache.dispose();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run((r) => console.log(JSON.stringify(r))).catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
