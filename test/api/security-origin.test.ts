/**
 * Origin and Host guards (issue #13 item 1). The exploit on the old behaviour: the server reflected any `Origin`
 * (`@fastify/cors` with `origin: true`), so a page on any site could POST JSON to 127.0.0.1:8000 and read the
 * answer; and a simple (non-preflighted) request ran the handler anyway. A page on a DNS-rebinding domain reached
 * the server with its own name as `Host`. Now both are refused with 403 `{detail}` before any handler runs.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { hostAllowed, isLoopbackName, originAllowed } from '../../src/api/security/hosts.js';

async function projectNames(t: TestApp): Promise<string[]> {
  return json(await t.app.inject('/v1/projects/default')).projects.map((p: { name: string }) => p.name);
}

describe('origin guard (bound to loopback)', () => {
  let t: TestApp;
  before(async () => (t = await makeTestApp()));
  after(() => t.close());

  test('a foreign Origin is refused before the handler: simple requests and preflights alike', async () => {
    const simple = await t.app.inject({ method: 'POST', url: '/v1/projects/default', headers: { origin: 'https://evil.example' }, payload: { name: 'pwned' } });
    assert.equal(simple.statusCode, 403, simple.body);
    assert.match(json(simple).detail, /Origin "https:\/\/evil\.example" is not allowed/);
    assert.equal(simple.headers['access-control-allow-origin'], undefined);
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: '/v1/projects/default',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(preflight.statusCode, 403, preflight.body);
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
    for (const origin of ['null', 'http://127.0.0.1.evil.example:8000', 'http://localhost.evil.example', 'file://', 'http://192.168.1.5:8000']) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/projects/default', headers: { origin }, payload: { name: 'pwned' } });
      assert.equal(res.statusCode, 403, `${origin}: ${res.body}`);
    }
    assert.ok(!(await projectNames(t)).includes('pwned'), 'no handler ran');
  });

  test('loopback origins get CORS answers (any port, localhost, 127.0.0.1, [::1])', async () => {
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:8000', 'http://[::1]:3000']) {
      const pre = await t.app.inject({ method: 'OPTIONS', url: '/v1/projects/default', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });
      assert.equal(pre.statusCode, 204, `${origin}: ${pre.body}`);
      assert.equal(pre.headers['access-control-allow-origin'], origin);
      const get = await t.app.inject({ url: '/v1/projects/default', headers: { origin } });
      assert.equal(get.statusCode, 200);
      assert.equal(get.headers['access-control-allow-origin'], origin);
    }
  });

  test('the server’s own origin (same Host) is allowed', async () => {
    const res = await t.app.inject({ url: '/v1/projects/default', headers: { host: 'localhost:8000', origin: 'http://localhost:8000' } });
    assert.equal(res.statusCode, 200, res.body);
  });

  test('DNS rebinding: a Host that is not a loopback name is refused', async () => {
    for (const host of ['evil.example:8000', 'attacker.test', '10.0.0.5:8000', '0.0.0.0:8000']) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/projects/default', headers: { host }, payload: { name: 'rebound' } });
      assert.equal(res.statusCode, 403, `${host}: ${res.body}`);
      assert.match(json(res).detail, /Host .* is not allowed/);
      const get = await t.app.inject({ url: '/v1/projects/default', headers: { host } });
      assert.equal(get.statusCode, 403);
    }
    for (const host of ['localhost:8000', '127.0.0.1:8000', '[::1]:8000', 'app.localhost', '127.1.2.3']) {
      const res = await t.app.inject({ url: '/v1/projects/default', headers: { host } });
      assert.equal(res.statusCode, 200, `${host}: ${res.body}`);
    }
    assert.ok(!(await projectNames(t)).includes('rebound'));
  });
});

describe('origin guard settings', () => {
  test('LF_ALLOWED_ORIGINS adds origins; LF_ALLOWED_HOSTS adds Host names', async () => {
    const t = await makeTestApp({ allowedOrigins: ['https://app.example.com'], allowedHosts: ['llamafarm.internal'] });
    try {
      const ok = await t.app.inject({ method: 'OPTIONS', url: '/v1/projects/default', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } });
      assert.equal(ok.statusCode, 204);
      assert.equal(ok.headers['access-control-allow-origin'], 'https://app.example.com');
      assert.equal((await t.app.inject({ url: '/v1/projects/default', headers: { origin: 'https://other.example.com' } })).statusCode, 403);
      assert.equal((await t.app.inject({ url: '/v1/projects/default', headers: { host: 'llamafarm.internal:8000' } })).statusCode, 200);
      assert.equal((await t.app.inject({ url: '/v1/projects/default', headers: { host: 'other.internal' } })).statusCode, 403);
    } finally {
      await t.close();
    }
  });

  test('`*` allows any origin only by explicit choice', async () => {
    const t = await makeTestApp({ allowedOrigins: ['*'] });
    try {
      const res = await t.app.inject({ url: '/v1/projects/default', headers: { origin: 'https://anywhere.example' } });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['access-control-allow-origin'], 'https://anywhere.example');
    } finally {
      await t.close();
    }
  });

  test('bound beyond loopback: any Host is answered (keys protect it), foreign origins still refused', async () => {
    const t = await makeTestApp({ host: '0.0.0.0' });
    try {
      assert.equal((await t.app.inject({ url: '/v1/projects/default', headers: { host: 'llamafarm.example.com' } })).statusCode, 200);
      const foreign = await t.app.inject({ url: '/v1/projects/default', headers: { host: 'llamafarm.example.com', origin: 'https://evil.example' } });
      assert.equal(foreign.statusCode, 403);
      const same = await t.app.inject({ url: '/v1/projects/default', headers: { host: 'llamafarm.example.com', origin: 'http://llamafarm.example.com' } });
      assert.equal(same.statusCode, 200, 'its own origin');
    } finally {
      await t.close();
    }
  });
});

test('host and origin helpers', () => {
  assert.ok(isLoopbackName('LOCALHOST') && isLoopbackName('127.0.0.9') && isLoopbackName('[::1]') && isLoopbackName('x.localhost'));
  assert.ok(!isLoopbackName('localhost.evil.com') && !isLoopbackName('0.0.0.0') && !isLoopbackName('::') && !isLoopbackName('128.0.0.1'));
  assert.ok(hostAllowed(undefined, []) && !hostAllowed('evil.com', []) && hostAllowed('Evil.com:80', ['evil.com']) && !hostAllowed('a b', []));
  assert.ok(originAllowed('http://localhost:1', undefined, []) && !originAllowed('http://localhost.evil.com', undefined, []));
  assert.ok(originAllowed('https://x.example', 'x.example', []) && !originAllowed('https://x.example', 'y.example', []));
});
