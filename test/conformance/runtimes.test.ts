/**
 * Runs the chat runtime conformance suite against: `universal` on the real stories260K GGUF (1 thread), and
 * `openai` / `ollama` (its /v1 and, with `think` set, its native /api/chat) against the protocol-exact fake.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime } from '../../src/adapters/runtimes/registry.js';
import type { ChatRequest, ChatRuntime, ModelConfig, RuntimeCallOptions } from '../../src/adapters/runtimes/types.js';
import { LoadedModelCache } from '../../src/adapters/runtimes/universal/model-cache.js';
import { UniversalRuntime } from '../../src/adapters/runtimes/universal/universal.js';
import { ChatUpstreamFake } from '../fakes/chat-upstream-fake.js';
import { MODELS, needShared } from '../helpers/shared.js';
import { runtimeConformance, type BrokenRuntime, type RuntimeHarness } from './runtimes.js';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Sets request fields on every call (to drive a runtime down another code path). */
function withRequestDefaults(rt: ChatRuntime, defaults: Partial<ChatRequest>): ChatRuntime {
  return {
    provider: rt.provider,
    complete: (req: ChatRequest, o: RuntimeCallOptions) => rt.complete({ ...defaults, ...req }, o),
    stream: (req: ChatRequest, o: RuntimeCallOptions) => rt.stream({ ...defaults, ...req }, o),
  };
}

async function httpHarness(provider: 'openai' | 'ollama', opts: { think?: boolean } = {}): Promise<RuntimeHarness> {
  const fake = await ChatUpstreamFake.start({ flavor: provider === 'ollama' ? 'ollama' : 'openai', models: ['fake-model'] });
  const cfg = (base: string): ModelConfig => ({ name: 'm', provider, model: 'fake-model', base_url: base, api_key: 'k' });
  const wrap = (rt: ChatRuntime) => (opts.think === undefined ? rt : withRequestDefaults(rt, { think: opts.think }));
  const runtime = wrap(createRuntime(cfg(`${fake.url}/v1`)));
  const dead = wrap(createRuntime(cfg(`http://127.0.0.1:${await closedPort()}/v1`)));
  const broken: BrokenRuntime[] = [
    { label: 'HTTP 500', runtime, model: 'fake-model', arrange: () => fake.script({ status: 500 }) },
    { label: 'connection refused', runtime: dead, model: 'fake-model' },
    { label: 'unknown model (404)', runtime, model: 'no-such-model' },
    { label: 'disconnect mid-stream', runtime, model: 'fake-model', arrange: () => fake.script({ disconnectAfter: 3 }) },
  ];
  return {
    runtime,
    model: 'fake-model',
    broken,
    slowNext: () => fake.script({ tokenDelayMs: 20 }),
    scriptReasoning: (reasoning, content) => fake.script({ reasoning, content }),
    close: () => fake.close(),
  };
}

runtimeConformance('openai (fake OpenAI-compatible server)', () => httpHarness('openai'));
runtimeConformance('ollama /v1 (fake Ollama)', () => httpHarness('ollama'));
runtimeConformance('ollama native /api/chat with think (fake Ollama)', () => httpHarness('ollama', { think: true }));

runtimeConformance(
  'universal (node-llama-cpp, stories260K)',
  async () => {
    const cache = new LoadedModelCache(2);
    const dir = mkdtempSync(join(tmpdir(), 'lf-rt-'));
    const garbage = join(dir, 'broken.gguf');
    writeFileSync(garbage, Buffer.from('this is not a GGUF file at all'.repeat(10)));
    const make = (model: string) => new UniversalRuntime({ name: 'u', provider: 'universal', model, extra_body: { n_ctx: 512 } }, { cache });
    return {
      runtime: make(MODELS.stories()),
      model: MODELS.stories(),
      broken: [
        { label: 'missing model file', runtime: make(join(dir, 'missing.gguf')), model: join(dir, 'missing.gguf') },
        { label: 'not a GGUF file', runtime: make(garbage), model: garbage },
      ],
      close: async () => {
        await cache.dispose();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  needShared('models', 'stories260K.gguf'),
);
