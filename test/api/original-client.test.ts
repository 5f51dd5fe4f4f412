/**
 * The original LlamaFarm's own web client ("Designer", 0.0.27) against us (issue #22): the exact request
 * sequence its data and chat pages make — FastAPI-style trailing slashes, the task result's `[success, detail]`
 * pairs, `files_metadata[].chunk_count`, `health.seeds` — and the shapes its code reads without a guard.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { multipart } from '../helpers/multipart.js';
import { ChatUpstreamFake } from '../fakes/chat-upstream-fake.js';
import { createChatProject, sseData } from './chat-setup.js';

const NOTE = '# Shearing\n\nShear llamas once a year, in spring, before the hot weather arrives.\n\n# Feeding\n\nLlamas eat grass and hay.\n';
/** The keys the original's data page reads from each `[success, detail]` pair (original §3.5). */
const DETAIL_KEYS = ['file_hash', 'filename', 'status', 'parser', 'extractors', 'chunks', 'chunk_size', 'embedder', 'stored_count', 'skipped_count', 'error', 'reason'];

describe("The original's web client: its request sequence and the shapes it reads", () => {
  let t: TestApp;
  let fake: ChatUpstreamFake;
  const P = '/v1/projects/org/farm';

  before(async () => {
    fake = await ChatUpstreamFake.start();
    t = await makeTestApp();
    await createChatProject(t.app, 'org', 'farm', { baseUrl: `${fake.url}/v1`, rag: true });
  });
  after(async () => {
    await t.close();
    await fake.close();
  });

  test('health has `seeds` (a list) beside the reference keys', async () => {
    const health = json(await t.app.inject('/health'));
    assert.deepEqual(health.seeds, []);
    for (const k of ['status', 'summary', 'services', 'components', 'timestamp']) assert.ok(k in health, k);
    // Its add-on manager: a 404 with our error body is fine.
    const addons = await t.app.inject('/v1/addons');
    assert.equal(addons.statusCode, 404);
    assert.equal(typeof json(addons).detail, 'string');
  });

  test('trailing slashes answer as without (GET and POST, no redirect), MCP and examples too', async () => {
    const projects = await t.app.inject('/v1/projects/org/');
    assert.equal(projects.statusCode, 200, projects.body);
    assert.ok(json(projects).projects.some((p: any) => p.name === 'farm'));
    assert.equal((await t.app.inject(`${P}/`)).statusCode, 200);
    const created = await t.app.inject({ method: 'POST', url: `${P}/datasets/`, payload: { name: 'docs', data_processing_strategy: 'universal_processor', database: 'main_database' } });
    assert.equal(created.statusCode, 200, created.body);
    const slash = await t.app.inject('/v1/examples/');
    assert.deepEqual(json(slash), json(await t.app.inject('/v1/examples')));
    const init = await t.app.inject({
      method: 'POST',
      url: '/mcp/',
      headers: { accept: 'application/json, text/event-stream', 'content-type': 'application/json' },
      payload: { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'x', version: '1' } } },
    });
    assert.equal(init.statusCode, 200, init.body);
    assert.match(init.body, /"serverInfo"/);
    const session = init.headers['mcp-session-id'];
    if (typeof session === 'string') {
      const closed = await t.app.inject({ method: 'DELETE', url: '/mcp/', headers: { 'mcp-session-id': session } });
      assert.ok(closed.statusCode < 300, closed.body);
    }
  });

  test('list, upload, process, poll, list again, chat with its body: the shapes it reads', async () => {
    // 1. The data page lists datasets with a trailing slash.
    let list = await t.app.inject(`${P}/datasets/?include_extra_details=true`);
    assert.equal(list.statusCode, 200, list.body);
    let docs = json(list).datasets.find((d: any) => d.name === 'docs');
    assert.deepEqual(docs.details.files_metadata, []);

    // 2. Upload (multipart, field `file`).
    const { payload, headers } = multipart([{ filename: 'care.md', content: NOTE, contentType: 'text/markdown' }]);
    const up = await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/data`, payload, headers });
    assert.equal(up.statusCode, 200, up.body);
    const hash = json(up).hash;

    // 3. Process; 4. poll the task (trailing slash) until it is done.
    const started = await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/actions/`, payload: { action_type: 'process' } });
    assert.equal(started.statusCode, 200, started.body);
    const taskId = json(started).task_id;
    let task: any;
    for (let i = 0; i < 2400; i++) {
      task = json(await t.app.inject(`${P}/tasks/${taskId}/`));
      if (task.state === 'SUCCESS' || task.state === 'FAILURE') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(task.state, 'SUCCESS', JSON.stringify(task));
    // Its destructuring: `for (const [ok, detail] of result.details)`.
    assert.equal(task.result.details.length, 1);
    const [ok, detail] = task.result.details[0];
    assert.equal(ok, true);
    for (const k of DETAIL_KEYS) assert.ok(k in detail, `detail.${k}`);
    assert.equal(detail.file_hash, hash);
    assert.equal(detail.status, 'success');
    assert.ok(detail.chunks > 0);
    // Ours beside it: plain objects, the same outcomes.
    assert.deepEqual(task.result.files, [detail]);

    // 5. List again: `chunk_count` (stored chunks) and `hash` on each file.
    list = await t.app.inject(`${P}/datasets/?include_extra_details=true`);
    docs = json(list).datasets.find((d: any) => d.name === 'docs');
    const [meta] = docs.details.files_metadata;
    assert.equal(meta.hash, hash);
    assert.equal(meta.original_file_name, 'care.md');
    assert.equal(meta.chunk_count, detail.stored_count);
    assert.ok(meta.chunk_count > 0);

    // 6. The test chat, with RAG on, streamed, with the body it sends.
    const res = await t.app.inject({
      method: 'POST',
      url: `${P}/chat/completions/`,
      headers: { 'x-session-id': 'designer-1' },
      payload: {
        messages: [{ role: 'user', content: 'When should llamas be shorn?' }],
        stream: true,
        rag_enabled: true,
        database: 'main_database',
        rag_retrieval_strategy: 'basic_search',
        rag_top_k: 3,
        include_sources: true,
      },
    });
    assert.equal(res.statusCode, 200, res.body);
    const frames = sseData(res.body);
    assert.equal(frames.at(-1), '[DONE]');
    const text = frames
      .slice(0, -1)
      .map((f: any) => f.choices?.[0]?.delta?.content ?? '')
      .join('');
    assert.ok(text.length > 0);
    // The retrieved note reached the model's prompt.
    const system = fake.lastChat!.body.messages[0];
    assert.equal(system.role, 'system');
    assert.match(system.content, /Shear llamas once a year/);
  });
});
