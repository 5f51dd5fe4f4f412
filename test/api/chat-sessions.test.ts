import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import pino from 'pino';
import { makeTestApp, json, tempDir, type TestApp } from '../helpers/app.js';
import { ChatUpstreamFake, FAKE_STORY } from '../fakes/chat-upstream-fake.js';
import { createChatProject, SYSTEM_PROMPT } from './chat-setup.js';
import { loadSettings } from '../../src/core/settings.js';
import { createContext } from '../../src/services/context.js';
import { buildApp } from '../../src/api/app.js';
import { openMetadataDb } from '../../src/storage/sqlite.js';
import { sessionTtlMs } from '../../src/services/chat/sessions.js';
import { SqliteSessionStore } from '../../src/services/chat/sessions-sqlite.js';

const SEEDS = [
  { role: 'user', content: 'Who are you?' },
  { role: 'assistant', content: 'I am the farm assistant.' },
];

describe('Chat sessions', () => {
  let t: TestApp;
  let fake: ChatUpstreamFake;
  const P = '/v1/projects/org/bot';
  const chat = (payload: object, headers: Record<string, string> = {}, project = P) => t.app.inject({ method: 'POST', url: `${project}/chat/completions`, payload, headers });
  const history = async (id: string, project = P) => t.app.inject(`${project}/chat/sessions/${id}/history`);

  before(async () => {
    fake = await ChatUpstreamFake.start();
    t = await makeTestApp();
    await createChatProject(t.app, 'org', 'bot', { baseUrl: `${fake.url}/v1` });
  });
  after(async () => {
    await t.close();
    await fake.close();
  });

  test('X-Session-ID: a given id is used and returned; history is the conversation; LlamaFarm-style clients append', async () => {
    fake.script({ content: 'Hi Ann.' }, { content: 'Your name is Ann.' });
    let res = await chat({ messages: [{ role: 'user', content: 'I am Ann.' }] }, { 'x-session-id': 'user-42:chat.1' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-session-id'], 'user-42:chat.1');
    res = await chat({ messages: [{ role: 'user', content: 'Who am I?' }] }, { 'x-session-id': 'user-42:chat.1' });
    assert.equal(json(res).choices[0].message.content, 'Your name is Ann.');
    // The model saw the whole conversation.
    assert.deepEqual(fake.lastChat!.body.messages, [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: 'I am Ann.' },
      { role: 'assistant', content: 'Hi Ann.' },
      { role: 'user', content: 'Who am I?' },
    ]);
    const h = json(await history('user-42:chat.1'));
    assert.deepEqual(h.messages, [
      { role: 'user', content: 'I am Ann.' },
      { role: 'assistant', content: 'Hi Ann.' },
      { role: 'user', content: 'Who am I?' },
      { role: 'assistant', content: 'Your name is Ann.' },
    ]);
  });

  test('OpenAI-style clients resend the conversation: only the new suffix is appended; system messages are not stored', async () => {
    const id = 'openai-style';
    fake.script({ content: 'A1' }, { content: 'A2' }, { content: 'A3' });
    const sys = { role: 'system', content: 'Be brief.' };
    await chat({ messages: [sys, { role: 'user', content: 'Q1' }] }, { 'x-session-id': id });
    await chat({ messages: [sys, { role: 'user', content: 'Q1' }, { role: 'assistant', content: 'A1' }, { role: 'user', content: 'Q2' }] }, { 'x-session-id': id });
    assert.deepEqual(fake.lastChat!.body.messages.map((m: any) => m.content), [`${SYSTEM_PROMPT}\n\nBe brief.`, 'Q1', 'A1', 'Q2']);
    // Not a continuation (the stored history differs): every message is new.
    await chat({ messages: [{ role: 'user', content: 'Q1' }, { role: 'assistant', content: 'other' }] }, { 'x-session-id': id });
    const h = json(await history(id)).messages.map((m: any) => `${m.role}:${m.content}`);
    assert.deepEqual(h, ['user:Q1', 'assistant:A1', 'user:Q2', 'assistant:A2', 'user:Q1', 'assistant:other', 'assistant:A3']);
  });

  test('invalid X-Session-ID → 400; an empty one starts a new session; an unknown one starts that session', async () => {
    for (const bad of ['has space', 'x'.repeat(129), 'slash/no', 'semi;colon']) {
      const res = await chat({ messages: [{ role: 'user', content: 'x' }] }, { 'x-session-id': bad });
      assert.equal(res.statusCode, 400, bad);
      assert.match(json(res).detail, /X-Session-ID/);
    }
    const empty = await chat({ messages: [{ role: 'user', content: 'x' }] }, { 'x-session-id': '' });
    assert.match(empty.headers['x-session-id'] as string, /^[0-9a-f-]{36}$/);
    assert.equal((await history('brand-new')).statusCode, 404);
    await chat({ messages: [{ role: 'user', content: 'x' }] }, { 'x-session-id': 'brand-new' });
    assert.equal(json(await history('brand-new')).messages.length, 2);
  });

  test('X-No-Session: nothing stored; a failed or aborted answer stores nothing either', async () => {
    const before = json(await t.app.inject({ method: 'DELETE', url: `${P}/chat/sessions` })).count;
    assert.ok(before >= 0);
    await chat({ messages: [{ role: 'user', content: 'x' }] }, { 'x-no-session': '1', 'x-session-id': 'ignored-id' });
    assert.equal((await history('ignored-id')).statusCode, 404);
    fake.script({ status: 500 });
    const failed = await chat({ messages: [{ role: 'user', content: 'x' }] }, { 'x-session-id': 'failing' });
    assert.equal(failed.statusCode, 502);
    assert.equal(failed.headers['x-session-id'], 'failing');
    assert.equal((await history('failing')).statusCode, 404, 'a failed turn leaves no session behind');
    assert.equal(json(await t.app.inject({ method: 'DELETE', url: `${P}/chat/sessions` })).count, 0);
  });

  test('seed prompts: non-system prompt messages start new sessions (once) and every stateless request', async () => {
    await createChatProject(t.app, 'org', 'seeded', {
      baseUrl: `${fake.url}/v1`,
      prompts: [{ name: 'default', messages: [{ role: 'system', content: SYSTEM_PROMPT }, ...SEEDS] }],
    });
    const S = '/v1/projects/org/seeded';
    fake.script({ content: 'R1' }, { content: 'R2' }, { content: 'R3' });
    await chat({ messages: [{ role: 'user', content: 'Q1' }] }, { 'x-session-id': 's' }, S);
    assert.deepEqual(fake.lastChat!.body.messages, [{ role: 'system', content: SYSTEM_PROMPT }, ...SEEDS, { role: 'user', content: 'Q1' }]);
    // An OpenAI-style client that never saw the seeds resends its conversation.
    await chat({ messages: [{ role: 'user', content: 'Q1' }, { role: 'assistant', content: 'R1' }, { role: 'user', content: 'Q2' }] }, { 'x-session-id': 's' }, S);
    const h = json(await history('s', S)).messages;
    assert.deepEqual(h, [...SEEDS, { role: 'user', content: 'Q1' }, { role: 'assistant', content: 'R1' }, { role: 'user', content: 'Q2' }, { role: 'assistant', content: 'R2' }]);
    await chat({ messages: [{ role: 'user', content: 'Q' }] }, { 'x-no-session': '1' }, S);
    assert.deepEqual(fake.lastChat!.body.messages.slice(1), [...SEEDS, { role: 'user', content: 'Q' }]);
  });

  test('history 404 for unknown sessions; delete one (then 404); delete all answers the count; unknown project 404', async () => {
    for (const id of ['d1', 'd2', 'd3']) await chat({ messages: [{ role: 'user', content: id }] }, { 'x-session-id': id });
    assert.equal((await history('never-seen')).statusCode, 404);
    assert.equal(json(await history('never-seen')).detail, 'Session never-seen not found');
    assert.equal((await history('bad id')).statusCode, 404, 'an id of any form that names nothing is 404');
    let res = await t.app.inject({ method: 'DELETE', url: `${P}/chat/sessions/d1` });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(json(res), { message: 'Session d1 deleted' });
    assert.equal((await history('d1')).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `${P}/chat/sessions/d1` })).statusCode, 404);
    res = await t.app.inject({ method: 'DELETE', url: `${P}/chat/sessions` });
    const { count, message } = json(res);
    assert.ok(count >= 2);
    assert.equal(message, `Deleted ${count} session(s)`);
    assert.equal((await history('d2')).statusCode, 404);
    assert.deepEqual(json(await t.app.inject({ method: 'DELETE', url: `${P}/chat/sessions` })), { message: 'Deleted 0 session(s)', count: 0 });
    assert.equal((await t.app.inject('/v1/projects/org/ghost/chat/sessions/d2/history')).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'DELETE', url: '/v1/projects/org/ghost/chat/sessions' })).statusCode, 404);
  });

  test('deleting the project deletes its sessions', async () => {
    await createChatProject(t.app, 'org', 'doomed', { baseUrl: `${fake.url}/v1` });
    const D = '/v1/projects/org/doomed';
    await chat({ messages: [{ role: 'user', content: 'x' }] }, { 'x-session-id': 'keep' }, D);
    assert.equal((await history('keep', D)).statusCode, 200);
    assert.equal((await t.app.inject({ method: 'DELETE', url: D })).statusCode, 200);
    await createChatProject(t.app, 'org', 'doomed', { baseUrl: `${fake.url}/v1` });
    assert.equal((await history('keep', D)).statusCode, 404);
  });

  test('50 simultaneous chats across 10 sessions: every history intact and ordered', async () => {
    // Replies start after different delays, so turns of different sessions finish out of order.
    const replies = Array.from({ length: 50 }, (_, i) => ({ content: `reply-${i}`, headerDelayMs: (i * 7) % 5 }));
    const firstRequest = fake.requests.length;
    fake.script(...replies);
    const sessions = Array.from({ length: 10 }, (_, s) => `conc-${s}`);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        const s = sessions[i % 10];
        const stream = i % 2 === 0;
        return chat({ messages: [{ role: 'user', content: `${s}/q${Math.floor(i / 10)}` }], stream }, { 'x-session-id': s }).then((r) => assert.equal(r.statusCode, 200));
      }),
    );
    // Which reply each upstream request got: the fake answers in the order it receives requests.
    const served = fake.chatRequests.slice(fake.chatRequests.length - 50);
    assert.equal(fake.requests.length - firstRequest, 50);
    const replyFor = new Map<string, string>();
    served.forEach((r, i) => replyFor.set(r.body.messages.at(-1).content, `reply-${i}`));
    for (const s of sessions) {
      const h = json(await history(s)).messages;
      assert.equal(h.length, 10, `${s} has 5 turns`);
      for (let k = 0; k < 10; k += 2) {
        assert.equal(h[k].role, 'user');
        assert.equal(h[k + 1].role, 'assistant');
        assert.equal(h[k + 1].content, replyFor.get(h[k].content), `${s}: the answer follows its question`);
      }
      // Each upstream request carried the session's whole history before it (serialised, nothing lost).
      const mine = served.filter((r) => r.body.messages.at(-1).content.startsWith(`${s}/`));
      mine.forEach((r, turn) => assert.equal(r.body.messages.length, 1 + turn * 2 + 1, `${s} turn ${turn}`));
    }
  });

  test('history survives a restart (same data dir)', async () => {
    const dataDir = await tempDir();
    const boot = async () => {
      const ctx = await createContext(loadSettings({ dataDir, logLevel: 'silent' }, {}), pino({ level: 'silent' }), { runTasks: false });
      const app = await buildApp(ctx);
      await app.ready();
      return { ctx, app };
    };
    try {
      let s = await boot();
      await createChatProject(s.app, 'org', 'durable', { baseUrl: `${fake.url}/v1` });
      fake.script({ content: 'Remembered.' });
      await s.app.inject({ method: 'POST', url: '/v1/projects/org/durable/chat/completions', payload: { messages: [{ role: 'user', content: 'Remember me.' }] }, headers: { 'x-session-id': 'mem' } });
      await s.app.close();
      await s.ctx.close();
      s = await boot();
      const h = json(await s.app.inject('/v1/projects/org/durable/chat/sessions/mem/history'));
      assert.deepEqual(h.messages, [{ role: 'user', content: 'Remember me.' }, { role: 'assistant', content: 'Remembered.' }]);
      await s.app.inject({ method: 'POST', url: '/v1/projects/org/durable/chat/completions', payload: { messages: [{ role: 'user', content: 'Again.' }] }, headers: { 'x-session-id': 'mem' } });
      assert.deepEqual(fake.lastChat!.body.messages.slice(1).map((m: any) => m.content), ['Remember me.', 'Remembered.', 'Again.']);
      await s.app.close();
      await s.ctx.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('the answer stored is the content only, tool calls kept; stream turns are stored like JSON ones', async () => {
    fake.script({ content: FAKE_STORY });
    await chat({ messages: [{ role: 'user', content: 'story' }], stream: true }, { 'x-session-id': 'streamed' });
    const h = json(await history('streamed')).messages;
    assert.deepEqual(h, [{ role: 'user', content: 'story' }, { role: 'assistant', content: FAKE_STORY }]);
    fake.script({ toolCalls: [{ name: 'lookup', arguments: '{"q":1}', id: 'call_9' }], content: '' });
    await chat({ messages: [{ role: 'user', content: 'use a tool' }], tools: [{ type: 'function', function: { name: 'lookup' } }] }, { 'x-session-id': 'tooly' });
    await chat({ messages: [{ role: 'tool', tool_call_id: 'call_9', content: '42' }] }, { 'x-session-id': 'tooly' });
    const th = json(await history('tooly')).messages;
    assert.deepEqual(th[1], { role: 'assistant', content: null, tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'lookup', arguments: '{"q":1}' } }] });
    assert.deepEqual(th[2], { role: 'tool', content: '42', tool_call_id: 'call_9' });
  });
});

describe('SqliteSessionStore: idle TTL of cached state', () => {
  test('LF_SESSION_TTL_SECONDS sets the TTL (default 30 min)', () => {
    assert.equal(sessionTtlMs({}), 1_800_000);
    assert.equal(sessionTtlMs({ LF_SESSION_TTL_SECONDS: '60' }), 60_000);
    assert.equal(sessionTtlMs({ LF_SESSION_TTL_SECONDS: 'nope' }), 1_800_000);
  });

  test('expiry drops only the cached copy: the history is read back from SQLite', async () => {
    const dir = await tempDir();
    const db = openMetadataDb(`${dir}/meta.db`);
    let now = 1_000_000;
    const store = new SqliteSessionStore(db, 60_000, () => now);
    try {
      await store.append('ns', 'p', 's1', [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }]);
      await store.append('ns', 'p', 's2', [{ role: 'user', content: 'c' }]);
      assert.equal(store.cachedCount, 2);
      now += 30_000;
      await store.load('ns', 'p', 's1'); // s1 used again
      now += 45_000; // s2 idle for 75 s, s1 for 45 s
      store.purgeExpired();
      assert.equal(store.cachedCount, 1);
      now += 61_000;
      store.purgeExpired();
      assert.equal(store.cachedCount, 0);
      assert.deepEqual((await store.load('ns', 'p', 's2'))?.messages, [{ role: 'user', content: 'c' }]);
      assert.equal(store.cachedCount, 1);
      assert.equal(await store.load('ns', 'p', 'nope'), undefined);
    } finally {
      db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
