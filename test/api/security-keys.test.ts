/**
 * API keys with scopes (issue #13 item 3). The exploit on the old behaviour: nothing authenticated requests, so
 * any caller that reached the port could create projects, save configs and chat. Now, once any key exists, a
 * request without one gets 401 + `WWW-Authenticate: Bearer`, a key with too small a scope 403, and a revoked key
 * is refused on its next request. Also: the scopes matrix, MCP tool calls mapped to their route's scope, key
 * secrets never listed nor logged, and no key asked at all while none is configured.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { makeTestApp, json, tempDir, type TestApp } from '../helpers/app.js';
import { loadSettings } from '../../src/core/settings.js';
import { createContext } from '../../src/services/context.js';
import { buildApp } from '../../src/api/app.js';
import { loggerOptions } from '../../src/core/logger.js';

const ENV_KEY = 'env-admin-key-0123456789abcdef';
const bearer = (k: string) => ({ authorization: `Bearer ${k}` });

async function createKey(t: TestApp, scope: string, name = `k-${scope}`, auth: Record<string, string> = bearer(ENV_KEY)): Promise<{ id: string; key: string }> {
  const res = await t.app.inject({ method: 'POST', url: '/v1/keys', headers: auth, payload: { name, scope } });
  assert.equal(res.statusCode, 201, res.body);
  return json(res);
}

describe('API keys: no key configured (the loopback default)', () => {
  let t: TestApp;
  before(async () => (t = await makeTestApp()));
  after(() => t.close());

  test('requests need no key; any Authorization header is ignored', async () => {
    const a = await t.app.inject({ method: 'POST', url: '/v1/projects/default', payload: { name: 'open' } });
    assert.equal(a.statusCode, 200, a.body);
    const b = await t.app.inject({ url: '/v1/projects/default', headers: bearer('whatever') });
    assert.equal(b.statusCode, 200, b.body);
  });

  test('the first stored key turns authentication on at once', async () => {
    const { key } = await createKey(t, 'admin', 'first', {});
    const anon = await t.app.inject('/v1/projects/default');
    assert.equal(anon.statusCode, 401, anon.body);
    assert.equal(anon.headers['www-authenticate'], 'Bearer');
    const ok = await t.app.inject({ url: '/v1/projects/default', headers: bearer(key) });
    assert.equal(ok.statusCode, 200, ok.body);
  });
});

describe('API keys: scopes, listing, revocation', () => {
  let t: TestApp;
  let read: { id: string; key: string };
  let use: { id: string; key: string };
  let admin: { id: string; key: string };

  before(async () => {
    t = await makeTestApp({ apiKey: ENV_KEY });
    const p = await t.app.inject({ method: 'POST', url: '/v1/projects/default', headers: bearer(ENV_KEY), payload: { name: 'p1' } });
    assert.equal(p.statusCode, 200, p.body);
    read = await createKey(t, 'read');
    use = await createKey(t, 'use');
    admin = await createKey(t, 'admin');
  });
  after(() => t.close());

  test('missing or wrong key → 401 {detail} with WWW-Authenticate: Bearer', async () => {
    for (const headers of [{}, bearer('wrong'), { 'x-api-key': 'wrong' }, { authorization: `Basic ${ENV_KEY}` }]) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/projects/default', headers, payload: { name: 'sneaky' } });
      assert.equal(res.statusCode, 401, res.body);
      assert.equal(res.headers['www-authenticate'], 'Bearer');
      assert.equal(typeof json(res).detail, 'string');
    }
    const list = json(await t.app.inject({ url: '/v1/projects/default', headers: bearer(ENV_KEY) }));
    assert.deepEqual(
      list.projects.map((p: { name: string }) => p.name),
      ['p1'],
    );
  });

  test('the scopes matrix (Bearer and X-API-Key alike)', async () => {
    const cases: { method: 'GET' | 'POST' | 'DELETE'; url: string; payload?: unknown; need: 'public' | 'read' | 'use' | 'admin' }[] = [
      { method: 'GET', url: '/health/liveness', need: 'public' },
      { method: 'GET', url: '/openapi.json', need: 'public' },
      { method: 'GET', url: '/health', need: 'read' },
      { method: 'GET', url: '/info', need: 'read' },
      { method: 'GET', url: '/v1/projects/default', need: 'read' },
      { method: 'GET', url: '/v1/projects/default/p1/event_logs', need: 'read' },
      { method: 'GET', url: '/v1/projects/default/p1/tasks/nope/events', need: 'read' },
      { method: 'GET', url: '/v1/no-such-route', need: 'read' },
      { method: 'POST', url: '/v1/projects/default/p1/rag/query', payload: { query: 'x' }, need: 'use' },
      { method: 'POST', url: '/v1/projects/default/p1/chat/completions', payload: { messages: 'not a list' }, need: 'use' },
      { method: 'POST', url: '/v1/projects/default', payload: { name: 'bad name!' }, need: 'admin' },
      { method: 'DELETE', url: '/v1/projects/default/ghost', need: 'admin' },
      { method: 'POST', url: '/v1/projects/default/p1/datasets', payload: {}, need: 'admin' },
      { method: 'GET', url: '/v1/keys', need: 'admin' },
      { method: 'POST', url: '/v1/keys', payload: { name: 'x', scope: 'nope' }, need: 'admin' },
      { method: 'DELETE', url: '/v1/keys/key_missing', need: 'admin' },
    ];
    const rank = { public: 0, read: 1, use: 2, admin: 3 } as const;
    const callers = [
      { name: 'none', headers: {}, rank: 0 },
      { name: 'read', headers: bearer(read.key), rank: 1 },
      { name: 'use', headers: { 'x-api-key': use.key }, rank: 2 },
      { name: 'admin', headers: bearer(admin.key), rank: 3 },
      { name: 'env', headers: bearer(ENV_KEY), rank: 3 },
    ];
    for (const c of cases) {
      for (const who of callers) {
        const res = await t.app.inject({ method: c.method, url: c.url, headers: who.headers, payload: c.payload as never });
        const where = `${who.name} ${c.method} ${c.url}: ${res.statusCode} ${res.body.slice(0, 200)}`;
        if (who.rank >= rank[c.need]) assert.ok(res.statusCode !== 401 && res.statusCode !== 403, where);
        else if (who.rank === 0) assert.equal(res.statusCode, 401, where);
        else {
          assert.equal(res.statusCode, 403, where);
          assert.match(json(res).detail, new RegExp(`scope '${c.need}'`), where);
        }
      }
    }
  });

  test('percent-encoded paths cannot dodge the check (the router decodes them, so does the scope lookup)', async () => {
    for (const url of ['/%761/projects/default', '/v%31/projects/default', '/%68ealth', '/%69nfo', '/v1/%6beys']) {
      const res = await t.app.inject(url);
      assert.equal(res.statusCode, 401, `${url}: ${res.body.slice(0, 120)}`);
    }
  });

  test('GET /v1/keys lists names and scopes, never secrets or hashes', async () => {
    const res = await t.app.inject({ url: '/v1/keys', headers: bearer(ENV_KEY) });
    assert.equal(res.statusCode, 200);
    const body = json(res);
    assert.equal(body.env_key, true);
    assert.deepEqual(
      body.keys.map((k: { name: string; scope: string }) => [k.name, k.scope]),
      [
        ['k-read', 'read'],
        ['k-use', 'use'],
        ['k-admin', 'admin'],
      ],
    );
    for (const k of body.keys) assert.deepEqual(Object.keys(k).sort(), ['created_at', 'id', 'name', 'prefix', 'scope']);
    for (const secret of [read.key, use.key, admin.key, ENV_KEY]) assert.ok(!res.body.includes(secret));
    assert.ok(!/[0-9a-f]{64}/.test(res.body), 'no hash in the list');
  });

  test('a revoked key is refused on its next request; the env key cannot be revoked over the API', async () => {
    const victim = await createKey(t, 'admin', 'victim');
    assert.equal((await t.app.inject({ url: '/v1/keys', headers: bearer(victim.key) })).statusCode, 200);
    const del = await t.app.inject({ method: 'DELETE', url: `/v1/keys/${victim.id}`, headers: bearer(admin.key) });
    assert.equal(del.statusCode, 200, del.body);
    const after = await t.app.inject({ url: '/v1/keys', headers: bearer(victim.key) });
    assert.equal(after.statusCode, 401, after.body);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/v1/keys/${victim.id}`, headers: bearer(admin.key) })).statusCode, 404);
    const env = await t.app.inject({ method: 'DELETE', url: '/v1/keys/env', headers: bearer(admin.key) });
    assert.equal(env.statusCode, 409, env.body);
  });

  test('key creation validates name and scope (422 naming the allowed scopes)', async () => {
    const bad = await t.app.inject({ method: 'POST', url: '/v1/keys', headers: bearer(ENV_KEY), payload: { name: 'x', scope: 'root' } });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /read.*use.*admin/);
    const badName = await t.app.inject({ method: 'POST', url: '/v1/keys', headers: bearer(ENV_KEY), payload: { name: 'a/b\n', scope: 'read' } });
    assert.equal(badName.statusCode, 422, badName.body);
  });

  test('MCP: /mcp needs a key; a tool call needs the scope of the route it runs', async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
    const anon = await fetch(`${addr}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    assert.equal(anon.status, 401);
    assert.ok((await anon.text()).includes('detail'));

    const client = new Client({ name: 'scopes', version: '1' });
    const transport = new StreamableHTTPClientTransport(new URL(`${addr}/mcp`), { requestInit: { headers: bearer(read.key) } });
    await client.connect(transport);
    try {
      const listed = await client.callTool({ name: 'projects_list', arguments: { namespace: 'default' } });
      assert.notEqual(listed.isError, true, JSON.stringify(listed));
      await assert.rejects(client.callTool({ name: 'project_create', arguments: { namespace: 'default', name: 'viamcp' } }), /needs a key with scope 'admin'/);
      const check = json(await t.app.inject({ url: '/v1/projects/default', headers: bearer(ENV_KEY) }));
      assert.ok(!check.projects.some((p: { name: string }) => p.name === 'viamcp'), 'a read key created no project over MCP');
    } finally {
      await client.close();
    }
  });
});

describe('API keys are never logged', () => {
  test('request logs at trace level hold neither the Bearer nor the X-API-Key secret', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const dataDir = await tempDir();
    const settings = loadSettings({ dataDir, apiKey: ENV_KEY, logLevel: 'trace' }, {});
    const log = pino({ ...loggerOptions('trace'), serializers: { req: (r: { headers: unknown; url: string }) => ({ url: r.url, headers: r.headers }) } }, sink);
    const ctx = await createContext(settings, log);
    const app = await buildApp(ctx);
    try {
      await app.inject({ url: '/v1/projects/default', headers: bearer(ENV_KEY) }).then((r) => r.body);
      await app.inject({ url: '/v1/projects/default', headers: { 'x-api-key': ENV_KEY } }).then((r) => r.body);
      await app.inject({ url: '/v1/projects/default', headers: bearer('wrong-key-value-123') }).then((r) => r.body);
      const text = lines.join('');
      assert.ok(text.includes('/v1/projects/default'), 'requests were logged with headers');
      assert.ok(!text.includes(ENV_KEY), 'the key is redacted');
      assert.ok(!text.includes('wrong-key-value-123'));
      assert.match(text, /\[redacted\]/);
    } finally {
      await app.close();
      await ctx.close();
    }
  });
});
