/**
 * API keys shared by replicas (issue #13 item 3: "revokes at once on every replica"). Two API processes on
 * Postgres metadata (LF_METADATA_URL): a key created on one works on the other, the first key turns
 * authentication on for both, and a key revoked on one is refused by the other on its next request. A real
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

describe('API keys on Postgres metadata, two replicas', { skip: needPostgres() }, () => {
  let pg: PostgresServer;
  const dirs: string[] = [];
  const replicas: { app: FastifyInstance; ctx: AppContext }[] = [];

  before(async () => {
    pg = await startPostgresServer();
    process.env.LF_METADATA_URL = await pg.freshSchema();
    for (let i = 0; i < 2; i++) {
      const dataDir = await tempDir();
      dirs.push(dataDir);
      const ctx = await createContext(loadSettings({ dataDir, logLevel: 'silent', releasesUrl: 'http://127.0.0.1:9/unreachable' }, {}), pino({ level: 'silent' }));
      const app = await buildApp(ctx);
      await app.ready();
      replicas.push({ app, ctx });
    }
  });
  after(async () => {
    for (const r of replicas) {
      await r.app.close();
      await r.ctx.close();
    }
    delete process.env.LF_METADATA_URL;
    await pg?.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  test('create on one, use on the other, revoke on the other, refused on the first at once', async () => {
    const [a, b] = replicas;
    assert.equal((await b.app.inject('/v1/projects/default')).statusCode, 200, 'no key yet: open');
    const created = await a.app.inject({ method: 'POST', url: '/v1/keys', payload: { name: 'shared', scope: 'admin' } });
    assert.equal(created.statusCode, 201, created.body);
    const { id, key } = json(created);
    assert.equal((await b.app.inject('/v1/projects/default')).statusCode, 401, 'the first key turns auth on for every replica');
    const auth = { authorization: `Bearer ${key}` };
    assert.equal((await b.app.inject({ url: '/v1/projects/default', headers: auth })).statusCode, 200);
    const listed = json(await b.app.inject({ url: '/v1/keys', headers: auth }));
    assert.deepEqual(
      listed.keys.map((k: { id: string }) => k.id),
      [id],
    );
    assert.ok(!JSON.stringify(listed).includes(key));
    const second = await b.app.inject({ method: 'POST', url: '/v1/keys', headers: auth, payload: { name: 'second', scope: 'admin' } });
    const other = { authorization: `Bearer ${json(second).key}` };
    assert.equal((await b.app.inject({ method: 'DELETE', url: `/v1/keys/${id}`, headers: other })).statusCode, 200);
    assert.equal((await a.app.inject({ url: '/v1/projects/default', headers: auth })).statusCode, 401, 'revoked everywhere at once');
    assert.equal((await a.app.inject({ url: '/v1/projects/default', headers: other })).statusCode, 200);
  });
});
