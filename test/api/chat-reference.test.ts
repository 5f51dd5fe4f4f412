/**
 * Every chat curl of the API reference, verbatim (bodies and headers), against a project whose models are the
 * universal runtime on stories260K, and against one whose models are behind an OpenAI-compatible fake.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { MODELS, needShared } from '../helpers/shared.js';
import { ChatUpstreamFake } from '../fakes/chat-upstream-fake.js';
import { createChatProject, sseData } from './chat-setup.js';
import { disposeLlama } from '../../src/adapters/llama/instance.js';

const C = '/v1/projects/my-org/chatbot';

interface Curl {
  name: string;
  method: 'POST' | 'GET' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

/** The reference's chat examples, bodies copied as written there. */
const CURLS: Curl[] = [
  { name: 'request body example', method: 'POST', url: `${C}/chat/completions`, body: `{
  "messages": [
    {
      "role": "system",
      "content": "You are a helpful assistant."
    },
    {
      "role": "user",
      "content": "What is LlamaFarm?"
    }
  ],
  "stream": false,
  "temperature": 0.7,
  "max_tokens": 1000,
  "rag_enabled": true,
  "database": "main_db",
  "rag_top_k": 5,
  "rag_score_threshold": 0.7
}` },
  { name: 'non-streaming', method: 'POST', url: `${C}/chat/completions`, body: `{
    "messages": [
      {"role": "user", "content": "Hello!"}
    ]
  }` },
  { name: 'streaming', method: 'POST', url: `${C}/chat/completions`, body: `{
    "messages": [
      {"role": "user", "content": "Hello!"}
    ],
    "stream": true
  }` },
  { name: 'stateless', method: 'POST', url: `${C}/chat/completions`, headers: { 'X-No-Session': 'true' }, body: `{
    "messages": [
      {"role": "user", "content": "Hello!"}
    ]
  }` },
  { name: 'with RAG', method: 'POST', url: `${C}/chat/completions`, body: `{
    "messages": [
      {"role": "user", "content": "What are the FDA regulations?"}
    ],
    "rag_enabled": true,
    "database": "fda_db",
    "rag_top_k": 10
  }` },
  { name: 'with thinking', method: 'POST', url: `${C}/chat/completions`, body: `{
    "messages": [
      {"role": "user", "content": "What is 15% of 85?"}
    ],
    "think": true,
    "thinking_budget": 512,
    "max_tokens": 200
  }` },
  { name: 'custom RAG query', method: 'POST', url: `${C}/chat/completions`, body: `{
    "messages": [
      {"role": "user", "content": "Can you summarize the key findings?"}
    ],
    "rag_enabled": true,
    "database": "research_db",
    "rag_queries": ["clinical trial results primary endpoints efficacy safety"]
  }` },
  { name: 'multiple custom RAG queries', method: 'POST', url: `${C}/chat/completions`, body: `{
    "messages": [
      {"role": "user", "content": "Compare the two approaches"}
    ],
    "rag_enabled": true,
    "database": "research_db",
    "rag_queries": [
      "machine learning neural network methodology",
      "traditional statistical analysis regression"
    ],
    "rag_top_k": 10
  }` },
  { name: 'multi-model', method: 'POST', url: `${C}/chat/completions`, body: `{
    "model": "smart-model",
    "messages": [
      {"role": "user", "content": "Explain quantum computing"}
    ]
  }` },
  { name: 'models', method: 'GET', url: `${C}/models` },
];

function runCurls(label: string, setup: () => Promise<{ t: TestApp; close(): Promise<void> }>, skip: string | false): void {
  describe(`Reference chat curls verbatim: ${label}`, { skip }, () => {
    let env: { t: TestApp; close(): Promise<void> };
    before(async () => {
      env = await setup();
    });
    after(async () => env?.close());

    test('every completion / models example answers 200 in the documented shape', async () => {
      let sessionId = '';
      for (const c of CURLS) {
        const res = await env.t.app.inject({ method: c.method, url: c.url, headers: { ...(c.body ? { 'Content-Type': 'application/json' } : {}), ...c.headers }, ...(c.body ? { payload: c.body } : {}) });
        assert.equal(res.statusCode, 200, `${c.name}: ${res.body.slice(0, 300)}`);
        if (c.url.endsWith('/models')) {
          const body = json(res);
          assert.deepEqual(body.models.map((m: any) => [m.name, m.default]), [['fast-model', true], ['smart-model', false]]);
          continue;
        }
        if (c.headers?.['X-No-Session']) assert.equal(res.headers['x-session-id'], undefined, c.name);
        else sessionId ||= res.headers['x-session-id'] as string;
        if (c.body?.includes('"stream": true')) {
          const frames = sseData(res.body);
          assert.equal(frames.at(-1), '[DONE]', c.name);
          assert.equal(frames.at(-2).choices[0].finish_reason !== null, true, c.name);
        } else {
          const body = json(res);
          assert.equal(body.object, 'chat.completion', c.name);
          assert.equal(typeof body.choices[0].message.content, 'string', c.name);
          assert.ok(!body.choices[0].message.content.includes('<think>'), c.name);
          if (c.name === 'with thinking') assert.ok(body.usage.completion_tokens <= 200 + 512, 'answer + thinking budgets');
        }
      }
      // Session examples: history, delete one, delete all.
      assert.ok(sessionId);
      const h = await env.t.app.inject(`${C}/chat/sessions/${sessionId}/history`);
      assert.equal(h.statusCode, 200);
      assert.ok(json(h).messages.length >= 2);
      assert.deepEqual(json(await env.t.app.inject({ method: 'DELETE', url: `${C}/chat/sessions/${sessionId}` })), { message: `Session ${sessionId} deleted` });
      const all = json(await env.t.app.inject({ method: 'DELETE', url: `${C}/chat/sessions` }));
      assert.equal(all.message, `Deleted ${all.count} session(s)`);
      assert.equal((await env.t.app.inject(`${C}/chat/sessions/abc-123/history`)).statusCode, 404);
    });
  });
}

runCurls(
  'universal runtime on stories260K',
  async () => {
    const t = await makeTestApp();
    const model = (name: string) => ({ name, provider: 'universal', model: MODELS.stories(), extra_body: { n_ctx: 512, n_parallel: 2 } });
    await createChatProject(t.app, 'my-org', 'chatbot', { runtime: { models: [model('fast-model'), model('smart-model')], default_model: 'fast-model' }, rag: true });
    return {
      t,
      async close() {
        await t.close();
        await disposeLlama();
      },
    };
  },
  needShared('models', 'stories260K.gguf'),
);

runCurls(
  'OpenAI-compatible upstream (fake)',
  async () => {
    const fake = await ChatUpstreamFake.start({ models: ['llama3.2:3b', 'llama3.2:70b'] });
    const t = await makeTestApp();
    const m = (name: string, model: string) => ({ name, provider: 'openai', model, base_url: `${fake.url}/v1` });
    await createChatProject(t.app, 'my-org', 'chatbot', { runtime: { models: [m('fast-model', 'llama3.2:3b'), m('smart-model', 'llama3.2:70b')], default_model: 'fast-model' }, rag: true });
    return {
      t,
      async close() {
        await t.close();
        await fake.close();
      },
    };
  },
  false,
);

describe('universal runtime through the chat API (stories260K)', { skip: needShared('models', 'stories260K.gguf') }, () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp();
    await createChatProject(t.app, 'org', 'tiny', { runtime: { models: [{ name: 'default', provider: 'universal', model: MODELS.stories(), extra_body: { n_ctx: 512 } }] } });
  });
  after(async () => {
    await t.close();
    await disposeLlama();
  });

  test('max_tokens caps the answer; stream and non-stream; usage counted; the session keeps the answer', async () => {
    const P = '/v1/projects/org/tiny/chat/completions';
    let res = await t.app.inject({ method: 'POST', url: P, payload: { messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 8, temperature: 0 }, headers: { 'x-session-id': 'tiny' } });
    assert.equal(res.statusCode, 200, res.body);
    const body = json(res);
    assert.equal(body.choices[0].finish_reason, 'length');
    assert.ok(body.usage.completion_tokens <= 8 && body.usage.completion_tokens > 0);
    assert.ok(body.choices[0].message.content.length > 0);
    // The configured model name, never the GGUF's local path.
    assert.equal(body.model, 'default');
    res = await t.app.inject({ method: 'POST', url: P, payload: { messages: [{ role: 'user', content: 'Tell me more' }], max_tokens: 12, stream: true, stream_options: { include_usage: true } }, headers: { 'x-session-id': 'tiny' } });
    const frames = sseData(res.body);
    assert.equal(frames.at(-1), '[DONE]');
    const usage = frames.at(-2);
    assert.ok(frames.slice(0, -1).every((f: any) => f.model === 'default'), 'stream chunks name the configured model');
    assert.ok(usage.usage.completion_tokens <= 12);
    const text = frames.slice(0, -2).map((c: any) => c.choices[0]?.delta.content ?? '').join('');
    const h = json(await t.app.inject('/v1/projects/org/tiny/chat/sessions/tiny/history')).messages;
    assert.equal(h.length, 4);
    assert.equal(h[3].content, text);
  });
});
