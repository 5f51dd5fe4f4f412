import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { collectStream } from '../../../src/adapters/runtimes/collect.js';
import { OpenAICompatibleRuntime } from '../../../src/adapters/runtimes/openai-compatible.js';
import { createRuntime } from '../../../src/adapters/runtimes/registry.js';
import { RuntimeError, type ChatDelta, type ChatMessage, type ModelConfig, type ToolDefinition } from '../../../src/adapters/runtimes/types.js';
import { ChatUpstreamFake } from '../../fakes/chat-upstream-fake.js';

const signal = () => new AbortController().signal;
const user = [{ role: 'user' as const, content: 'Hi' }];
const WEATHER: ToolDefinition = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

describe('openai runtime against the fake OpenAI-compatible server', () => {
  let fake: ChatUpstreamFake;
  let cfg: ModelConfig;
  before(async () => {
    fake = await ChatUpstreamFake.start({ models: ['m1'] });
    cfg = { name: 'x', provider: 'openai', model: 'm1', base_url: `${fake.url}/v1`, api_key: 'sk-test' };
  });
  after(() => fake.close());

  test('request: fields win over model_api_parameters, extra_body is merged without load options, bearer key', async () => {
    const rt = createRuntime({
      ...cfg,
      model_api_parameters: { temperature: 0.2, top_p: 0.5, repeat_penalty: 1.2 },
      extra_body: { n_ctx: 4096, n_threads: 2, min_tokens: 3 },
    });
    await rt.complete({ model: '', messages: user, temperature: 0.9, max_tokens: 7, stop: ['END'], seed: 3, top_k: 20 }, { signal: signal() });
    const { body, headers, path } = fake.lastChat!;
    assert.equal(path, '/v1/chat/completions');
    assert.equal(headers.authorization, 'Bearer sk-test');
    assert.equal(body.model, 'm1', 'config model when the request names none');
    assert.deepEqual(body.messages, [{ role: 'user', content: 'Hi' }]);
    assert.equal(body.temperature, 0.9);
    assert.equal(body.top_p, 0.5);
    assert.equal(body.repeat_penalty, 1.2);
    assert.equal(body.max_tokens, 7);
    assert.deepEqual(body.stop, ['END']);
    assert.equal(body.seed, 3);
    assert.equal(body.top_k, 20);
    assert.equal(body.min_tokens, 3);
    assert.equal(body.stream, false);
    assert.equal('n_ctx' in body || 'n_threads' in body, false);
  });

  test('stream requests ask for usage; think maps to chat_template_kwargs.enable_thinking', async () => {
    const rt = createRuntime(cfg);
    const r = await collectStream(rt.stream({ model: 'm1', messages: user, think: false }, { signal: signal() }));
    assert.ok(r.usage && r.usage.completion_tokens > 0);
    assert.deepEqual(fake.lastChat!.body.stream_options, { include_usage: true });
    assert.deepEqual(fake.lastChat!.body.chat_template_kwargs, { enable_thinking: false });
  });

  test('api.openai.com gets max_completion_tokens and no fields it would reject', () => {
    const rt = new OpenAICompatibleRuntime({ ...cfg, base_url: undefined }, { provider: 'openai', baseUrl: 'https://api.openai.com/v1' });
    const body = rt.body({ model: 'gpt-4o-mini', messages: user, max_tokens: 9, top_k: 5, think: true }, false);
    assert.equal(body.max_completion_tokens, 9);
    assert.equal('max_tokens' in body, false);
    assert.equal('top_k' in body, false);
    assert.equal('chat_template_kwargs' in body, false);
  });

  test('tool calls: passed through, returned whole (non-stream) and as deltas that accumulate to the same calls', async () => {
    const rt = createRuntime(cfg);
    const call = { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}', id: 'call_1' };
    fake.script({ toolCalls: [call, { name: 'get_weather', arguments: '{"city":"Oslo"}', id: 'call_2' }], content: '' });
    const r = await rt.complete({ model: 'm1', messages: user, tools: [WEATHER], tool_choice: 'auto' }, { signal: signal() });
    assert.deepEqual(fake.lastChat!.body.tools, [WEATHER]);
    assert.equal(fake.lastChat!.body.tool_choice, 'auto');
    assert.equal(r.finish_reason, 'tool_calls');
    assert.equal(r.content, '');
    const expected = [
      { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: call.arguments } },
      { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
    ];
    assert.deepEqual(r.tool_calls, expected);

    fake.script({ toolCalls: [call, { name: 'get_weather', arguments: '{"city":"Oslo"}', id: 'call_2' }], content: '' });
    const deltas: ChatDelta[] = [];
    for await (const d of rt.stream({ model: 'm1', messages: user, tools: [WEATHER] }, { signal: signal() })) deltas.push(d);
    assert.ok(deltas.filter((d) => d.tool_calls).length >= 4, 'arguments arrive in pieces');
    const s = await collectStream((async function* () { yield* deltas; })());
    assert.deepEqual(s.tool_calls, expected);
    assert.equal(s.finish_reason, 'tool_calls');
  });

  test('tool results go back as tool messages', async () => {
    const rt = createRuntime(cfg);
    const calls = [{ id: 'call_1', type: 'function' as const, function: { name: 'get_weather', arguments: '{}' } }];
    const messages: ChatMessage[] = [...user, { role: 'assistant', content: null, tool_calls: calls }, { role: 'tool', content: 'sunny', tool_call_id: 'call_1' }];
    await rt.complete({ model: 'm1', messages }, { signal: signal() });
    assert.deepEqual(fake.lastChat!.body.messages.slice(1), [
      { role: 'assistant', content: null, tool_calls: calls },
      { role: 'tool', content: 'sunny', tool_call_id: 'call_1' },
    ]);
  });

  for (const reasoningAs of ['reasoning_content', 'reasoning', 'inline'] as const) {
    test(`reasoning sent as ${reasoningAs} comes back as thinking, never in content`, async () => {
      const rt = createRuntime(cfg);
      fake.script({ reasoning: 'Two plus two is four.', content: 'It is 4.', reasoningAs });
      const r = await rt.complete({ model: 'm1', messages: user }, { signal: signal() });
      assert.deepEqual([r.thinking, r.content], ['Two plus two is four.', 'It is 4.']);
      fake.script({ reasoning: 'Two plus two is four.', content: 'It is 4.', reasoningAs });
      const deltas: ChatDelta[] = [];
      for await (const d of rt.stream({ model: 'm1', messages: user }, { signal: signal() })) deltas.push(d);
      assert.equal(deltas.map((d) => d.thinking ?? '').join(''), 'Two plus two is four.');
      assert.equal(deltas.map((d) => d.content ?? '').join(''), 'It is 4.');
      assert.ok(deltas.every((d) => !d.content?.includes('<')), 'no tag fragments in content');
    });
  }

  test('the first delta carries the upstream id and model', async () => {
    const rt = createRuntime(cfg);
    const it = rt.stream({ model: 'm1', messages: user }, { signal: signal() })[Symbol.asyncIterator]();
    const first = await it.next();
    await it.return?.();
    assert.match(String(first.value?.id), /^chatcmpl-/);
    assert.equal(first.value?.model, 'm1');
  });

  test('HTTP errors carry the upstream message, URL and status', async () => {
    const rt = createRuntime(cfg);
    fake.script({ status: 429, errorMessage: 'Rate limit reached' });
    await assert.rejects(rt.complete({ model: 'm1', messages: user }, { signal: signal() }), (e: unknown) => {
      assert.ok(e instanceof RuntimeError);
      assert.equal(e.status, 429);
      assert.equal(e.upstream, `${fake.url}/v1/chat/completions`);
      assert.match(e.message, /^openai upstream http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions answered HTTP 429: Rate limit reached$/);
      return true;
    });
    await assert.rejects(rt.complete({ model: 'nope', messages: user }, { signal: signal() }), { status: 404, message: /does not exist/ });
  });

  test('a slow upstream times out with a RuntimeError (headers, and silence mid-stream)', async () => {
    const rt = createRuntime(cfg, { timeoutMs: 150 });
    fake.script({ headerDelayMs: 600 });
    await assert.rejects(rt.complete({ model: 'm1', messages: user }, { signal: signal() }), (e: unknown) => e instanceof RuntimeError && /timed out after 150 ms/.test(e.message));
    fake.script({ tokenDelayMs: 400 });
    await assert.rejects(collectStream(rt.stream({ model: 'm1', messages: user }, { signal: signal() })), (e: unknown) => e instanceof RuntimeError && /timed out/.test(e.message));
  });

  test('stopping early (break, or the caller aborting) closes the upstream request', async () => {
    const rt = createRuntime(cfg);
    const before = fake.abortedStreams;
    fake.script({ tokenDelayMs: 30 });
    for await (const d of rt.stream({ model: 'm1', messages: user }, { signal: signal() })) if (d.content) break;
    fake.script({ tokenDelayMs: 30 });
    const ctl = new AbortController();
    await assert.rejects(
      (async () => {
        for await (const d of rt.stream({ model: 'm1', messages: user }, { signal: ctl.signal })) if (d.content) ctl.abort();
      })(),
      { name: 'AbortError' },
    );
    for (let i = 0; i < 200 && fake.abortedStreams < before + 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(fake.abortedStreams, before + 2);
  });

  test('a stream cut mid-way is a RuntimeError, not a short answer', async () => {
    const rt = createRuntime(cfg);
    fake.script({ disconnectAfter: 2 });
    await assert.rejects(collectStream(rt.stream({ model: 'm1', messages: user }, { signal: signal() })), RuntimeError);
  });

  test('the fake lists its models like /v1/models', async () => {
    const res = await fetch(`${fake.url}/v1/models`);
    assert.deepEqual(await res.json(), { object: 'list', data: [{ id: 'm1', object: 'model', created: 1700000000, owned_by: 'library' }] });
  });
});

describe('registry defaults', () => {
  test('openai: base URL and key from the environment', async () => {
    const fake = await ChatUpstreamFake.start({ models: ['gpt'] });
    try {
      const rt = createRuntime({ name: 'a', provider: 'openai', model: 'gpt' }, { env: { OPENAI_BASE_URL: `${fake.url}/v1`, OPENAI_API_KEY: 'sk-env' } });
      assert.equal(rt.provider, 'openai');
      await rt.complete({ model: 'gpt', messages: user, max_tokens: 2 }, { signal: signal() });
      assert.equal(fake.lastChat!.headers.authorization, 'Bearer sk-env');
    } finally {
      await fake.close();
    }
  });

  test('ollama: OLLAMA_HOST (host:port) + /v1, key "ollama"', async () => {
    const fake = await ChatUpstreamFake.start({ flavor: 'ollama', models: ['llama3.2:3b'] });
    try {
      const host = fake.url.replace('http://', '');
      const rt = createRuntime({ name: 'a', provider: 'ollama', model: 'llama3.2:3b' }, { env: { OLLAMA_HOST: host } });
      await rt.complete({ model: 'llama3.2:3b', messages: user, max_tokens: 2 }, { signal: signal() });
      assert.equal(fake.lastChat!.path, '/v1/chat/completions');
      assert.equal(fake.lastChat!.headers.authorization, 'Bearer ollama');
    } finally {
      await fake.close();
    }
  });

  test('lemonade: OpenAI-compatible at 127.0.0.1:11534/v1 by default', async () => {
    const rt = createRuntime({ name: 'a', provider: 'lemonade', model: 'x' }, { timeoutMs: 2000 });
    assert.equal(rt.provider, 'lemonade');
    await assert.rejects(rt.complete({ model: 'x', messages: user }, { signal: signal() }), (e: unknown) => e instanceof RuntimeError && e.upstream === 'http://127.0.0.1:11534/v1/chat/completions');
  });

  test('universal and an unknown provider', () => {
    assert.equal(createRuntime({ name: 'a', provider: 'universal', model: '/x.gguf' }).provider, 'universal');
    assert.throws(() => createRuntime({ name: 'a', provider: 'nope' as never, model: 'x' }), /unknown runtime provider 'nope'/);
  });
});
