/**
 * Two API processes ("replicas") on one data dir with LF_METADATA_URL=postgres://…: a chat session started on one
 * continues on the other, both see each other's inference events, and task records are shared. A real
 * PostgreSQL (LF_TEST_PG_URL or a throwaway cluster); skipped with a reason without it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { loadSettings } from '../../src/core/settings.js';
import { createContext, type AppContext } from '../../src/services/context.js';
import { buildApp } from '../../src/api/app.js';
import { json, tempDir } from '../helpers/app.js';
import { needPostgres, startPostgresServer, type PostgresServer } from '../helpers/postgres-server.js';
import { ChatUpstreamFake } from '../fakes/chat-upstream-fake.js';
import { waitFor } from '../conformance/queues.js';
import { createChatProject } from './chat-setup.js';

describe('API replicas sharing Postgres metadata (LF_METADATA_URL)', { skip: needPostgres() }, () => {
  let pg: PostgresServer;
  let fake: ChatUpstreamFake;
  let dataDir: string;
  const replicas: { app: FastifyInstance; ctx: AppContext }[] = [];
  const P = '/v1/projects/org/bot';

  before(async () => {
    pg = await startPostgresServer();
    fake = await ChatUpstreamFake.start();
    dataDir = await tempDir();
    process.env.LF_METADATA_URL = await pg.freshSchema();
    for (let i = 0; i < 2; i++) {
      const settings = loadSettings({ dataDir, logLevel: 'silent', releasesUrl: 'http://127.0.0.1:9/unreachable' }, {});
      const ctx = await createContext(settings, pino({ level: 'silent' }));
      const app = await buildApp(ctx);
      await app.ready();
      replicas.push({ app, ctx });
    }
    await createChatProject(replicas[0].app, 'org', 'bot', { baseUrl: `${fake.url}/v1` });
  });
  after(async () => {
    for (const r of replicas) {
      await r.app.close();
      await r.ctx.close();
    }
    delete process.env.LF_METADATA_URL;
    await fake?.close();
    await pg?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('a session continues on the other replica, and each sees the other’s history and events', async () => {
    const [a, b] = replicas;
    fake.script({ content: 'Hi Ann.' }, { content: 'Your name is Ann.' });
    const chat = (r: (typeof replicas)[number], content: string) =>
      r.app.inject({ method: 'POST', url: `${P}/chat/completions`, payload: { messages: [{ role: 'user', content }] }, headers: { 'x-session-id': 'shared-1' } });
    assert.equal((await chat(a, 'I am Ann.')).statusCode, 200);
    const res = await chat(b, 'Who am I?');
    assert.equal(json(res).choices[0].message.content, 'Your name is Ann.');
    assert.deepEqual(fake.lastChat!.body.messages.slice(1), [
      { role: 'user', content: 'I am Ann.' },
      { role: 'assistant', content: 'Hi Ann.' },
      { role: 'user', content: 'Who am I?' },
    ]);
    const history = json(await a.app.inject(`${P}/chat/sessions/shared-1/history`)).messages;
    assert.deepEqual(history.map((m: { content: string }) => m.content), ['I am Ann.', 'Hi Ann.', 'Who am I?', 'Your name is Ann.']);
    const sqliteSessions = a.ctx.db.prepare("SELECT name FROM sqlite_master WHERE name = 'session_messages'").get();
    assert.equal(sqliteSessions, undefined, 'sessions are not in the SQLite file');

    const events = await waitFor(async () => {
      const list = json(await b.app.inject(`${P}/event_logs?type=inference`));
      return list.total === 2 ? list : undefined;
    }, 'both inference events listed on replica b');
    const detail = await a.app.inject(`${P}/event_logs/${events.events[1].event_id}`);
    assert.equal(detail.statusCode, 200);
    assert.equal(json(detail).event_type, 'inference');

    const deleted = await b.app.inject({ method: 'DELETE', url: `${P}/chat/sessions/shared-1` });
    assert.equal(deleted.statusCode, 200, deleted.body);
    assert.equal((await a.app.inject(`${P}/chat/sessions/shared-1/history`)).statusCode, 404);
  });

  test('task records are shared: a task recorded by one replica is read by the other', async () => {
    const [a, b] = replicas;
    const id = await a.ctx.queue.recordFinished('ingest_dataset', { namespace: 'org', project: 'bot', dataset: 'd' }, 'SUCCESS', { processed_files: 0 });
    const view = await b.ctx.tasks.get('org', 'bot', id);
    assert.equal(view.state, 'SUCCESS');
    assert.deepEqual(view.result, { processed_files: 0 });
    assert.equal((a.ctx.db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'tasks'").get() as { n: number }).n, 0, 'no SQLite task table');
  });
});
