/**
 * Query history, judgments and evaluation (issue 18 items 2-3) on real stored data (LanceDB + HashingEmbedder)
 * through the real retrieval service and the real task queue.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { multipart } from '../helpers/multipart.js';
import { waitForTask } from '../helpers/projects.js';
import { ChatUpstreamFake } from '../fakes/chat-upstream-fake.js';
import { createChatProject } from './chat-setup.js';
import { evaluateRunAt, ndcgAt } from '../../src/services/eval/metrics.js';
import { formatEvalTable, rankingUnits, type EvalResult } from '../../src/services/eval/evaluate.js';

const FILES: Record<string, string> = {
  'shearing.md': '# Shearing\n\nShear llamas once a year, in spring, before the hot weather arrives. Shearing keeps the fleece clean.\n',
  'feeding.md': '# Feeding\n\nLlamas eat grass and hay. An adult llama eats about two percent of its body weight in hay every day.\n',
  'housing.md': '# Housing\n\nA simple three-sided shelter keeps llamas out of the wind and the rain in winter.\n',
  'health.md': '# Health\n\nVaccinate llamas every year and trim their toenails every few months.\n',
};

describe('Query history, judgments and evaluation', () => {
  let t: TestApp;
  let fake: ChatUpstreamFake;
  const P = '/v1/projects/org/qa';
  const query = async (q: string, extra: object = {}) => {
    const res = await t.app.inject({ method: 'POST', url: `${P}/rag/query`, payload: { query: q, top_k: 4, ...extra } });
    assert.equal(res.statusCode, 200, res.body);
    return json(res);
  };
  const docOf = async (file: string) => {
    const r = await query(FILES[file].split('\n')[2].slice(0, 40), { top_k: 50 });
    const hit = r.results.find((x: any) => x.metadata.source === file);
    assert.ok(hit, `${file} is found in ${JSON.stringify(r.results.map((x: any) => x.metadata.source))}`);
    return hit.document_id as string;
  };
  const judge = (payload: object) => t.app.inject({ method: 'POST', url: `${P}/rag/judgments`, payload });
  const evaluate = async (payload: object) => {
    const res = await t.app.inject({ method: 'POST', url: `${P}/rag/evaluate`, payload });
    return res;
  };

  before(async () => {
    fake = await ChatUpstreamFake.start();
    t = await makeTestApp();
    await createChatProject(t.app, 'org', 'qa', { baseUrl: `${fake.url}/v1`, rag: true });
    assert.equal((await t.app.inject({ method: 'POST', url: `${P}/datasets`, payload: { name: 'docs', data_processing_strategy: 'universal_processor', database: 'main_database' } })).statusCode, 200);
    for (const [filename, content] of Object.entries(FILES)) {
      const { payload, headers } = multipart([{ filename, content, contentType: 'text/markdown' }]);
      assert.equal((await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/data`, payload, headers })).statusCode, 200);
    }
    const started = json(await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/actions`, payload: { action_type: 'process' } }));
    assert.equal((await waitForTask(t.app, 'org', 'qa', started.task_id, 120_000)).state, 'SUCCESS');
  });
  after(async () => {
    await t.close();
    await fake.close();
  });

  const ragQueryEvents = async () => {
    const list = json(await t.app.inject(`${P}/event_logs?type=rag_query&limit=50`)).events;
    return Promise.all(list.map(async (e: any) => json(await t.app.inject(`${P}/event_logs/${e.event_id}`))));
  };

  test('every /rag/query and every RAG chat turn records a rag_query event with the ranked ids', async () => {
    const before = (await ragQueryEvents()).length;
    const r = await query('When should llamas be sheared?', { retrieval_strategy: 'basic_search' });
    const events = await ragQueryEvents();
    assert.equal(events.length, before + 1);
    const ev = events.find((e: any) => e.events[0].data.query === 'When should llamas be sheared?');
    const data = ev.events.find((s: any) => s.event_name === 'rag_query').data;
    assert.equal(data.origin, 'api');
    assert.equal(data.database, 'main_database');
    assert.equal(data.strategy, r.retrieval_strategy_used);
    assert.equal(data.settings.top_k, 4);
    assert.ok(data.latency_ms >= 0);
    assert.deepEqual(
      data.results.map((x: any) => [x.rank, x.chunk_id, x.document_id]),
      r.results.map((x: any, i: number) => [i + 1, x.chunk_id, x.document_id]),
    );
    assert.ok(!JSON.stringify(data).includes('Shear llamas once'), 'contents are not copied into the history');

    const chat = await t.app.inject({ method: 'POST', url: `${P}/chat/completions`, payload: { messages: [{ role: 'user', content: 'What do llamas eat?' }] }, headers: { 'x-no-session': '1' } });
    assert.equal(chat.statusCode, 200);
    const chatEv = (await ragQueryEvents()).find((e: any) => e.events[0].data.query === 'What do llamas eat?');
    assert.ok(chatEv, 'the chat turn is in the history');
    const cd = chatEv.events[0].data;
    assert.equal(cd.origin, 'chat');
    assert.ok(cd.results.length > 0);
  });

  test('judgments: add, replace, list, validate, delete; stored as JSONL in the project folder', async () => {
    const shear = await docOf('shearing.md');
    let res = await judge({ query: '  when to shear  llamas ', document_id: shear, relevance: 2 });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(json(res).replaced, false);
    assert.equal(json(res).judgment.query, 'when to shear llamas');
    res = await judge({ query: 'when to shear llamas', document_id: shear, relevance: 3 });
    assert.equal(json(res).replaced, true);
    const list = json(await t.app.inject(`${P}/rag/judgments`));
    assert.equal(list.total, 1);
    assert.equal(list.judgments[0].relevance, 3);
    const file = await readFile(join(t.dataDir, 'projects', 'org', 'qa', 'lf_data', 'judgments.jsonl'), 'utf8');
    assert.equal(file.trim().split('\n').length, 1);
    assert.equal(JSON.parse(file).relevance, 3);

    assert.equal((await judge({ query: 'x', document_id: shear, relevance: 4 })).statusCode, 422);
    assert.equal((await judge({ query: 'x', relevance: 1 })).statusCode, 400);
    assert.match(json(await judge({ query: 'x', relevance: 1 })).detail, /document_id or chunk_id/);
    assert.equal((await judge({ query: '   ', document_id: 'd', relevance: 1 })).statusCode, 422);
    assert.equal((await t.app.inject({ method: 'POST', url: '/v1/projects/org/nope/rag/judgments', payload: { query: 'x', document_id: 'd', relevance: 1 } })).statusCode, 404);

    const extra = json(await judge({ query: 'other', document_id: shear, relevance: 0 })).judgment;
    assert.equal(json(await t.app.inject(`${P}/rag/judgments?query=other`)).total, 1);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `${P}/rag/judgments/${extra.id}` })).statusCode, 200);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `${P}/rag/judgments/${extra.id}` })).statusCode, 404);
    const all = json(await t.app.inject({ method: 'DELETE', url: `${P}/rag/judgments` }));
    assert.equal(all.deleted, 1);
    assert.equal(json(await t.app.inject(`${P}/rag/judgments`)).total, 0);
  });

  test('evaluating an empty judgment set is 400 saying what to do', async () => {
    const res = await evaluate({});
    assert.equal(res.statusCode, 400);
    assert.match(json(res).detail, /POST .*\/rag\/judgments/);
    // Only non-relevant judgments: still nothing to evaluate.
    await judge({ query: 'when to shear llamas', document_id: await docOf('housing.md'), relevance: 0 });
    assert.equal((await evaluate({})).statusCode, 400);
    assert.equal((await evaluate({ database: 'nope' })).statusCode, 404);
  });

  test('evaluation task: two configs side by side, metrics from the shared code, ranks per query', async () => {
    const docs = Object.fromEntries(await Promise.all(Object.keys(FILES).map(async (f) => [f, await docOf(f)] as const)));
    await judge({ query: 'When should llamas be sheared?', document_id: docs['shearing.md'], relevance: 3 });
    await judge({ query: 'What do llamas eat every day?', document_id: docs['feeding.md'], relevance: 2 });
    const started = await evaluate({
      queries: [{ query: 'shelter from wind and rain', relevant: { [docs['housing.md']]: 1 } }],
      configs: [{ name: 'vector', retrieval_strategy: 'basic_search' }, { name: 'hybrid', retrieval_strategy: 'hybrid_search', hybrid_alpha: 0.5 }],
      k: 3,
    });
    assert.equal(started.statusCode, 202, started.body);
    const body = json(started);
    assert.equal(body.queries, 3);
    assert.equal(body.configs, 2);
    const task = await waitForTask(t.app, 'org', 'qa', body.task_id, 60_000);
    assert.equal(task.state, 'SUCCESS', JSON.stringify(task));
    const result = task.result as EvalResult;
    assert.equal(result.k, 3);
    assert.equal(result.database, 'main_database');
    assert.deepEqual(result.configs.map((c) => c.name), ['vector', 'hybrid']);
    for (const c of result.configs) {
      assert.equal(c.per_query.length, 3);
      assert.equal(c.failed_queries, 0);
      for (const m of Object.values(c.metrics)) assert.ok(m >= 0 && m <= 1);
      assert.ok(c.latency_ms.p95 >= c.latency_ms.p50);
      // The per-query figures agree with the metric code run on the reported ranks.
      for (const q of c.per_query) {
        const [[id, rank]] = Object.entries(q.ranks);
        const ranking = rank === null ? [] : [...Array(rank - 1).fill(0).map((_, i) => `other${i}`), id];
        const judgements = new Map(Object.entries(q.ranks).map(([k]) => [k, 1]));
        assert.ok(Math.abs(ndcgAt(ranking, judgements, 3) - q.ndcg) < 1e-3, JSON.stringify(q));
      }
    }
    const vector = result.configs[0];
    const shear = vector.per_query.find((q) => q.query === 'When should llamas be sheared?')!;
    assert.equal(shear.ranks[docs['shearing.md']], 1, JSON.stringify(vector.per_query));
    assert.equal(result.configs[1].strategy_used, 'hybrid_search');
    const table = formatEvalTable(result);
    assert.match(table, /nDCG@3/);
    assert.match(table, /^vector\s+basic_search/m);
  });

  test('ranking units: a judged chunk counts as itself, other results as their document, once', () => {
    const rel = new Map([['c2', 1], ['dB', 2]]);
    const units = rankingUnits(
      [
        { chunk_id: 'c1', document_id: 'dA' },
        { chunk_id: 'c2', document_id: 'dA' },
        { chunk_id: 'c3', document_id: 'dA' },
        { chunk_id: 'c4', document_id: 'dB' },
        { chunk_id: 'c5', document_id: 'dB' },
      ],
      rel,
    );
    assert.deepEqual(units, ['dA', 'c2', 'dB']);
    const m = evaluateRunAt(new Map([['q', units]]), new Map([['q', rel]]), 10);
    assert.equal(m.queries, 1);
    assert.equal(m.recall, 1);
    assert.equal(m.mrr, 0.5);
  });
});
