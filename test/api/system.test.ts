import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';

/** A stand-in for the GitHub releases API (`/releases/latest`), scriptable per test. */
function releasesServer(): Promise<{ url: string; server: Server; set(body: unknown, status?: number): void; hits(): number }> {
  let body: unknown = {};
  let status = 200;
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({ url: `http://127.0.0.1:${port}/repos/llama-farm/llamafarm/releases/latest`, server, set: (b, s = 200) => ((body = b), (status = s)), hits: () => hits });
    }),
  );
}

const RELEASE = { tag_name: 'v0.0.18', name: 'v0.0.18', body: '### Features\n- X', html_url: 'https://example.invalid/releases/v0.0.18', published_at: '2024-01-15T10:30:00Z', draft: false, prerelease: false };

describe('System API', () => {
  let t: TestApp;
  let rel: Awaited<ReturnType<typeof releasesServer>>;
  before(async () => {
    rel = await releasesServer();
    t = await makeTestApp({ releasesUrl: rel.url });
  });
  after(async () => {
    await t.close();
    rel.server.close();
  });

  test('GET / and /info', async () => {
    assert.deepEqual(json(await t.app.inject('/')), { message: 'Hello, World!' });
    const info = json(await t.app.inject('/info'));
    assert.equal(info.data_directory, t.dataDir);
    assert.match(info.version, /^\d+\.\d+\.\d+/);
  });

  test('GET /health has the A1 shape and is healthy on a writable data dir', async () => {
    const res = await t.app.inject('/health');
    assert.equal(res.statusCode, 200);
    const h = json(res);
    assert.equal(h.status, 'healthy');
    assert.equal(h.services.storage, 'healthy');
    assert.ok(h.components.some((c: any) => c.name === 'storage' && typeof c.latency_ms === 'number' && /writable/.test(c.message)));
    assert.equal(typeof h.timestamp, 'number');
    assert.match(h.summary, /storage=healthy/);
  });

  test('/health reports a failing component as degraded/unhealthy but still answers 200', async () => {
    t.ctx.health.register('flaky', () => {
      throw new Error('flaky is down');
    });
    const h = json(await t.app.inject('/health'));
    assert.equal(h.status, 'unhealthy');
    assert.equal(h.services.flaky, 'unhealthy');
    assert.equal(h.components.find((c: any) => c.name === 'flaky').message, 'flaky is down');
  });

  test('GET /health/liveness', async () => {
    assert.deepEqual(json(await t.app.inject('/health/liveness')), { status: 'alive' });
  });

  test('version check: fresh, then cached; draft → 502', async () => {
    rel.set(RELEASE);
    const first = json(await t.app.inject('/v1/system/version-check'));
    assert.equal(first.latest_version, 'v0.0.18');
    assert.equal(first.current_version, t.ctx.settings.version);
    assert.equal(first.from_cache, false);
    assert.equal(first.release_notes, '### Features\n- X');
    assert.ok(first.install.mac_linux.includes('install.sh'));
    const second = json(await t.app.inject('/v1/system/version-check'));
    assert.equal(second.from_cache, true);
    assert.equal(rel.hits(), 1);
  });

  test('version check offline: cached value when there is one, else a clear 503; draft → 502', async () => {
    const { VersionCheckService } = await import('../../src/services/version-check.js');
    const offline = new VersionCheckService('http://127.0.0.1:9/nothing-listens-here', '0.1.0', { timeoutMs: 500 });
    await assert.rejects(offline.check(), (e: any) => e.status === 503 && /Unable to reach/.test(e.message));

    const svc = new VersionCheckService(rel.url, '0.1.0', { ttlMs: 0 });
    rel.set(RELEASE);
    assert.equal((await svc.check()).from_cache, false);
    rel.set({ message: 'down' }, 500);
    const cached = await svc.check();
    assert.equal(cached.from_cache, true);
    assert.equal(cached.latest_version, 'v0.0.18');
    rel.set({ ...RELEASE, draft: true });
    await assert.rejects(svc.check(), (e: any) => e.status === 502 && /draft or prerelease/.test(e.message));
  });

  test('unknown routes are 404 Not Found', async () => {
    const res = await t.app.inject('/v1/nothing/here');
    assert.equal(res.statusCode, 404);
    assert.deepEqual(json(res), { detail: 'Not Found' });
  });
});
