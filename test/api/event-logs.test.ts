import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';

describe('Event logs API', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp();
    await t.app.inject({ method: 'POST', url: '/v1/projects/ev/p', payload: { name: 'p' } });
  });
  after(async () => t.close());

  test('recorded events are listed newest first with filters and pagination', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const ev = t.ctx.events.start({ namespace: 'ev', project: 'p', type: i % 2 ? 'rag_processing' : 'inference', config: { n: 1 } });
      ev.sub('request_received', { i });
      ev.sub('llm_first_token');
      ev.sub('llm_inference_complete', { finish_reason: 'stop' });
      ev.complete({ model: 'm', tokens: 10 });
      ids.push(ev.id);
      await new Promise((r) => setTimeout(r, 5));
    }
    const failed = t.ctx.events.start({ namespace: 'ev', project: 'p', type: 'inference' });
    failed.fail(new Error('upstream down'));

    const all = json(await t.app.inject('/v1/projects/ev/p/event_logs'));
    assert.equal(all.total, 6);
    assert.equal(all.limit, 10);
    assert.equal(all.offset, 0);
    assert.equal(all.events[0].event_id, failed.id, 'newest first');
    assert.equal(all.events[0].status, 'failed');
    const item = all.events.find((e: any) => e.event_id === ids[0]);
    assert.match(item.event_id, /^evt_\d{8}_\d{6}_inference_[0-9a-f]{6}$/);
    assert.equal(item.type, 'inference');
    assert.equal(item.event_type, 'inference');
    assert.equal(item.summary.model, 'm');
    assert.equal(item.summary.finish_reason, 'stop');
    assert.equal(typeof item.duration_ms, 'number');
    assert.match(item.config_hash, /^sha256_[0-9a-f]{16}$/);

    const rag = json(await t.app.inject('/v1/projects/ev/p/event_logs?type=rag_processing'));
    assert.equal(rag.total, 2);
    assert.ok(rag.events.every((e: any) => e.type === 'rag_processing'));

    const page = json(await t.app.inject('/v1/projects/ev/p/event_logs?limit=2&offset=2'));
    assert.equal(page.events.length, 2);
    assert.equal(page.total, 6);
    assert.equal(page.events[0].event_id, all.events[2].event_id);

    const future = json(await t.app.inject('/v1/projects/ev/p/event_logs?start_time=2999-01-01T00:00:00Z'));
    assert.equal(future.total, 0);
    const past = json(await t.app.inject('/v1/projects/ev/p/event_logs?end_time=2000-01-01T00:00:00'));
    assert.equal(past.total, 0);

    const detail = json(await t.app.inject(`/v1/projects/ev/p/event_logs/${ids[0]}`));
    assert.equal(detail.status, 'completed');
    assert.equal(detail.error, null);
    assert.deepEqual(detail.events.map((e: any) => e.event_name), ['request_received', 'llm_first_token', 'llm_inference_complete']);
    assert.deepEqual(detail.sub_events, detail.events);
    assert.equal(detail.events[0].data.i, 0);
    assert.equal(typeof detail.time_to_first_token_ms, 'number');
    const fd = json(await t.app.inject(`/v1/projects/ev/p/event_logs/${failed.id}`));
    assert.equal(fd.error, 'upstream down');
  });

  test('query validation is 422', async () => {
    for (const q of ['limit=0', 'limit=101', 'offset=-1', 'limit=abc', 'start_time=yesterday']) {
      const res = await t.app.inject(`/v1/projects/ev/p/event_logs?${q}`);
      assert.equal(res.statusCode, 422, q);
      assert.equal(json(res).detail[0].loc[0], 'query');
    }
  });

  test('unknown event and unknown project are 404', async () => {
    const r1 = await t.app.inject('/v1/projects/ev/p/event_logs/evt_20240101_000000_inference_abcdef');
    assert.equal(r1.statusCode, 404);
    assert.match(json(r1).detail, /not found/);
    const r2 = await t.app.inject('/v1/projects/ev/ghost/event_logs');
    assert.equal(r2.statusCode, 404);
    const r3 = await t.app.inject('/v1/projects/ev/p/event_logs/..%2F..%2Fetc');
    assert.equal(r3.statusCode, 404);
  });

  test('listing stays indexed: 20k events filter by type quickly enough to be usable', async () => {
    const insert = t.ctx.db.prepare('INSERT INTO events (event_id, namespace, project, type, ts_ms, status, body) VALUES (?, ?, ?, ?, ?, ?, ?)');
    t.ctx.db.transaction(() => {
      for (let i = 0; i < 20000; i++) {
        const id = `evt_bulk_${i}`;
        insert.run(id, 'ev', 'bulk', i % 10 ? 'inference' : 'rag_processing', i, 'completed', JSON.stringify({ event_id: id, type: 'x', event_type: 'x', timestamp: '', summary: {}, request_id: 'r', status: 'completed', duration_ms: 1, namespace: 'ev', project: 'bulk' }));
      }
    })();
    const plan = t.ctx.db.prepare("EXPLAIN QUERY PLAN SELECT body FROM events WHERE namespace = ? AND project = ? AND type = ? ORDER BY ts_ms DESC LIMIT 10").all('ev', 'bulk', 'inference') as { detail: string }[];
    assert.ok(plan.some((p) => /USING INDEX events_by_project_type_time/.test(p.detail)), JSON.stringify(plan));
    const res = await t.ctx.events.list('ev', 'bulk', { type: 'rag_processing', limit: 5, offset: 0 });
    assert.equal(res.total, 2000);
    assert.equal(res.events[0].event_id, 'evt_bulk_19990');
  });
});
