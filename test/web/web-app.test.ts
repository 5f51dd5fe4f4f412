/**
 * Serving the web app (src/api/web-app.ts): browsers get index.html (with the runtime settings injected) at `/`
 * and at client routes, API clients keep JSON at `/`, hashed assets are cached for a year, API routes are never
 * shadowed, and without a build the server answers JSON as before. Uses a small fixture build, not dist/web.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { tempDir } from '../helpers/tmp.js';
import { renderIndex, webAppRoutes, wantsHtml } from '../../src/api/web-app.js';
import { systemRoutes } from '../../src/api/routes/system.js';
import { installErrorHandling } from '../../src/api/error-handler.js';
import type { AppContext } from '../../src/services/context.js';

const TEMPLATE = '<!doctype html><html><head><!--lf-settings--></head><body><div id="root"></div><script type="module" src="/assets/index-abc123.js"></script></body></html>';
let dir: string;
let app: FastifyInstance;

function fakeCtx(): AppContext {
  // Only what systemRoutes' `/` and webAppRoutes read.
  return { settings: { version: '9.9.9' }, log: pino({ level: 'silent' }) } as unknown as AppContext;
}

async function build(webDir: string, o: { apiBaseUrl?: string } = {}): Promise<FastifyInstance> {
  const a = Fastify();
  installErrorHandling(a);
  await webAppRoutes(a, fakeCtx(), { dir: webDir, ...o });
  systemRoutes(a, fakeCtx());
  a.get('/v1/projects/:ns', async () => ({ total: 0, projects: [] }));
  await a.ready();
  return a;
}

before(async () => {
  dir = await tempDir('lf-webapp-');
  await mkdir(join(dir, 'assets'), { recursive: true });
  await writeFile(join(dir, 'index.html'), TEMPLATE);
  await writeFile(join(dir, 'assets', 'index-abc123.js'), 'console.log("app")');
  app = await build(dir, { apiBaseUrl: 'https://example.test/api</script><script>alert(1)</script>' });
});

after(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

test('a browser gets the app at / with the runtime settings injected; curl and JSON clients keep the JSON', async () => {
  const html = await app.inject({ url: '/', headers: { accept: BROWSER } });
  assert.equal(html.statusCode, 200);
  assert.match(String(html.headers['content-type']), /^text\/html/);
  assert.equal(html.headers['cache-control'], 'no-cache');
  const m = /<script id="lf-settings" type="application\/json">(.*?)<\/script>/.exec(html.body);
  assert.ok(m, html.body);
  assert.deepEqual(JSON.parse(m[1]), { apiBaseUrl: 'https://example.test/api</script><script>alert(1)</script>', version: '9.9.9' });
  assert.ok(!html.body.includes('<script>alert(1)'), 'a setting cannot close the script element');

  for (const accept of [undefined, '*/*', 'application/json']) {
    const res = await app.inject({ url: '/', headers: accept ? { accept } : {} });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { message: 'Hello, World!' }, `accept ${accept}`);
  }
});

test('client routes get index.html (deep links); API routes and unknown files do not', async () => {
  for (const url of ['/projects', '/projects/default/demo', '/projects/default/demo/data/docs/files/abc?x=1']) {
    const res = await app.inject({ url, headers: { accept: BROWSER } });
    assert.equal(res.statusCode, 200, url);
    assert.match(res.body, /<div id="root">/, url);
  }
  const api = await app.inject({ url: '/v1/projects/default', headers: { accept: BROWSER } });
  assert.deepEqual(api.json(), { total: 0, projects: [] }, 'an API route stays JSON even for a browser');
  const missing = await app.inject({ url: '/nope', headers: { accept: BROWSER } });
  assert.equal(missing.statusCode, 404);
  assert.deepEqual(missing.json(), { detail: 'Not Found' });
  const post = await app.inject({ method: 'POST', url: '/projects', headers: { accept: BROWSER } });
  assert.equal(post.statusCode, 404, 'only GET/HEAD serve the page');
  void post.body;
});

test('hashed assets are served with a year-long immutable cache; no path escapes the build', async () => {
  const res = await app.inject({ url: '/assets/index-abc123.js' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.body, 'console.log("app")');
  assert.match(String(res.headers['cache-control']), /max-age=31536000/);
  assert.match(String(res.headers['cache-control']), /immutable/);
  for (const url of ['/assets/../index.html', '/assets/%2e%2e/index.html', '/assets/..%2f..%2fpackage.json']) {
    const bad = await app.inject({ url });
    assert.notEqual(bad.statusCode, 200, url);
    assert.ok(!bad.body.includes('lf-settings'), url);
  }
});

test('without a build the server answers JSON at / for everyone', async () => {
  const bare = await build(join(dir, 'not-built'));
  try {
    const res = await bare.inject({ url: '/', headers: { accept: BROWSER } });
    assert.deepEqual(res.json(), { message: 'Hello, World!' });
    const deep = await bare.inject({ url: '/projects/default/demo', headers: { accept: BROWSER } });
    assert.equal(deep.statusCode, 404);
    void deep.body;
  } finally {
    await bare.close();
  }
});

test('wantsHtml: explicit text/html only (curl sends */*)', () => {
  const req = (accept?: string) => ({ headers: accept ? { accept } : {} }) as never;
  assert.equal(wantsHtml(req(BROWSER)), true);
  assert.equal(wantsHtml(req('application/json, text/html;q=0.1')), true);
  assert.equal(wantsHtml(req('*/*')), false);
  assert.equal(wantsHtml(req()), false);
  assert.equal(wantsHtml(req('application/json')), false);
});

test('renderIndex escapes < in every value', () => {
  const out = renderIndex('<head><!--lf-settings--></head>', { a: '</script><!--' });
  assert.ok(!out.includes('</script><!--'));
  assert.match(out, /\\u003c\/script>/);
});
