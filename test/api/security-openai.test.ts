/**
 * The official `openai` npm client with API keys (issue #13 item 3), over a real socket against the fake
 * upstream. On the old behaviour any `apiKey` (or none) chatted; now, once keys exist, a `use` key chats, while
 * no key or a wrong one is refused with 401 (the client's AuthenticationError) and a `read` key with 403
 * (PermissionDeniedError).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { ChatUpstreamFake, FAKE_STORY } from '../fakes/chat-upstream-fake.js';
import { createChatProject } from './chat-setup.js';

describe('openai client and API key scopes', () => {
  let t: TestApp;
  let fake: ChatUpstreamFake;
  let base: string;
  const keys: Record<string, string> = {};
  const client = (apiKey: string) => new OpenAI({ baseURL: base, apiKey, maxRetries: 0, timeout: 20_000 });

  before(async () => {
    fake = await ChatUpstreamFake.start();
    t = await makeTestApp();
    await createChatProject(t.app, 'org', 'bot', { baseUrl: `${fake.url}/v1` });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/v1/projects/org/bot`;
    // Before any key exists the old behaviour holds: any apiKey chats (loopback default).
    const open = await client('anything').chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(open.choices[0].message.content, FAKE_STORY);
    for (const scope of ['admin', 'use', 'read']) {
      const headers = keys.admin ? { authorization: `Bearer ${keys.admin}` } : {};
      const res = await t.app.inject({ method: 'POST', url: '/v1/keys', headers, payload: { name: scope, scope } });
      assert.equal(res.statusCode, 201, res.body);
      keys[scope] = json(res).key;
    }
  });
  after(async () => {
    await t.close();
    await fake.close();
  });

  test('a `use` key chats (non-stream and stream)', async () => {
    const c = client(keys.use);
    const done = await c.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'Hello!' }] });
    assert.equal(done.choices[0].message.content, FAKE_STORY);
    let text = '';
    for await (const chunk of await c.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'Again' }], stream: true })) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, FAKE_STORY);
  });

  test('no key accepted, a wrong key → 401 AuthenticationError; a read key → 403 PermissionDeniedError', async () => {
    const calls = fake.requests.length;
    await assert.rejects(client('sk-wrong').chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'Hi' }] }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.AuthenticationError, String(e));
      assert.equal(e.status, 401);
      return true;
    });
    await assert.rejects(client(keys.read).chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'Hi' }] }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.PermissionDeniedError, String(e));
      assert.equal(e.status, 403);
      return true;
    });
    const res = await fetch(`${base}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }] }) });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    assert.match(((await res.json()) as { detail: string }).detail, /API key is required/);
    assert.equal(fake.requests.length, calls, 'refused requests never reached the upstream');
  });
});
