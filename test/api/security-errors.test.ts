/**
 * Every error is `{detail}` and nothing is a 5xx for bad input (issue #13 item 7). On the old behaviour Fastify's
 * own 414 (path parameter too long), 400 (bad URL) and 431 (headers too large) bodies had no `detail`,
 * `event_logs?limit=1e309` / `offset=1e309` answered 500 (SQLite "datatype mismatch" on Infinity), and a
 * multipart body without a boundary or cut short answered 500. Plus a small OpenAPI-driven fuzz of every
 * operation: no 500 and a `detail` on every error.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { createOfflineProject } from '../helpers/projects.js';

function assertDetail(res: { statusCode: number; body: string }, status: number, where = ''): void {
  assert.equal(res.statusCode, status, `${where} ${res.body.slice(0, 300)}`);
  const body = json(res);
  assert.ok(body.detail !== undefined && body.detail !== '', `${where} has a detail: ${res.body.slice(0, 300)}`);
  assert.deepEqual(Object.keys(body), ['detail'], `${where} only a detail`);
}

/** One raw HTTP/1.1 exchange over a socket; returns the status line's code and the body. */
function rawRequest(port: number, request: string): Promise<{ statusCode: number; body: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let data = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (data += d));
    s.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' && data ? undefined : reject(e)));
    s.on('close', () => {
      const code = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ statusCode: code, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
    s.write(request);
  });
}

describe('framework and parser errors answer {detail}', () => {
  let t: TestApp;
  let port: number;
  before(async () => {
    t = await makeTestApp();
    await createOfflineProject(t.app, 'default', 'p1');
    const ds = await t.app.inject({ method: 'POST', url: '/v1/projects/default/p1/datasets', payload: { name: 'd1', data_processing_strategy: 'universal_processor', database: 'main_database' } });
    assert.ok(ds.statusCode < 300, ds.body);
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as AddressInfo).port;
  });
  after(() => t.close());

  test('414: a path parameter longer than the router allows', async () => {
    assertDetail(await t.app.inject(`/v1/projects/default/${'a'.repeat(3000)}`), 414);
  });

  test('400: a malformed percent-encoding in the path', async () => {
    assertDetail(await t.app.inject('/v1/projects/%E0%A4%A'), 400);
  });

  test('431: request headers too large (real socket, the HTTP parser answers)', async () => {
    const res = await rawRequest(port, `GET /health/liveness HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`);
    assertDetail(res, 431);
  });

  test('400: an unparsable HTTP message (real socket)', async () => {
    assertDetail(await rawRequest(port, 'NOT HTTP AT ALL\r\n\r\n'), 400);
  });

  test('limit / offset = 1e309 (Infinity) and other non-finite numbers → 422, not 500', async () => {
    for (const q of ['limit=1e309', 'offset=1e309', 'limit=-1e309', 'offset=NaN', 'limit=Infinity']) {
      const res = await t.app.inject(`/v1/projects/default/p1/event_logs?${q}`);
      assertDetail(res, 422, q);
      assert.ok(Array.isArray(json(res).detail), `${q}: the 422 list form`);
    }
    assert.equal((await t.app.inject('/v1/projects/default/p1/event_logs?limit=5&offset=0')).statusCode, 200);
  });

  test('multipart without a boundary, or cut short → 4xx {detail}', async () => {
    const url = '/v1/projects/default/p1/datasets/d1/data';
    const noBoundary = await t.app.inject({ method: 'POST', url, headers: { 'content-type': 'multipart/form-data' }, payload: 'abc' });
    assertDetail(noBoundary, 400, 'no boundary');
    const cut = await t.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'multipart/form-data; boundary=XX' },
      payload: '--XX\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello, this body never ends',
    });
    assert.ok(cut.statusCode >= 400 && cut.statusCode < 500, `cut short: ${cut.statusCode} ${cut.body}`);
    assert.ok(json(cut).detail, cut.body);
    const files = json(await t.app.inject('/v1/projects/default/p1/datasets/d1'));
    assert.equal(JSON.stringify(files).includes('a.txt'), false, 'nothing stored from a cut-short body');
  });
});

/** Values that broke or could break the server, per place. */
const PATH_VALUES = ['a'.repeat(3000), '..', '%2e%2e%2fetc', '%E0%A4%A', 'x%00y', ' '];
const QUERY_VALUES = ['1e309', '-1e309', 'NaN', '-1', '', 'x'.repeat(5000), '[object Object]'];
const BODIES: { payload: string; type: string }[] = [
  { payload: '{', type: 'application/json' },
  { payload: '[]', type: 'application/json' },
  { payload: '{"__proto__":{"x":1},"name":1e309}', type: 'application/json' },
  { payload: 'a=b', type: 'application/x-www-form-urlencoded' },
  { payload: 'abc', type: 'multipart/form-data' },
  { payload: '--B\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\nxx', type: 'multipart/form-data; boundary=B' },
];

describe('OpenAPI-driven fuzz: no 500 and a detail on every error', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp();
    await createOfflineProject(t.app, 'default', 'p1');
  });
  after(() => t.close());

  test('every operation, bad path, query and body values', async () => {
    const doc = json(await t.app.inject('/openapi.json'));
    let requests = 0;
    const failures: string[] = [];
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        const params: any[] = op.parameters ?? [];
        const fill = (v: Record<string, string>) =>
          path.replace(/\{([^}]+)\}/g, (_, name: string) => v[name] ?? (name === 'namespace' ? 'default' : name === 'project' ? 'p1' : 'nope'));
        const urls: string[] = [];
        for (const p of params.filter((x) => x.in === 'path')) for (const v of PATH_VALUES) urls.push(fill({ [p.name]: v.startsWith('%') ? v : encodeURIComponent(v) }));
        for (const p of params.filter((x) => x.in === 'query')) for (const v of QUERY_VALUES) urls.push(`${fill({})}?${p.name}=${encodeURIComponent(v)}`);
        const bodies = method === 'get' || method === 'delete' ? [] : BODIES;
        const sends: { url: string; payload?: string; type?: string }[] = [...urls.map((url) => ({ url })), ...bodies.map((b) => ({ url: fill({}), payload: b.payload, type: b.type }))];
        for (const s of sends) {
          const res = await t.app.inject({ method: method.toUpperCase() as 'GET', url: s.url, payload: s.payload, headers: s.type ? { 'content-type': s.type } : {} });
          requests++;
          const where = `${method.toUpperCase()} ${s.url.slice(0, 120)} ${s.type ?? ''} → ${res.statusCode} ${res.body.slice(0, 200)}`;
          if (res.statusCode === 500) failures.push(where);
          else if (res.statusCode >= 400) {
            let body: any;
            try {
              body = JSON.parse(res.body);
            } catch {
              body = undefined;
            }
            if (!body || body.detail === undefined) failures.push(`no detail: ${where}`);
          }
        }
      }
    }
    assert.ok(requests > 300, `fuzzed ${requests} requests`);
    assert.deepEqual(failures, []);
  });
});
