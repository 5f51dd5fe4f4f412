/** The official `openai` npm client against our endpoint over a real socket: non-stream, stream, abort, errors. */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { ChatUpstreamFake, FAKE_STORY } from '../fakes/chat-upstream-fake.js';
import { createChatProject } from './chat-setup.js';

async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Chat API with the official openai client', () => {
  let t: TestApp;
  let fake: ChatUpstreamFake;
  let client: OpenAI;
  let base: string;

  before(async () => {
    fake = await ChatUpstreamFake.start();
    t = await makeTestApp();
    await createChatProject(t.app, 'org', 'bot', { baseUrl: `${fake.url}/v1` });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/v1/projects/org/bot`;
    client = new OpenAI({ baseURL: base, apiKey: 'not-needed', maxRetries: 0, timeout: 20_000 });
  });
  after(async () => {
    await t.close();
    await fake.close();
  });

  test('non-stream: a parsed ChatCompletion, the session id in the response headers', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'Hello!' }], max_tokens: 200 }).withResponse();
    assert.equal(data.object, 'chat.completion');
    assert.equal(data.choices[0].message.content, FAKE_STORY);
    assert.equal(data.choices[0].finish_reason, 'stop');
    assert.ok(data.usage && data.usage.total_tokens > 0);
    const sid = response.headers.get('x-session-id');
    assert.match(sid ?? '', /^[0-9a-f-]{36}$/);
    // Continue the session through the client's per-request headers.
    await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'More.' }] }, { headers: { 'X-Session-ID': sid! } });
    const h = json(await t.app.inject(`/v1/projects/org/bot/chat/sessions/${sid}/history`));
    assert.equal(h.messages.length, 4);
  });

  test('stream: chunks iterate to the whole answer with finish_reason and usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'default',
      messages: [{ role: 'user', content: 'Tell me a story.' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      assert.equal(chunk.object, 'chat.completion.chunk');
      const choice = chunk.choices[0];
      if (choice?.delta.content) text += choice.delta.content;
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.ok(chunks > 10);
    assert.equal(text, FAKE_STORY);
    assert.equal(finish, 'stop');
    assert.ok(usage && usage.completion_tokens > 0);
  });

  test('abort mid-stream: the upstream call is aborted, the event fails, the partial answer is kept marked interrupted', async () => {
    fake.script({ tokenDelayMs: 30 });
    const abortedBefore = fake.abortedStreams;
    const stream = await client.chat.completions.create(
      { model: 'default', messages: [{ role: 'user', content: 'A long story please.' }], stream: true },
      { headers: { 'X-Session-ID': 'aborted-session' } },
    );
    let seen = 0;
    let received = '';
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) {
        seen++;
        received += chunk.choices[0].delta.content;
      }
      if (seen === 3) {
        stream.controller.abort();
        break;
      }
    }
    assert.equal(seen, 3);
    await until(() => fake.abortedStreams > abortedBefore);
    // The turn stays in the history: the question, then what was sent of the answer, marked interrupted.
    const history = '/v1/projects/org/bot/chat/sessions/aborted-session/history';
    await until(async () => (await t.app.inject(history)).statusCode === 200);
    const messages = json(await t.app.inject(history)).messages.filter((m: any) => m.role !== 'system');
    assert.equal(messages.length, 2);
    assert.deepEqual(messages[0], { role: 'user', content: 'A long story please.' });
    assert.equal(messages[1].role, 'assistant');
    assert.equal(messages[1].interrupted, true);
    assert.ok(messages[1].content.startsWith(received), `${JSON.stringify(messages[1].content)} starts with what the client saw`);
    assert.ok(messages[1].content.length < FAKE_STORY.length, 'only part of the answer');
    await until(async () => {
      const events = json(await t.app.inject('/v1/projects/org/bot/event_logs?type=inference')).events;
      return events[0]?.status === 'failed';
    });
    const [latest] = json(await t.app.inject('/v1/projects/org/bot/event_logs?type=inference')).events;
    const detail = json(await t.app.inject(`/v1/projects/org/bot/event_logs/${latest.event_id}`));
    assert.match(detail.error, /client disconnected/);
    assert.ok(detail.events.some((e: any) => e.event_name === 'llm_first_token'));
  });

  test('models.list() lists the configured models (OpenAI `data` beside the reference `models`)', async () => {
    const page = await client.models.list();
    assert.deepEqual(
      page.data.map((m) => [m.id, m.object, m.owned_by]),
      [['default', 'model', 'openai']],
    );
    const raw = json(await t.app.inject('/v1/projects/org/bot/models'));
    assert.equal(raw.object, 'list');
    assert.equal(raw.total, 1);
    assert.equal(raw.models[0].name, 'default');
  });

  test('abort of a stream before its first frame: the turn ends as a client disconnect', async () => {
    fake.script({ headerDelayMs: 400 });
    const ac = new AbortController();
    const before = fake.chatRequests.length;
    const pending = client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'x' }], stream: true }, { signal: ac.signal, headers: { 'X-Session-ID': 'early-abort' } });
    await until(() => fake.chatRequests.length > before);
    ac.abort();
    await assert.rejects(pending);
    await until(async () => json(await t.app.inject('/v1/projects/org/bot/event_logs?type=inference')).events[0]?.status === 'failed');
    const [latest] = json(await t.app.inject('/v1/projects/org/bot/event_logs?type=inference')).events;
    assert.match(json(await t.app.inject(`/v1/projects/org/bot/event_logs/${latest.event_id}`)).error, /client disconnected/);
    assert.equal((await t.app.inject('/v1/projects/org/bot/chat/sessions/early-abort/history')).statusCode, 404);
  });

  test('abort of a non-stream request aborts the upstream call too', async () => {
    fake.script({ tokenDelayMs: 30, content: 'slow '.repeat(50) });
    const ac = new AbortController();
    const before = fake.chatRequests.length;
    const pending = client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'slow' }] }, { signal: ac.signal, headers: { 'X-No-Session': '1' } });
    await until(() => fake.chatRequests.length > before);
    ac.abort();
    await assert.rejects(pending, (e: Error) => e.name === 'APIUserAbortError' || /abort/i.test(e.message));
    await until(async () => json(await t.app.inject('/v1/projects/org/bot/event_logs?type=inference')).events[0]?.status === 'failed');
  });

  test('errors map to the client error classes: 400 unknown model, 502 upstream failure (also for streams)', async () => {
    await assert.rejects(client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.BadRequestError);
      assert.match(e.message, /Model 'gpt-4o' not found. Available: default/);
      return true;
    });
    fake.script({ status: 500, errorMessage: 'boom' });
    await assert.rejects(client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.InternalServerError);
      assert.equal((e as InstanceType<typeof OpenAI.APIError>).status, 502);
      return true;
    });
    // A stream cut after it started: the client raises the error frame.
    fake.script({ disconnectAfter: 4, tokenDelayMs: 5 });
    const stream = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'x' }], stream: true });
    let text = '';
    await assert.rejects(
      (async () => {
        for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
      })(),
      (e: Error) => /Model 'default'/.test(e.message),
    );
    assert.ok(text.length > 0, 'the first pieces arrived before the error');
  });
});
