import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { collectStream } from '../../../src/adapters/runtimes/collect.js';
import { OllamaRuntime, ollamaHost } from '../../../src/adapters/runtimes/ollama.js';
import { createRuntime } from '../../../src/adapters/runtimes/registry.js';
import { RuntimeError, type ChatMessage, type ModelConfig } from '../../../src/adapters/runtimes/types.js';
import { ChatUpstreamFake } from '../../fakes/chat-upstream-fake.js';

const signal = () => new AbortController().signal;
const user: ChatMessage[] = [{ role: 'user', content: 'Why is the sky blue?' }];

test('ollamaHost reads OLLAMA_HOST the way Ollama does', () => {
  assert.equal(ollamaHost({}), 'http://localhost:11434');
  assert.equal(ollamaHost({ OLLAMA_HOST: 'gpu-box' }), 'http://gpu-box:11434');
  assert.equal(ollamaHost({ OLLAMA_HOST: '10.0.0.5:9999' }), 'http://10.0.0.5:9999');
  assert.equal(ollamaHost({ OLLAMA_HOST: '0.0.0.0' }), 'http://127.0.0.1:11434');
  assert.equal(ollamaHost({ OLLAMA_HOST: 'https://ollama.example.com' }), 'https://ollama.example.com');
  assert.equal(ollamaHost({ OLLAMA_HOST: 'http://h:80/' }), 'http://h');
});

describe('ollama runtime against the fake Ollama', () => {
  let fake: ChatUpstreamFake;
  let cfg: ModelConfig;
  before(async () => {
    fake = await ChatUpstreamFake.start({ flavor: 'ollama', models: ['qwen3:8b'] });
    cfg = { name: 'q', provider: 'ollama', model: 'qwen3:8b', base_url: `${fake.url}/v1` };
  });
  after(() => fake.close());

  test('without think: the OpenAI-compatible /v1, its `reasoning` field becomes thinking', async () => {
    const rt = createRuntime(cfg);
    fake.script({ reasoning: 'Rayleigh scattering.', content: 'Because of scattering.' });
    const r = await rt.complete({ model: 'qwen3:8b', messages: user }, { signal: signal() });
    assert.equal(fake.lastChat!.path, '/v1/chat/completions');
    assert.equal('think' in fake.lastChat!.body, false);
    assert.deepEqual([r.thinking, r.content], ['Rayleigh scattering.', 'Because of scattering.']);
  });

  test('a base_url without /v1 means the server root', async () => {
    const rt = createRuntime({ ...cfg, base_url: fake.url });
    await rt.complete({ model: 'qwen3:8b', messages: user }, { signal: signal() });
    assert.equal(fake.lastChat!.path, '/v1/chat/completions');
    await rt.complete({ model: 'qwen3:8b', messages: user, think: true }, { signal: signal() });
    assert.equal(fake.lastChat!.path, '/api/chat');
  });

  test('think: true goes to native /api/chat with think, message.thinking comes back separately', async () => {
    const rt = createRuntime(cfg);
    fake.script({ reasoning: 'Rayleigh scattering.', content: 'Because of scattering.' });
    const r = await rt.complete({ model: 'qwen3:8b', messages: user, think: true }, { signal: signal() });
    const { path, body } = fake.lastChat!;
    assert.equal(path, '/api/chat');
    assert.equal(body.think, true);
    assert.equal(body.stream, false);
    assert.deepEqual([r.thinking, r.content, r.finish_reason], ['Rayleigh scattering.', 'Because of scattering.', 'stop']);
    assert.ok(r.usage && r.usage.prompt_tokens > 0 && r.usage.completion_tokens > 0);

    fake.script({ reasoning: 'Rayleigh scattering.', content: 'Because of scattering.' });
    const s = await collectStream(rt.stream({ model: 'qwen3:8b', messages: user, think: true }, { signal: signal() }));
    assert.equal(fake.lastChat!.body.stream, true);
    assert.deepEqual([s.thinking, s.content], ['Rayleigh scattering.', 'Because of scattering.']);
  });

  test('think: false asks Ollama not to think; no reasoning comes back', async () => {
    const rt = createRuntime(cfg);
    fake.script({ reasoning: 'should not appear', content: 'Blue.' });
    const r = await rt.complete({ model: 'qwen3:8b', messages: user, think: false }, { signal: signal() });
    assert.equal(fake.lastChat!.body.think, false);
    assert.equal(r.thinking, undefined);
    assert.equal(r.content, 'Blue.');
  });

  test('native options: sampling from model_api_parameters and the request, n_ctx as num_ctx, keep_alive passed', async () => {
    const rt = createRuntime({ ...cfg, model_api_parameters: { temperature: 0.1, top_k: 40 }, extra_body: { n_ctx: 8192, keep_alive: '5m' } });
    await rt.complete({ model: 'qwen3:8b', messages: user, think: true, max_tokens: 12, top_p: 0.9, stop: ['\n\n'], seed: 1 }, { signal: signal() });
    const { body } = fake.lastChat!;
    assert.deepEqual(body.options, { num_ctx: 8192, num_predict: 12, temperature: 0.1, top_p: 0.9, top_k: 40, seed: 1, stop: ['\n\n'] });
    assert.equal(body.keep_alive, '5m');
  });

  test('native tool calls: object arguments out, OpenAI tool_calls back (stream and non-stream); tool results named', async () => {
    const rt = new OllamaRuntime(cfg, { baseUrl: `${fake.url}/v1` });
    const messages: ChatMessage[] = [
      ...user,
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'lookup', arguments: '{"q":"sky"}' } }] },
      { role: 'tool', content: 'blue', tool_call_id: 'call_9' },
    ];
    fake.script({ toolCalls: [{ name: 'lookup', arguments: '{"q":"color"}', id: 'call_x' }], content: '' });
    const r = await rt.complete({ model: 'qwen3:8b', messages, think: false, tools: [{ type: 'function', function: { name: 'lookup' } }] }, { signal: signal() });
    const sent = fake.lastChat!.body.messages;
    assert.deepEqual(sent[1], { role: 'assistant', content: '', tool_calls: [{ function: { name: 'lookup', arguments: { q: 'sky' } } }] });
    assert.deepEqual(sent[2], { role: 'tool', content: 'blue', tool_name: 'lookup' });
    assert.equal(r.finish_reason, 'tool_calls');
    assert.deepEqual(r.tool_calls, [{ id: 'call_x', type: 'function', function: { name: 'lookup', arguments: '{"q":"color"}' } }]);

    fake.script({ toolCalls: [{ name: 'lookup', arguments: '{"q":"color"}', id: 'call_x' }], content: '' });
    const s = await collectStream(rt.stream({ model: 'qwen3:8b', messages, think: false }, { signal: signal() }));
    assert.deepEqual(s.tool_calls, r.tool_calls);
    assert.equal(s.finish_reason, 'tool_calls');
  });

  test('native errors: {"error": "..."} bodies and a cut NDJSON stream become RuntimeErrors', async () => {
    const rt = createRuntime(cfg);
    await assert.rejects(rt.complete({ model: 'missing:1b', messages: user, think: true }, { signal: signal() }), (e: unknown) => {
      assert.ok(e instanceof RuntimeError);
      assert.equal(e.status, 404);
      assert.match(e.message, /\/api\/chat answered HTTP 404: model 'missing:1b' not found/);
      return true;
    });
    fake.script({ disconnectAfter: 2 });
    await assert.rejects(collectStream(rt.stream({ model: 'qwen3:8b', messages: user, think: true }, { signal: signal() })), RuntimeError);
  });

  test('the fake answers /api/tags like Ollama', async () => {
    const res = await fetch(`${fake.url}/api/tags`);
    const j = (await res.json()) as { models: Array<{ name: string }> };
    assert.deepEqual(j.models.map((m) => m.name), ['qwen3:8b']);
  });
});
