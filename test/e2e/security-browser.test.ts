/**
 * The browser-to-server hole (issue #13), in real Chromium. On the old behaviour the server reflected any
 * `Origin`, so a page on another site could create a project and save a config with a `stdio` MCP command (which
 * chat then runs); a page on a DNS-rebinding name could do the same same-origin. Now: the cross-origin page's
 * requests are refused before any handler (no project, config unchanged), and the rebinding name's requests get
 * 403 from the Host guard. Skips cleanly without /usr/bin/chromium.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';

const CHROMIUM = process.env.LF_TEST_CHROMIUM ?? '/usr/bin/chromium';
const SKIP = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;

/** The attacker's page: tries every way to create a project and plant a stdio command, reports what it saw. */
function attackPage(target: string): string {
  return `<!doctype html><title>cute cats</title><script>
  window.results = (async () => {
    const out = {};
    const attempt = async (name, fn) => { try { const r = await fn(); out[name] = 'status ' + r.status + ' ' + (await r.text().catch(() => '')); } catch (e) { out[name] = 'error ' + e.name; } };
    await attempt('json', () => fetch('${target}/v1/projects/default', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'pwned' }) }));
    await attempt('simple', () => fetch('${target}/v1/projects/default', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ name: 'pwned2' }) }));
    await attempt('put', () => fetch('${target}/v1/projects/default/victim', { method: 'PUT', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ config: { version: 'v1', name: 'victim', namespace: 'default', mcp: { servers: [{ name: 'x', transport: 'stdio', command: 'touch', args: ['/tmp/pwned'] }] } } }) }));
    await attempt('read', () => fetch('${target}/v1/projects/default'));
    return out;
  })();
</script>`;
}

describe('browser attacks', { skip: SKIP }, () => {
  let t: TestApp;
  let evil: Server;
  let browser: Browser;
  let port: number;
  let evilPort: number;
  let victimConfig: unknown;

  before(async () => {
    t = await makeTestApp();
    const created = await t.app.inject({ method: 'POST', url: '/v1/projects/default', payload: { name: 'victim' } });
    assert.equal(created.statusCode, 200, created.body);
    victimConfig = json(created).project.config;
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as AddressInfo).port;
    evil = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(attackPage(`http://127.0.0.1:${port}`)));
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    evilPort = (evil.address() as AddressInfo).port;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--host-resolver-rules=MAP evil.test 127.0.0.1', '--no-proxy-server', '--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await new Promise((r) => evil?.close(r));
    await t?.close();
  });

  async function projectNames(): Promise<string[]> {
    return json(await t.app.inject('/v1/projects/default')).projects.map((p: { name: string }) => p.name);
  }

  test('a page from another origin cannot create a project, plant a command or read answers', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`http://evil.test:${evilPort}/`);
      const results = (await page.evaluate('window.results')) as Record<string, string>;
      for (const k of ['json', 'put', 'read']) assert.match(results[k], /^error TypeError$/, `${k}: ${results[k]}`); // CORS: the answer is unreadable
      assert.match(results.simple, /^status 0/, `simple: ${results.simple}`); // opaque
      const names = await projectNames();
      assert.ok(!names.includes('pwned') && !names.includes('pwned2'), `no project created: ${names.join(', ')}`);
      const after = json(await t.app.inject('/v1/projects/default/victim')).project.config;
      assert.deepEqual(after, victimConfig, 'the config was not changed');
    } finally {
      await page.close();
    }
  });

  test('a loopback origin page (e.g. the web app) still works', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`http://127.0.0.1:${port}/health/liveness`);
      const status = await page.evaluate(async () => {
        const r = await fetch('/v1/projects/default', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'fromapp' }) });
        return r.status;
      });
      assert.equal(status, 200);
      assert.ok((await projectNames()).includes('fromapp'));
    } finally {
      await page.close();
    }
  });

  test('DNS rebinding: a page served under another name for 127.0.0.1 gets 403 from the Host guard', async () => {
    const page = await browser.newPage();
    try {
      const nav = await page.goto(`http://evil.test:${port}/v1/projects/default`);
      assert.equal(nav?.status(), 403);
      const res = await page.evaluate(async () => {
        const r = await fetch('/v1/projects/default', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'rebound' }) });
        return { status: r.status, body: await r.text() };
      });
      assert.equal(res.status, 403, res.body);
      assert.match(res.body, /Host .* is not allowed/);
      assert.ok(!(await projectNames()).includes('rebound'));
    } finally {
      await page.close();
    }
  });
});
