import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { ChatUpstreamFake, FAKE_STORY } from '../fakes/chat-upstream-fake.js';
import { createChatProject, sseData, SYSTEM_PROMPT } from './chat-setup.js';

const USER = [{ role: 'user', content: 'Hello!' }];

describe('Chat completions API (OpenAI-compatible upstream)', () => {
  let t: TestApp;
  let fake: ChatUpstreamFake;
  const P = '/v1/projects/org/bot';
  const chat = (payload: object, headers: Record<string, string> = {}) => t.app.inject({ method: 'POST', url: `${P}/chat/completions`, payload, headers });

  before(async () => {
    process.env.LF_SSE_HEARTBEAT_MS = '40';
    fake = await ChatUpstreamFake.start({ models: ['fake-model', 'fake-large'] });
    t = await makeTestApp();
    delete process.env.LF_SSE_HEARTBEAT_MS;
    await createChatProject(t.app, 'org', 'bot', { baseUrl: `${fake.url}/v1`, models: ['fake-model', 'fake-large'] });
  });
  after(async () => {
    await t.close();
    await fake.close();
  });

  test('non-stream: a chat.completion in OpenAI shape, with usage and a new session id', async () => {
    const res = await chat({ messages: USER });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(res.headers['content-type'] as string, /^application\/json/);
    assert.match(res.headers['x-session-id'] as string, /^[0-9a-f-]{36}$/);
    const body = json(res);
    assert.match(body.id, /^chatcmpl-/);
    assert.equal(body.object, 'chat.completion');
    assert.equal(typeof body.created, 'number');
    assert.equal(body.model, 'fake-model', "the provider's model id");
    assert.equal(body.choices.length, 1);
    assert.deepEqual(body.choices[0].message, { role: 'assistant', content: FAKE_STORY });
    assert.equal(body.choices[0].finish_reason, 'stop');
    assert.equal(body.choices[0].index, 0);
    assert.ok(body.usage.prompt_tokens > 0 && body.usage.completion_tokens > 0);
    assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + body.usage.completion_tokens);
    assert.equal(body.thinking, undefined, 'no thinking key without reasoning');
    // The upstream saw the config's system prompt, then the conversation.
    assert.deepEqual(fake.lastChat!.body.messages, [{ role: 'system', content: SYSTEM_PROMPT }, ...USER]);
  });

  test('sampling fields are validated (422) and forwarded; a request system message joins the system prompt', async () => {
    const res = await chat({
      messages: [{ role: 'system', content: 'Answer in French.' }, { role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'text', text: 'there' }] }],
      temperature: 0.2,
      top_p: 0.9,
      top_k: 20,
      max_completion_tokens: 300,
      stop: 'END',
      seed: 7,
      presence_penalty: 0.5,
      response_format: { type: 'json_object' },
      some_unknown_field: 1,
    }, { 'x-no-session': '1' });
    assert.equal(res.statusCode, 200, res.body);
    const up = fake.lastChat!.body;
    assert.equal(up.temperature, 0.2);
    assert.equal(up.top_p, 0.9);
    assert.equal(up.top_k, 20);
    assert.equal(up.max_tokens, 300);
    assert.deepEqual(up.stop, ['END']);
    assert.equal(up.seed, 7);
    assert.equal(up.presence_penalty, 0.5);
    assert.deepEqual(up.response_format, { type: 'json_object' });
    assert.equal(up.some_unknown_field, undefined);
    assert.deepEqual(up.messages, [
      { role: 'system', content: `${SYSTEM_PROMPT}\n\nAnswer in French.` },
      { role: 'user', content: 'Hi\nthere' },
    ]);

    for (const bad of [{ temperature: 3 }, { top_p: 1.5 }, { max_tokens: 0 }, { top_k: -1 }, { n: 2 }, { rag_top_k: 0 }, { rag_score_threshold: 1.5 }, { messages: 'hi' }]) {
      const r = await chat({ messages: USER, ...bad });
      assert.equal(r.statusCode, 422, `${JSON.stringify(bad)} → ${r.body}`);
      assert.ok(Array.isArray(json(r).detail));
    }
    const missing = await chat({});
    assert.equal(missing.statusCode, 422, 'messages is required');
    assert.match(json(missing).error.message, /body\.messages: Field required/);
    assert.equal((await chat({ messages: [{ role: 'user', content: 42 }] })).statusCode, 422, 'content must be text, parts or null');
    assert.equal((await chat({ messages: [{ role: 'assistant', content: null }, ...USER] }, { 'x-no-session': '1' })).statusCode, 200, 'null content is fine');
    assert.equal((await chat({ messages: [] })).statusCode, 422, 'at least one message');
    assert.equal((await chat({ messages: [{ role: 'robot', content: 'x' }] })).statusCode, 422);
    const image = await chat({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://x' } }] }] });
    assert.equal(image.statusCode, 400);
    assert.match(json(image).detail, /image_url/);
  });

  test('model selection: a configured name, the default otherwise, 400 listing names for an unknown one', async () => {
    let res = await chat({ model: 'm1', messages: USER }, { 'x-no-session': '1' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(fake.lastChat!.body.model, 'fake-large');
    assert.equal(json(res).model, 'fake-large');
    res = await chat({ model: 'gpt-4o', messages: USER });
    assert.equal(res.statusCode, 400);
    assert.equal(json(res).detail, "Model 'gpt-4o' not found. Available: default, m1");
    assert.deepEqual(json(res).error, { message: "Model 'gpt-4o' not found. Available: default, m1", type: 'invalid_request_error', param: null, code: 400 }, "OpenAI's error object beside detail");
    assert.equal(res.headers['x-session-id'], undefined);
    res = await t.app.inject({ method: 'POST', url: '/v1/projects/org/ghost/chat/completions', payload: { messages: USER } });
    assert.equal(res.statusCode, 404);
    assert.equal((await t.app.inject({ method: 'POST', url: '/v1/projects/org/bad.name/chat/completions', payload: { messages: USER } })).statusCode, 422);
  });

  test('stream: chunks in OpenAI shape, SSE headers, one id, finish_reason last, then [DONE]', async () => {
    const res = await chat({ messages: USER, stream: true, stream_options: { include_usage: true } });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/event-stream/);
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.equal(res.headers['x-accel-buffering'], 'no');
    assert.equal(res.headers.connection, 'keep-alive');
    assert.match(res.headers['x-session-id'] as string, /^[0-9a-f-]{36}$/);
    assert.equal(res.headers['access-control-expose-headers'], 'X-Session-ID');
    assert.ok(res.body.endsWith('data: [DONE]\n\n'));
    const frames = sseData(res.body);
    assert.equal(frames.at(-1), '[DONE]');
    const chunks = frames.slice(0, -1);
    const usage = chunks.pop();
    assert.deepEqual(usage.choices, [], 'the usage chunk has no choices');
    assert.ok(usage.usage.completion_tokens > 0);
    const ids = new Set(chunks.map((c) => c.id));
    assert.equal(ids.size, 1);
    for (const c of chunks) {
      assert.equal(c.object, 'chat.completion.chunk');
      assert.equal(c.model, 'fake-model');
      assert.equal(typeof c.created, 'number');
    }
    assert.deepEqual(chunks[0].choices[0].delta.role, 'assistant');
    assert.ok(chunks.slice(1).every((c) => c.choices[0].delta.role === undefined), 'role only on the first delta');
    assert.ok(chunks.slice(0, -1).every((c) => c.choices[0].finish_reason === null), 'finish_reason null until the end');
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'stop');
    assert.deepEqual(chunks.at(-1).choices[0].delta, {});
    assert.equal(chunks.map((c) => c.choices[0].delta.content ?? '').join(''), FAKE_STORY);
    assert.ok(chunks.length > 10, 'streamed in pieces');
  });

  test('stateless: no X-Session-ID header (JSON and stream) and nothing stored', async () => {
    const a = await chat({ messages: USER }, { 'x-no-session': 'true' });
    assert.equal(a.statusCode, 200);
    assert.equal(a.headers['x-session-id'], undefined);
    const b = await chat({ messages: USER, stream: true }, { 'x-no-session': '' });
    assert.equal(b.statusCode, 200);
    assert.equal(b.headers['x-session-id'], undefined);
  });

  test('heartbeat comments while the upstream is busy; the stream still parses', async () => {
    fake.script({ headerDelayMs: 250, content: 'Late but here.' });
    const res = await chat({ messages: USER, stream: true }, { 'x-no-session': '1' });
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.startsWith(': heartbeat\n\n'), res.body.slice(0, 80));
    const frames = sseData(res.body);
    assert.equal(frames.slice(0, -1).map((c) => c.choices[0].delta.content ?? '').join(''), 'Late but here.');
  });

  test('upstream failures: 502 naming the upstream and cause (JSON, and streams that fail before the first frame)', async () => {
    fake.script({ status: 500, errorMessage: 'model crashed' });
    let res = await chat({ messages: USER });
    assert.equal(res.statusCode, 502);
    const detail = json(res).detail as string;
    assert.match(detail, /Model 'default' \(openai fake-model\) failed/);
    assert.match(detail, /127\.0\.0\.1:\d+\/v1\/chat\/completions/);
    assert.match(detail, /HTTP 500: model crashed/);

    fake.script({ status: 503, errorMessage: 'overloaded' });
    res = await chat({ messages: USER, stream: true });
    assert.equal(res.statusCode, 502);
    assert.match(res.headers['content-type'] as string, /application\/json/);
    assert.match(json(res).detail, /overloaded/);

    // A stream that breaks after it started: an error frame, then [DONE]; HTTP 200 was already sent.
    fake.script({ disconnectAfter: 3, tokenDelayMs: 5 });
    res = await chat({ messages: USER, stream: true });
    assert.equal(res.statusCode, 200);
    const frames = sseData(res.body);
    assert.equal(frames.at(-1), '[DONE]');
    const err = frames.at(-2);
    assert.equal(err.error.code, 502);
    assert.equal(err.error.type, 'upstream_error');
    assert.match(err.error.message, /Model 'default'/);
  });

  test('an unreachable upstream is a 502 too', async () => {
    const closed = await ChatUpstreamFake.start();
    const url = closed.url;
    await closed.close();
    await createChatProject(t.app, 'org', 'down', { baseUrl: `${url}/v1` });
    const res = await t.app.inject({ method: 'POST', url: '/v1/projects/org/down/chat/completions', payload: { messages: USER } });
    assert.equal(res.statusCode, 502);
    assert.match(json(res).detail, /ECONNREFUSED/);
  });

  test('thinking: reasoning separated into thinking{content,tokens} / delta.reasoning_content, never in content', async () => {
    fake.script({ reasoning: 'Fifteen percent is 0.15 times 85.', content: '12.75' });
    let res = await chat({ messages: [{ role: 'user', content: 'What is 15% of 85?' }], think: true, thinking_budget: 512 }, { 'x-no-session': '1' });
    assert.equal(res.statusCode, 200, res.body);
    let body = json(res);
    assert.equal(body.choices[0].message.content, '12.75');
    assert.deepEqual(body.thinking, { content: 'Fifteen percent is 0.15 times 85.', tokens: null });
    const up = fake.lastChat!.body;
    assert.deepEqual(up.chat_template_kwargs, { enable_thinking: true });
    assert.equal(up.max_tokens, 512, 'answer budget defaults to 512 when thinking');

    fake.script({ reasoning: 'Inline thoughts.', reasoningAs: 'inline', content: 'The answer.' });
    res = await chat({ messages: USER, think: true, max_tokens: 100 });
    body = json(res);
    assert.equal(fake.lastChat!.body.max_tokens, 100);
    assert.equal(body.choices[0].message.content, 'The answer.');
    assert.equal(body.thinking.content, 'Inline thoughts.');
    const history = json(await t.app.inject(`${P}/chat/sessions/${res.headers['x-session-id']}/history`));
    assert.deepEqual(history.messages.at(-1), { role: 'assistant', content: 'The answer.' });

    fake.script({ reasoning: 'Streamed thoughts here.', reasoningAs: 'inline', content: 'Streamed answer.' });
    res = await chat({ messages: USER, stream: true, think: true }, { 'x-no-session': '1' });
    const chunks = sseData(res.body).slice(0, -1);
    assert.equal(chunks.map((c) => c.choices[0].delta.reasoning_content ?? '').join(''), 'Streamed thoughts here.');
    assert.equal(chunks.map((c) => c.choices[0].delta.content ?? '').join(''), 'Streamed answer.');
    assert.ok(!res.body.includes('<think>') && !res.body.includes('</think>'));

    // A client echoing an assistant turn with its reasoning block: the block never reaches the upstream.
    await chat({ messages: [{ role: 'assistant', content: '<think>secret</think>\n\nVisible.' }, ...USER] }, { 'x-no-session': '1' });
    assert.equal(fake.lastChat!.body.messages[1].content, 'Visible.');
  });

  test('tools: request tools are forwarded; tool calls come back in OpenAI shape', async () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    fake.script({ toolCalls: [{ name: 'get_weather', arguments: '{"city":"Lima"}', id: 'call_1' }], content: '' });
    const res = await chat({ messages: USER, tools, tool_choice: 'auto' }, { 'x-no-session': '1' });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(fake.lastChat!.body.tools, tools);
    assert.equal(fake.lastChat!.body.tool_choice, 'auto');
    const body = json(res);
    assert.equal(body.choices[0].finish_reason, 'tool_calls');
    assert.equal(body.choices[0].message.content, null);
    assert.deepEqual(body.choices[0].message.tool_calls, [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lima"}' } }]);
  });

  test('events: an inference event per request with sub-events, time to first token, failures recorded', async () => {
    const list = async () => json(await t.app.inject(`${P}/event_logs?type=inference&limit=100`)).events as any[];
    const before = (await list()).length;
    await chat({ messages: USER }, { 'x-no-session': '1' });
    await chat({ messages: USER, stream: true }, { 'x-no-session': '1' });
    fake.script({ status: 500 });
    await chat({ messages: USER }, { 'x-no-session': '1' });
    const events = await list();
    assert.equal(events.length, before + 3);
    const [failed, streamed, plain] = events;
    const detail = async (id: string) => json(await t.app.inject(`${P}/event_logs/${id}`));
    const p = await detail(plain.event_id);
    assert.equal(p.status, 'completed');
    assert.deepEqual(p.events.map((e: any) => e.event_name), ['request_received', 'llm_inference_start', 'llm_inference_complete', 'response_generated']);
    assert.equal(p.events[0].data.model, 'default');
    assert.equal(p.events[0].data.message_length, 1);
    assert.equal(p.events[3].data.object, 'chat.completion');
    assert.match(p.request_id, /^req_[0-9a-f]{12}$/);
    assert.match(p.config_hash, /^sha256_/);
    const s = await detail(streamed.event_id);
    assert.deepEqual(s.events.map((e: any) => e.event_name), ['request_received', 'llm_inference_start', 'llm_first_token', 'llm_inference_complete', 'stream_complete']);
    assert.equal(typeof s.time_to_first_token_ms, 'number');
    assert.equal(s.summary.finish_reason, 'stop');
    const f = await detail(failed.event_id);
    assert.equal(f.status, 'failed');
    assert.match(f.error, /failed/);
  });

  test('GET /models: every configured model with `default`; the first when no default_model; 404 unknown project', async () => {
    const res = await t.app.inject(`${P}/models`);
    assert.equal(res.statusCode, 200);
    let body = json(res);
    assert.equal(body.total, 2);
    assert.deepEqual(
      body.models.map((m: any) => [m.name, m.model, m.provider, m.default]),
      [['default', 'fake-model', 'openai', true], ['m1', 'fake-large', 'openai', false]],
    );
    assert.equal(body.models[0].base_url, `${fake.url}/v1`);
    assert.deepEqual(body.models[0].prompts, []);

    await createChatProject(t.app, 'org', 'nodefault', { baseUrl: `${fake.url}/v1`, models: ['fake-model', 'fake-large'], defaultModel: null });
    body = json(await t.app.inject('/v1/projects/org/nodefault/models'));
    assert.deepEqual(body.models.map((m: any) => m.default), [true, false]);

    await createChatProject(t.app, 'org', 'legacy', { runtime: { provider: 'openai', model: 'fake-model', base_url: `${fake.url}/v1`, temperature: 0.3 } });
    body = json(await t.app.inject('/v1/projects/org/legacy/models'));
    assert.equal(body.total, 1);
    assert.equal(body.models[0].name, 'default');
    assert.equal(body.models[0].default, true);
    assert.deepEqual(body.models[0].model_api_parameters, { temperature: 0.3 });
    const chatRes = await t.app.inject({ method: 'POST', url: '/v1/projects/org/legacy/chat/completions', payload: { messages: USER } });
    assert.equal(chatRes.statusCode, 200);
    assert.equal(fake.lastChat!.body.temperature, 0.3, 'legacy temperature applies');

    assert.equal((await t.app.inject('/v1/projects/org/ghost/models')).statusCode, 404);
  });

  test('a config change is picked up by the next request', async () => {
    const cfg = json(await t.app.inject(P)).project.config;
    cfg.prompts = [{ name: 'default', messages: [{ role: 'system', content: 'Changed prompt.' }] }];
    assert.equal((await t.app.inject({ method: 'PUT', url: P, payload: { config: cfg } })).statusCode, 200);
    await chat({ messages: USER }, { 'x-no-session': '1' });
    assert.equal(fake.lastChat!.body.messages[0].content, 'Changed prompt.');
  });
});
