/**
 * Citations (issue 18 item 1) through the official `openai` client over a real socket: `include_sources` gives a
 * top-level `sources` array (non-stream) or one `{"type":"sources"}` event before the first token (stream),
 * numbered as in the context the model saw, stored with the answer in the session history. Without it the wire
 * is OpenAI's. A store that fails: the answer still comes, `sources` is empty with a reason.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { multipart } from '../helpers/multipart.js';
import { waitForTask } from '../helpers/projects.js';
import { ChatUpstreamFake, FAKE_STORY } from '../fakes/chat-upstream-fake.js';
import { createChatProject, sseData } from './chat-setup.js';

const HANDBOOK = `# Llama care handbook

## Feeding

Llamas eat grass and hay. An adult llama eats about two percent of its body weight every day.

## Shearing

Shear llamas once a year, in spring, before the hot weather arrives.

## Housing

A simple three-sided shelter keeps llamas out of the wind and the rain.
`;

/** "Source n" name, file and content of each chunk of the context block of a system prompt. */
function contextBlocks(system: string): { n: number; source: string; content: string }[] {
  const re = /<chunk_name>Source (\d+): "([^"]*)"[^<]*<\/chunk_name>\n {2}<chunk_content>([\s\S]*?)<\/chunk_content>/g;
  return [...system.matchAll(re)].map((m) => ({ n: Number(m[1]), source: m[2], content: m[3] }));
}

type WithSources = { sources?: any[]; sources_reason?: string };

describe('Citations (include_sources) with the official openai client', () => {
  let t: TestApp;
  let fake: ChatUpstreamFake;
  let client: OpenAI;
  const P = '/v1/projects/org/cite';

  before(async () => {
    fake = await ChatUpstreamFake.start();
    t = await makeTestApp();
    await createChatProject(t.app, 'org', 'cite', { baseUrl: `${fake.url}/v1`, rag: true });
    const created = await t.app.inject({ method: 'POST', url: `${P}/datasets`, payload: { name: 'docs', data_processing_strategy: 'universal_processor', database: 'main_database' } });
    assert.equal(created.statusCode, 200, created.body);
    const { payload, headers } = multipart([{ filename: 'handbook.md', content: HANDBOOK, contentType: 'text/markdown' }]);
    assert.equal((await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/data`, payload, headers })).statusCode, 200);
    const started = json(await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/actions`, payload: { action_type: 'process' } }));
    assert.equal((await waitForTask(t.app, 'org', 'cite', started.task_id, 120_000)).state, 'SUCCESS');
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (t.app.server.address() as AddressInfo).port;
    client = new OpenAI({ baseURL: `http://127.0.0.1:${port}${P}`, apiKey: 'not-needed', maxRetries: 0, timeout: 20_000 });
  });
  after(async () => {
    await t.close();
    await fake.close();
  });

  test('non-stream: top-level sources, numbered as in the context, each with every field; stored in the history', async () => {
    const params = { model: 'default', messages: [{ role: 'user' as const, content: 'When should llamas be sheared?' }], include_sources: true } as OpenAI.ChatCompletionCreateParamsNonStreaming;
    const { data, response } = await client.chat.completions.create(params).withResponse();
    assert.equal(data.choices[0].message.content, FAKE_STORY);
    const { sources } = data as unknown as WithSources;
    assert.ok(sources && sources.length >= 2, JSON.stringify(data));
    const blocks = contextBlocks(fake.lastChat!.body.messages[0].content);
    assert.equal(sources.length, blocks.length);
    sources.forEach((s, i) => {
      assert.deepEqual(Object.keys(s).sort(), ['chunk_id', 'content', 'database', 'dataset', 'document_id', 'end_position', 'index', 'metadata', 'page', 'score', 'source', 'start_position']);
      assert.equal(s.index, i + 1);
      assert.equal(s.index, blocks[i].n, 'index n is the context block "Source n"');
      assert.equal(s.content, blocks[i].content);
      assert.equal(s.source, 'handbook.md');
      assert.equal(s.dataset, 'docs');
      assert.equal(s.database, 'main_database');
      assert.equal(typeof s.chunk_id, 'string');
      assert.equal(typeof s.document_id, 'string');
      assert.equal(typeof s.score, 'number');
    });
    assert.ok(sources.some((s) => /Shear llamas/.test(s.content)));
    const sid = response.headers.get('x-session-id')!;
    const history = json(await t.app.inject(`${P}/chat/sessions/${sid}/history`)).messages;
    const answer = history.at(-1);
    assert.equal(answer.role, 'assistant');
    assert.deepEqual(answer.sources, sources, 'the answer keeps its sources');
    assert.equal(history.at(-2).sources, undefined);
    // The stored sources never reach the model: the next turn's upstream request carries none.
    await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'And feeding?' }] }, { headers: { 'X-Session-ID': sid } });
    assert.ok(!JSON.stringify(fake.lastChat!.body).includes('"sources"'));
  });

  test('sources_limit cuts the list; out-of-range limits are 422', async () => {
    const data = (await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'llamas' }], include_sources: true, sources_limit: 1 } as OpenAI.ChatCompletionCreateParamsNonStreaming)) as unknown as WithSources;
    assert.equal(data.sources!.length, 1);
    assert.equal(data.sources![0].index, 1);
    const bad = await t.app.inject({ method: 'POST', url: `${P}/chat/completions`, payload: { messages: [{ role: 'user', content: 'x' }], include_sources: true, sources_limit: 0 }, headers: { 'x-no-session': '1' } });
    assert.equal(bad.statusCode, 422, bad.body);
    assert.match(bad.body, /sources_limit/);
  });

  test('stream: one sources event before the first token, then the usual chunks', async () => {
    const stream = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'When should llamas be sheared?' }], stream: true, include_sources: true } as OpenAI.ChatCompletionCreateParamsStreaming);
    const events: any[] = [];
    for await (const e of stream) events.push(e);
    assert.equal(events[0].type, 'sources');
    assert.ok(events[0].sources.length >= 2);
    assert.equal(events[0].sources[0].index, 1);
    assert.equal(events.filter((e) => e.type === 'sources').length, 1);
    const rest = events.slice(1);
    assert.ok(rest.every((e) => e.object === 'chat.completion.chunk'));
    assert.equal(rest.map((e) => e.choices[0]?.delta.content ?? '').join(''), FAKE_STORY);
  });

  test('without include_sources the wire is OpenAI\'s: no sources key, only chat.completion.chunk frames', async () => {
    const plain = await t.app.inject({ method: 'POST', url: `${P}/chat/completions`, payload: { messages: [{ role: 'user', content: 'When should llamas be sheared?' }] }, headers: { 'x-no-session': '1' } });
    assert.equal(plain.statusCode, 200);
    assert.deepEqual(Object.keys(json(plain)).sort(), ['choices', 'created', 'id', 'model', 'object', 'usage']);
    const streamed = await t.app.inject({ method: 'POST', url: `${P}/chat/completions`, payload: { messages: [{ role: 'user', content: 'When should llamas be sheared?' }], stream: true, include_sources: false }, headers: { 'x-no-session': '1' } });
    const frames = sseData(streamed.body);
    assert.equal(frames.at(-1), '[DONE]');
    assert.ok(frames.slice(0, -1).every((f) => f.object === 'chat.completion.chunk'));
    assert.ok(!streamed.body.includes('"sources"'));
  });

  test('RAG turned off: sources empty with the reason', async () => {
    const data = (await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'hi' }], include_sources: true, rag_enabled: false } as OpenAI.ChatCompletionCreateParamsNonStreaming)) as unknown as WithSources;
    assert.deepEqual(data.sources, []);
    assert.match(data.sources_reason!, /rag_enabled is false/);
  });

  test('a store that fails: the answer still streams, sources empty with the reason', async () => {
    const cfg = json(await t.app.inject(P)).project.config;
    cfg.rag.databases[0].embedding_strategies[0].config.dimension = 64; // no longer the embedder the store was built with
    assert.equal((await t.app.inject({ method: 'PUT', url: P, payload: { config: cfg } })).statusCode, 200);
    const stream = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'When should llamas be sheared?' }], stream: true, include_sources: true } as OpenAI.ChatCompletionCreateParamsStreaming);
    const events: any[] = [];
    for await (const e of stream) events.push(e);
    assert.equal(events[0].type, 'sources');
    assert.deepEqual(events[0].sources, []);
    assert.match(events[0].reason, /retrieval failed: .*embedder/i);
    assert.equal(events.slice(1).map((e) => e.choices[0]?.delta.content ?? '').join(''), FAKE_STORY);
    const data = (await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'When?' }], include_sources: true } as OpenAI.ChatCompletionCreateParamsNonStreaming)) as unknown as WithSources;
    assert.deepEqual(data.sources, []);
    assert.match(data.sources_reason!, /retrieval failed/);
  });
});
