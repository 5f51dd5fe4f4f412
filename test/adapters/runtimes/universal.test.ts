import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Llama2ChatWrapper, LlamaText } from 'node-llama-cpp';
import { collectStream } from '../../../src/adapters/runtimes/collect.js';
import type { ChatDelta, ChatRequest, ModelConfig } from '../../../src/adapters/runtimes/types.js';
import { toLlamaFunctions, toLlamaHistory } from '../../../src/adapters/runtimes/universal/history.js';
import { LoadedModelCache } from '../../../src/adapters/runtimes/universal/model-cache.js';
import { UniversalRuntime } from '../../../src/adapters/runtimes/universal/universal.js';
import { MODELS, needShared } from '../../helpers/shared.js';

const signal = () => new AbortController().signal;
const story = (extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: '',
  messages: [{ role: 'user', content: 'Tell me a story.' }],
  temperature: 0,
  max_tokens: 30,
  ...extra,
});

test('OpenAI messages map to node-llama-cpp history: tool calls carry their results', () => {
  const history = toLlamaHistory([
    { role: 'system', content: 'Be brief.' },
    { role: 'developer', content: 'Use tools.' },
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', content: '{"temp":21}', tool_call_id: 'c1' },
    { role: 'tool', content: 'orphan', tool_call_id: 'zzz', name: 'other' },
    { role: 'assistant', content: 'It is 21 degrees.' },
  ]);
  assert.deepEqual(history, [
    { type: 'system', text: 'Be brief.' },
    { type: 'system', text: 'Use tools.' },
    { type: 'user', text: 'Weather in Paris?' },
    { type: 'model', response: [{ type: 'functionCall', name: 'get_weather', params: { city: 'Paris' }, result: { temp: 21 } }] },
    { type: 'user', text: 'Result of other: orphan' },
    { type: 'model', response: ['It is 21 degrees.'] },
  ]);
  assert.deepEqual(toLlamaFunctions([{ type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object', properties: {} } } }]), {
    f: { description: 'd', params: { type: 'object', properties: {} } },
  });
  assert.equal(toLlamaFunctions([]), undefined);
});

/** A template whose replies open with a thought that the first '.' closes: lets stories260K "think". */
class FirstSentenceThoughtWrapper extends Llama2ChatWrapper {
  override readonly settings = {
    ...new Llama2ChatWrapper().settings,
    segments: { thought: { prefix: { type: 'openedOnStart' as const }, suffix: '.' } },
  };
}

/** Stock Llama 2 template with one-line function instructions and "is" as the function-call prefix. */
class ShortCallWrapper extends Llama2ChatWrapper {
  override readonly settings = (() => {
    const s = new Llama2ChatWrapper().settings;
    return { ...s, functions: { ...s.functions, call: { ...s.functions.call, prefix: 'is', prefixAlternateMatches: [] } } };
  })();

  override generateAvailableFunctionsSystemText(): LlamaText {
    return LlamaText('Tools.');
  }
}

describe('universal runtime on stories260K', { skip: needShared('models', 'stories260K.gguf') }, () => {
  let cache: LoadedModelCache;
  const cfg = (extra_body: Record<string, unknown> = {}): ModelConfig => ({
    name: 'u',
    provider: 'universal',
    model: MODELS.stories(),
    extra_body: { n_ctx: 512, ...extra_body },
  });
  before(() => {
    cache = new LoadedModelCache(2);
  });
  after(() => cache.dispose());

  test('the context size is capped by the model training context (512)', async () => {
    const rt = new UniversalRuntime(cfg({ n_ctx: 4096 }), { cache });
    const lease = await cache.lease(await rt.loadSpec(story()), signal());
    try {
      assert.equal(lease.loaded.contextSize, 512);
      assert.equal(lease.loaded.pool.size, 4, 'default: 4 sequences');
    } finally {
      lease.release();
    }
  });

  test('usage: completion tokens match max_tokens on length; prompt tokens grow with the prompt', async () => {
    const rt = new UniversalRuntime(cfg(), { cache });
    const a = await rt.complete(story(), { signal: signal() });
    assert.equal(a.finish_reason, 'length');
    assert.equal(a.usage?.completion_tokens, 30);
    const b = await rt.complete(story({ messages: [{ role: 'user', content: 'Tell me a story about a big red dog and a cat.' }] }), { signal: signal() });
    assert.ok(b.usage!.prompt_tokens > a.usage!.prompt_tokens);
    assert.equal(b.usage!.total_tokens, b.usage!.prompt_tokens + b.usage!.completion_tokens);
  });

  test('function calling: tools become node-llama-cpp functions; calls come back as OpenAI tool_calls; results feed the next turn', async () => {
    // stories260K cannot follow the stock function-calling instructions (they alone overflow its 512-token context),
    // so this template keeps them short and uses "is" (its first word here) as the call prefix; node-llama-cpp's
    // grammar then forces a well-formed call.
    const rt = new UniversalRuntime(cfg(), { cache, chatWrapper: new ShortCallWrapper() });
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
    const deltas: ChatDelta[] = [];
    for await (const d of rt.stream(story({ tools, max_tokens: 60 }), { signal: signal() })) deltas.push(d);
    const r = await collectStream((async function* () { yield* deltas; })());
    assert.equal(r.finish_reason, 'tool_calls');
    assert.equal(r.tool_calls?.length, 1);
    assert.equal(r.tool_calls![0].function.name, 'get_weather');
    assert.equal(typeof JSON.parse(r.tool_calls![0].function.arguments).city, 'string');
    assert.match(r.tool_calls![0].id, /^call_/);

    const whole = await rt.complete(story({ tools, max_tokens: 60 }), { signal: signal() });
    assert.deepEqual(whole.tool_calls?.map((c) => c.function), r.tool_calls!.map((c) => c.function));
    const next = await rt.complete(
      story({
        tools,
        max_tokens: 10,
        messages: [...story().messages, { role: 'assistant', content: null, tool_calls: whole.tool_calls }, { role: 'tool', content: 'sunny', tool_call_id: whole.tool_calls![0].id }],
      }),
      { signal: signal() },
    );
    assert.ok(next.usage!.prompt_tokens > whole.usage!.prompt_tokens, 'the call and its result are in the prompt');
    assert.equal(next.finish_reason, 'length');
  });

  test('the same seed gives the same sampled reply', async () => {
    const rt = new UniversalRuntime(cfg(), { cache });
    const r1 = await rt.complete(story({ temperature: 0.9, seed: 42 }), { signal: signal() });
    const r2 = await rt.complete(story({ temperature: 0.9, seed: 42 }), { signal: signal() });
    assert.equal(r1.content, r2.content);
  });

  test('model_api_parameters are defaults the request overrides', async () => {
    const rt = new UniversalRuntime({ ...cfg(), model_api_parameters: { max_tokens: 6, temperature: 0 } }, { cache });
    const r = await rt.complete({ model: '', messages: story().messages }, { signal: signal() });
    assert.equal(r.usage?.completion_tokens, 6);
    const r2 = await rt.complete({ model: '', messages: story().messages, max_tokens: 9 }, { signal: signal() });
    assert.equal(r2.usage?.completion_tokens, 9);
  });

  test('the context pool serves concurrent requests: at most n_parallel at once, the rest wait their turn', async () => {
    const rt = new UniversalRuntime(cfg({ n_parallel: 2 }), { cache });
    const lease = await cache.lease(await rt.loadSpec(story()), signal());
    const pool = lease.loaded.pool;
    let holding = 0;
    let maxHolding = 0;
    let waited = 0;
    const acquire = pool.acquire.bind(pool);
    const release = pool.release.bind(pool);
    pool.acquire = async (s) => {
      if (pool.busy >= pool.size) waited++;
      const seq = await acquire(s);
      maxHolding = Math.max(maxHolding, ++holding);
      return seq;
    };
    pool.release = (seq) => {
      holding--;
      release(seq);
    };
    try {
      const results = await Promise.all([1, 2, 3, 4].map(() => rt.complete(story({ max_tokens: 40 }), { signal: signal() })));
      assert.equal(results.length, 4);
      for (const r of results) assert.equal(r.usage?.completion_tokens, 40);
      assert.equal(maxHolding, 2);
      assert.ok(waited >= 2, `requests waited for a sequence (${waited})`);
      assert.equal(pool.busy, 0);
    } finally {
      lease.release();
    }
  });

  test('a request aborted while waiting for a sequence leaves the queue', async () => {
    const rt = new UniversalRuntime(cfg({ n_parallel: 1 }), { cache });
    const lease = await cache.lease(await rt.loadSpec(story()), signal());
    try {
      const long = rt.complete(story({ max_tokens: 300 }), { signal: signal() });
      const ctl = new AbortController();
      const waiting = rt.complete(story(), { signal: ctl.signal });
      while (lease.loaded.pool.waiting === 0) await new Promise((r) => setTimeout(r, 1));
      ctl.abort();
      await assert.rejects(waiting, { name: 'AbortError' });
      assert.equal(lease.loaded.pool.waiting, 0);
      assert.equal((await long).usage?.completion_tokens, 300);
    } finally {
      lease.release();
    }
  });

  test('LRU: at most maxModels loaded; the least recently used idle one is unloaded', async () => {
    const small = new LoadedModelCache(1);
    try {
      const a = new UniversalRuntime(cfg({ n_ctx: 256 }), { cache: small });
      const b = new UniversalRuntime(cfg({ n_ctx: 384 }), { cache: small });
      await a.complete(story({ max_tokens: 3 }), { signal: signal() });
      assert.equal(small.keys.length, 1);
      assert.match(small.keys[0], /ctx=256/);
      await b.complete(story({ max_tokens: 3 }), { signal: signal() });
      assert.deepEqual(small.keys.map((k) => /ctx=(\d+)/.exec(k)![1]), ['384']);
      // A model in use is not unloaded: both run at once, then the cache shrinks back.
      await Promise.all([a.complete(story({ max_tokens: 20 }), { signal: signal() }), b.complete(story({ max_tokens: 20 }), { signal: signal() })]);
      assert.equal(small.keys.length, 1);
    } finally {
      await small.dispose();
    }
  });

  test('thinking budgets: thinking_budget caps the thought, max_tokens caps the answer separately', async () => {
    const rt = new UniversalRuntime(cfg(), { cache, chatWrapper: new FirstSentenceThoughtWrapper() });
    const free = await rt.complete(story({ think: true, max_tokens: 5 }), { signal: signal() });
    assert.ok(free.thinking && free.thinking_tokens! > 3, 'an unconstrained thought runs to its end');
    assert.ok(!free.content.includes(free.thinking), 'content never contains the thought');

    const deltas: ChatDelta[] = [];
    for await (const d of rt.stream(story({ think: true, thinking_budget: 3, max_tokens: 5 }), { signal: signal() })) deltas.push(d);
    const thoughtDeltas = deltas.filter((d) => d.thinking);
    const answerDeltas = deltas.filter((d) => d.content);
    assert.ok(thoughtDeltas.length >= 1 && thoughtDeltas.length <= 3, `thought capped at 3 tokens (${thoughtDeltas.length} deltas)`);
    assert.ok(answerDeltas.length >= 1 && answerDeltas.length <= 5, `answer capped at 5 tokens (${answerDeltas.length} deltas)`);
    assert.equal(deltas.at(-1)?.finish_reason, 'length');

    const capped = await rt.complete(story({ think: true, thinking_budget: 3, max_tokens: 5 }), { signal: signal() });
    assert.equal(capped.thinking_tokens, 3);
    assert.ok(free.thinking!.startsWith(capped.thinking!));
    assert.equal(capped.content, answerDeltas.map((d) => d.content).join(''));
  });

  test('stream and complete agree, and breaking out of a stream frees the sequence', async () => {
    const rt = new UniversalRuntime(cfg({ n_parallel: 1 }), { cache });
    for await (const d of rt.stream(story({ max_tokens: 200 }), { signal: signal() })) {
      if (d.content) break;
    }
    const a = await rt.complete(story(), { signal: signal() });
    const b = await collectStream(rt.stream(story(), { signal: signal() }));
    assert.equal(b.content, a.content);
    assert.deepEqual(b.usage, a.usage);
    assert.match(String(b.id), /^chatcmpl-[0-9a-f]{32}$/);
    assert.notEqual(b.id, a.id);
    assert.equal(b.model, MODELS.stories());
  });
});
