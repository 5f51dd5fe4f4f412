/** RAG in chat with real stored data (LanceDB + HashingEmbedder) and the real retrieval service. */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { multipart } from '../helpers/multipart.js';
import { waitForTask } from '../helpers/projects.js';
import { needShared, sharedPath } from '../helpers/shared.js';
import { ChatUpstreamFake } from '../fakes/chat-upstream-fake.js';
import { createChatProject, SYSTEM_PROMPT } from './chat-setup.js';

const HANDBOOK = `# Llama care handbook

## Feeding

Llamas eat grass and hay. An adult llama eats about two percent of its body weight every day.

## Shearing

Shear llamas once a year, in spring, before the hot weather arrives. Contact shearing@example.com to book.
`;
const FAQ = 'question,answer\nHow tall is a llama?,About 1.8 metres at the head.\nDo llamas spit?,Mostly at each other when they argue about food.\n';
const PDF = ['corpora', 'llamafarm', 'samples', 'pdfs', 'Llamas-Alpacas-Rutgers-University.pdf'];

interface Block {
  source: string;
  page?: string;
  relevance: number;
  content: string;
}

/** The chunks of the context block in a system prompt. */
function blocks(system: string): Block[] {
  const re = /<chunk>\n {2}<chunk_name>Source (\d+): "([^"]*)"(?:, Page ([^,]+))?, Relevance: ([\d.]+)<\/chunk_name>\n {2}<chunk_content>([\s\S]*?)<\/chunk_content>\n<\/chunk>/g;
  const out: Block[] = [];
  let n = 0;
  for (const m of system.matchAll(re)) {
    assert.equal(Number(m[1]), ++n, 'sources are numbered from 1');
    out.push({ source: m[2], ...(m[3] ? { page: m[3] } : {}), relevance: Number(m[4]), content: m[5] });
  }
  return out;
}

describe('Chat with RAG', () => {
  let t: TestApp;
  let fake: ChatUpstreamFake;
  const P = '/v1/projects/org/farm';
  const ask = async (question: string, extra: object = {}) => {
    const res = await t.app.inject({ method: 'POST', url: `${P}/chat/completions`, payload: { messages: [{ role: 'user', content: question }], ...extra }, headers: { 'x-no-session': '1' } });
    assert.equal(res.statusCode, 200, res.body);
    return fake.lastChat!.body.messages[0] as { role: string; content: string };
  };
  const latestEvent = async () => {
    const [e] = json(await t.app.inject(`${P}/event_logs?type=inference&limit=1`)).events;
    return json(await t.app.inject(`${P}/event_logs/${e.event_id}`));
  };
  const withPdf = needShared(...PDF) === false;

  before(async () => {
    fake = await ChatUpstreamFake.start();
    t = await makeTestApp();
    await createChatProject(t.app, 'org', 'farm', { baseUrl: `${fake.url}/v1`, rag: true });
    const created = await t.app.inject({ method: 'POST', url: `${P}/datasets`, payload: { name: 'docs', data_processing_strategy: 'universal_processor', database: 'main_database' } });
    assert.equal(created.statusCode, 200, created.body);
    const files: [string, string | Buffer, string][] = [
      ['handbook.md', HANDBOOK, 'text/markdown'],
      ['faq.csv', FAQ, 'text/csv'],
    ];
    if (withPdf) files.push(['llamas.pdf', readFileSync(sharedPath(...PDF)), 'application/pdf']);
    for (const [filename, content, contentType] of files) {
      const { payload, headers } = multipart([{ filename, content, contentType }]);
      const up = await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/data`, payload, headers });
      assert.equal(up.statusCode, 200, up.body);
    }
    const started = json(await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/actions`, payload: { action_type: 'process' } }));
    const task = await waitForTask(t.app, 'org', 'farm', started.task_id, 120_000);
    assert.equal(task.state, 'SUCCESS', JSON.stringify(task));
  });
  after(async () => {
    await t.close();
    await fake.close();
  });

  test('on by default when the project has databases: the context block follows the system prompt', async () => {
    const system = await ask('When should llamas be sheared?');
    assert.equal(system.role, 'system');
    assert.ok(system.content.startsWith(`${SYSTEM_PROMPT}\n\n# EXTRA INFORMATION AND CONTEXT\n## Project Chat Context\n<chunk>\n`), system.content.slice(0, 200));
    const found = blocks(system.content);
    assert.ok(found.length >= 1 && found.length <= 10, `${found.length} chunks (strategy top_k 10)`);
    assert.equal(found[0].source, 'handbook.md');
    assert.match(found[0].content, /Shear llamas once a year/);
    for (const b of found) assert.ok(b.relevance >= 0 && b.relevance <= 1 && (String(b.relevance).split('.')[1] ?? '').length <= 3, `relevance ${b.relevance} in [0,1], at most 3 decimals`);
    for (let i = 1; i < found.length; i++) assert.ok(found[i - 1].relevance >= found[i].relevance, 'best first');
    // The block is per request: it is not in the conversation the upstream saw.
    assert.equal(fake.lastChat!.body.messages.length, 2);

    const ev = await latestEvent();
    const names = ev.events.map((e: any) => e.event_name);
    assert.deepEqual(names.slice(0, 3), ['request_received', 'rag_query_start', 'rag_retrieval_complete']);
    const start = ev.events[1].data;
    assert.deepEqual(start, { database: 'main_database', query: 'When should llamas be sheared?', top_k: 10, retrieval_strategy: 'hybrid_search', rag_queries_count: 0 });
    const done = ev.events[2].data;
    assert.equal(done.chunks_retrieved, found.length);
    assert.equal(typeof done.avg_score, 'number');
    assert.equal(done.top_chunks[0].rank, 1);
    assert.equal(done.top_chunks[0].source, 'handbook.md');
    assert.ok(done.top_chunks[0].content_preview.length <= 100);
    assert.ok(done.top_chunks.length <= 2);
  });

  test('rag_top_k, rag_score_threshold and rag_retrieval_strategy apply', async () => {
    assert.equal(blocks((await ask('How tall is a llama?', { rag_top_k: 1 })).content).length, 1);
    const all = blocks((await ask('How tall is a llama?', { rag_retrieval_strategy: 'basic_search', rag_top_k: 20 })).content);
    const threshold = all[Math.floor(all.length / 2)].relevance;
    const kept = blocks((await ask('How tall is a llama?', { rag_retrieval_strategy: 'basic_search', rag_top_k: 20, rag_score_threshold: threshold })).content);
    assert.ok(kept.length >= 1 && kept.length < all.length, `${kept.length} of ${all.length} kept`);
    for (const b of kept) assert.ok(b.relevance >= Math.round(threshold * 1000) / 1000 - 0.001);
    assert.equal((await latestEvent()).events[1].data.retrieval_strategy, 'basic_search');
  });

  test('rag_enabled false, an unknown database or no user message: no context block, the chat still answers', async () => {
    assert.equal((await ask('When should llamas be sheared?', { rag_enabled: false })).content, SYSTEM_PROMPT);
    assert.equal((await ask('What are the FDA regulations?', { rag_enabled: true, database: 'fda_db', rag_top_k: 10 })).content, SYSTEM_PROMPT);
    const ev = await latestEvent();
    assert.equal(ev.status, 'completed');
    assert.deepEqual(ev.events[1], { ...ev.events[1], event_name: 'rag_skipped', data: { reason: "database 'fda_db' not found (valid names: main_database)" } });
  });

  test('rag_queries: searched concurrently, merged, de-duplicated, sorted and cut to rag_top_k', async () => {
    const system = await ask('Can you summarize the key findings?', { rag_queries: ['shearing in spring', 'how tall is a llama metres', '  '], rag_top_k: 4 });
    const found = blocks(system.content);
    assert.ok(found.length <= 4 && found.length >= 2);
    const sources = new Set(found.map((b) => b.source));
    assert.ok(sources.has('handbook.md') && sources.has('faq.csv'), [...sources].join(','));
    assert.equal(new Set(found.map((b) => b.content)).size, found.length, 'no duplicates');
    for (let i = 1; i < found.length; i++) assert.ok(found[i - 1].relevance >= found[i].relevance);
    const ev = await latestEvent();
    assert.equal(ev.events[1].data.query, '[2 custom queries]');
    assert.equal(ev.events[1].data.rag_queries_count, 2);

    const twice = blocks((await ask('x', { rag_queries: ['llama feeding hay', 'llama feeding hay'], rag_top_k: 10 })).content);
    assert.equal(new Set(twice.map((b) => b.content)).size, twice.length, 'the same query twice gives each chunk once');
  });

  test('PDF chunks name their page', { skip: needShared(...PDF) }, async () => {
    const found = blocks((await ask('alpaca fiber and llama guard animals', { rag_top_k: 10, rag_retrieval_strategy: 'basic_search' })).content);
    const pdf = found.filter((b) => b.source === 'llamas.pdf');
    assert.ok(pdf.length > 0, 'the PDF is retrieved');
    for (const b of pdf) assert.match(b.page ?? '', /^\d+$/);
  });

  test("MultiQueryStrategy rewrites the query with the project's default model", async () => {
    const cfg = json(await t.app.inject(P)).project.config;
    cfg.rag.databases[0].retrieval_strategies.push({ name: 'multi', type: 'MultiQueryStrategy', config: { num_queries: 3, top_k: 5 } });
    assert.equal((await t.app.inject({ method: 'PUT', url: P, payload: { config: cfg } })).statusCode, 200);
    fake.script({ content: '1. llama shearing season\n2. "when to shear a llama"\n' });
    const before = fake.chatRequests.length;
    const out = await t.ctx.retrieval.search('org', 'farm', { query: 'When should llamas be sheared?', retrievalStrategy: 'multi', topK: 3 });
    assert.equal(out.strategyUsed, 'multi');
    assert.equal(fake.chatRequests.length, before + 1);
    const asked = fake.lastChat!.body;
    assert.equal(asked.model, 'fake-model');
    assert.match(asked.messages[1].content, /Number of alternatives: 2\nQuery: When should llamas be sheared\?/);
    assert.equal(out.results[0].metadata.query_variations_source, 'model');

    fake.script({ content: 'shearing time\nllama wool' });
    const system = await ask('When should llamas be sheared?', { rag_retrieval_strategy: 'multi' });
    assert.ok(blocks(system.content).length >= 1);
    assert.equal(fake.chatRequests.at(-2)!.body.messages[0].role, 'system', 'the variation call came first');
  });

  test('a failing retrieval is recorded in the event and the chat goes on without context', async () => {
    const cfg = json(await t.app.inject(P)).project.config;
    cfg.rag.databases[0].embedding_strategies[0].config.dimension = 64; // no longer the embedder the store was built with
    assert.equal((await t.app.inject({ method: 'PUT', url: P, payload: { config: cfg } })).statusCode, 200);
    const system = await ask('When should llamas be sheared?');
    assert.equal(system.content, SYSTEM_PROMPT);
    const ev = await latestEvent();
    assert.equal(ev.status, 'completed');
    const failed = ev.events.find((e: any) => e.event_name === 'rag_retrieval_failed');
    assert.ok(failed, JSON.stringify(ev.events.map((e: any) => e.event_name)));
    assert.match(failed.data.errors[0], /embedder/i);
  });
});
