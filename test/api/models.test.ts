/**
 * Models Cache API against a local hub-shaped server holding the tiny GGUF models of ../shared/models: the
 * reference's curl examples verbatim (real curl against a listening app), the SSE event shapes, the disk-space
 * pre-check, checksum refusal, client disconnects, and DELETE.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { FakeHfHub, sha256Hex } from '../fakes/hf-hub-fake.js';
import { json } from '../helpers/app.js';
import { MODELS, needShared } from '../helpers/shared.js';
import { loadSettings } from '../../src/core/settings.js';
import { createContext, type AppContext } from '../../src/services/context.js';
import { buildApp, ROUTE_MODULES } from '../../src/api/app.js';
import { installErrorHandling } from '../../src/api/error-handler.js';
import { modelRoutes, modelRoutesWith } from '../../src/api/routes/models.js';
import { ModelsCacheService } from '../../src/services/models-cache/service.js';
import type { DiskInfo } from '../../src/services/models-cache/disk-space.js';

const run = promisify(execFile);
const skip = needShared('models', 'stories260K.gguf');
const STORIES_REPO = 'lf-test/stories260K-GGUF';

/** The `data:` events of an SSE body. */
function sseEvents(body: string): any[] {
  return body
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => JSON.parse(block.slice('data: '.length)));
}

describe('Models Cache API', { skip }, () => {
  let hub: FakeHfHub;
  let cacheDir: string;
  let dataDir: string;
  let ctx: AppContext;
  let app: FastifyInstance;
  let stories: Buffer;
  const encoderWeights = randomBytes(400_000);
  const encoderConfig = Buffer.from('{"architectures": ["BertForSequenceClassification"]}\n');
  const encoderTokenizer = Buffer.from('{"do_lower_case": true}\n');

  before(async () => {
    stories = readFileSync(MODELS.stories());
    hub = await FakeHfHub.start();
    hub.addRepo({
      id: STORIES_REPO,
      files: [
        { path: 'README.md', content: Buffer.from('# stories260K in GGUF\n') },
        { path: 'stories260K-F32.gguf', content: stories },
        { path: 'stories260K-Q8_0.gguf', content: Buffer.concat([Buffer.from('GGUF'), randomBytes(200_000)]) },
      ],
    });
    hub.addRepo({
      id: 'lf-test/glove-GGUF',
      files: [{ path: 'glove-6B-100d-16k-static-bert-f16.gguf', content: readFileSync(MODELS.glove()) }],
    });
    hub.addRepo({
      id: 'cross-encoder/ms-marco-MiniLM-L-6-v2',
      files: [
        { path: 'config.json', content: encoderConfig },
        { path: 'model.safetensors', content: encoderWeights },
        { path: 'tokenizer_config.json', content: encoderTokenizer },
      ],
    });
    cacheDir = await mkdtemp(join(tmpdir(), 'lf-hf-cache-'));
    dataDir = await mkdtemp(join(tmpdir(), 'lf-test-'));
    // The app reads the hub and cache locations from the environment, as a real server does.
    process.env.HF_ENDPOINT = hub.endpoint;
    process.env.HF_HUB_CACHE = cacheDir;
    delete process.env.HF_TOKEN;
    ctx = await createContext(loadSettings({ dataDir, logLevel: 'silent', releasesUrl: 'http://127.0.0.1:9/unreachable' }, {}), pino({ level: 'silent' }));
    app = await buildApp(ctx, { extraRoutes: ROUTE_MODULES.includes(modelRoutes) ? [] : [modelRoutes] });
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await ctx?.close();
    await hub?.close();
    await rm(cacheDir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  const download = (body: object) => app.inject({ method: 'POST', url: '/v1/models/download', payload: body });

  test('the reference curl examples, verbatim, against a listening server', async () => {
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const port = new URL(address).port;
    const curl = async (...args: string[]) => (await run('curl', ['-sS', ...args.map((a) => a.replace('localhost:8000', `127.0.0.1:${port}`))])).stdout;

    assert.deepEqual(JSON.parse(await curl('http://localhost:8000/v1/models')), { data: [] });

    const stream = await curl('-X', 'POST', 'http://localhost:8000/v1/models/download', '-H', 'Content-Type: application/json', '-d', '{"model_name": "cross-encoder/ms-marco-MiniLM-L-6-v2"}');
    const events = sseEvents(stream);
    const complete = events.find((e) => e.event === 'complete');
    assert.equal(complete.model_name, 'cross-encoder/ms-marco-MiniLM-L-6-v2');
    assert.deepEqual(events.filter((e) => e.event === 'start').map((e) => e.desc).sort(), ['config.json', 'model.safetensors', 'tokenizer_config.json']);
    const progress = events.filter((e) => e.event === 'progress');
    assert.ok(progress.length > 0);
    for (const p of progress) assert.ok(typeof p.downloaded === 'number' && typeof p.total === 'number' && typeof p.percent === 'number');
    assert.deepEqual(events.at(-1), { event: 'done', local_dir: complete.local_dir });

    const listed = JSON.parse(await curl('http://localhost:8000/v1/models')).data;
    assert.equal(listed.length, 1);
    const m = listed[0];
    assert.deepEqual(Object.keys(m).sort(), ['id', 'last_modified', 'model_id', 'name', 'path', 'revisions', 'size', 'size_bytes', 'size_human']);
    assert.equal(m.model_id, 'cross-encoder/ms-marco-MiniLM-L-6-v2');
    assert.equal(m.size_bytes, encoderWeights.length + encoderConfig.length + encoderTokenizer.length);
    assert.deepEqual(m.revisions, ['main']);
    assert.ok(!Number.isNaN(Date.parse(m.last_modified)));
    assert.equal(m.path, join(cacheDir, 'models--cross-encoder--ms-marco-MiniLM-L-6-v2'));

    const deleted = JSON.parse(await curl('-X', 'DELETE', 'http://localhost:8000/v1/models/cross-encoder/ms-marco-MiniLM-L-6-v2'));
    assert.deepEqual(deleted, { model_name: 'cross-encoder/ms-marco-MiniLM-L-6-v2', revisions_deleted: 1, size_freed: m.size_bytes, path: m.path });
    await assert.rejects(stat(m.path));
    assert.deepEqual(JSON.parse(await curl('http://localhost:8000/v1/models')), { data: [] });
  });

  test('a GGUF quantisation: only that file is fetched, and it is a loadable GGUF', async () => {
    const res = await download({ provider: 'universal', model_name: `${STORIES_REPO}:f32` });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    const events = sseEvents(res.body);
    assert.deepEqual(events[0], { event: 'start', desc: 'stories260K-F32.gguf', total: stories.length, n: 0 });
    const end = events.find((e) => e.event === 'end');
    assert.deepEqual(end, { event: 'end', desc: 'stories260K-F32.gguf', total: stories.length, n: stories.length, downloaded: stories.length, percent: 100 });
    assert.equal(events.filter((e) => e.event === 'start').length, 1);
    assert.equal(hub.transfers('stories260K-Q8_0.gguf').length, 0);
    const done = events.at(-1);
    const file = join(done.local_dir, 'stories260K-F32.gguf');
    assert.equal(sha256Hex(readFileSync(file)), '3c4a7c3a8313e00ae6a6b64df717828f4ba18391ea31ffb01abe9a2c4f7bb9a9');
    const { readGgufFileInfo } = await import('node-llama-cpp');
    const info = await readGgufFileInfo(file);
    assert.equal(info.metadata.general.architecture, 'llama');

    const list = json(await app.inject(`/v1/models?provider=universal`)).data;
    assert.ok(list.some((m: any) => m.id === STORIES_REPO && m.size === stories.length && m.size_human === '1.2MB'));
  });

  test('validate-download reports the space check without downloading', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/models/validate-download', payload: { model_name: 'lf-test/glove-GGUF' } });
    assert.equal(res.statusCode, 200, res.body);
    const v = json(res);
    assert.equal(v.can_download, true);
    assert.equal(typeof v.warning, 'boolean');
    assert.equal(v.required_bytes, 3_750_496);
    assert.ok(v.available_bytes > 0);
    for (const k of ['cache_info', 'system_info']) assert.deepEqual(Object.keys(v[k]).sort(), ['free_bytes', 'path', 'percent_free', 'total_bytes', 'used_bytes']);
    assert.equal(hub.transfers('glove-6B-100d-16k-static-bert-f16.gguf').length, 0);
    assert.equal(json(await app.inject({ method: 'POST', url: '/v1/models/validate-download', payload: { model_name: 'lf-test/nope' } })).detail.includes('lf-test/nope'), true);
  });

  test('providers: other known providers are a 400 with a reason, unknown ones a 422; names are checked', async () => {
    const r1 = await app.inject('/v1/models?provider=ollama');
    assert.equal(r1.statusCode, 400);
    assert.match(json(r1).detail, /only 'universal'/);
    const r2 = await app.inject('/v1/models?provider=bogus');
    assert.equal(r2.statusCode, 422);
    assert.deepEqual(json(r2).detail[0].loc, ['query', 'provider']);
    assert.equal((await download({ provider: 'openai', model_name: 'x/y' })).statusCode, 400);
    const r3 = await download({});
    assert.equal(r3.statusCode, 422);
    assert.deepEqual(json(r3).detail[0].loc, ['body', 'model_name']);
    const r4 = await download({ model_name: '../../etc/passwd' });
    assert.equal(r4.statusCode, 400);
    const r5 = await download({ model_name: 'lf-test/does-not-exist' });
    assert.equal(r5.statusCode, 404);
    assert.match(json(r5).detail, /lf-test\/does-not-exist/);
    assert.equal((await app.inject({ method: 'DELETE', url: '/v1/models/x/y?provider=lemonade' })).statusCode, 400);
  });

  test('a checksum mismatch streams an error event and caches nothing', async () => {
    hub.setFault('lf-test/glove-GGUF', 'glove-6B-100d-16k-static-bert-f16.gguf', { corrupt: true });
    try {
      const res = await download({ model_name: 'lf-test/glove-GGUF' });
      assert.equal(res.statusCode, 200);
      const last = sseEvents(res.body).at(-1);
      assert.equal(last.event, 'error');
      assert.match(last.message, /^Download failed: .*checksum mismatch/);
    } finally {
      hub.setFault('lf-test/glove-GGUF', 'glove-6B-100d-16k-static-bert-f16.gguf', undefined);
    }
    assert.ok(!json(await app.inject('/v1/models')).data.some((m: any) => m.id === 'lf-test/glove-GGUF'));
    const del = await app.inject({ method: 'DELETE', url: '/v1/models/lf-test/glove-GGUF' });
    assert.equal(del.statusCode, 404);
    assert.equal(json(del).detail, "Model 'lf-test/glove-GGUF' not found in cache. Use GET /v1/models to see available models.");
  });

  test('a client that disconnects stops the transfer; the partial file stays and the next download resumes', async () => {
    const file = 'glove-6B-100d-16k-static-bert-f16.gguf';
    hub.setFault('lf-test/glove-GGUF', file, { chunkBytes: 64 * 1024, chunkDelayMs: 25 });
    const address = app.server.listening ? `http://127.0.0.1:${(app.server.address() as { port: number }).port}` : await app.listen({ port: 0, host: '127.0.0.1' });
    const closedBefore = hub.closedEarly;
    // node:http rather than fetch: the client must really hang up (fetch's pool may keep a spare socket open).
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(`${address}/v1/models/download`);
      const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          // Hang up once a few pieces have arrived (and so reached the partial file).
          if (sseEvents(text.slice(0, text.lastIndexOf('\n\n') + 2)).some((e) => e.event === 'progress' && e.n >= 256 * 1024)) {
            req.destroy();
            resolve(res.statusCode ?? 0);
          }
        });
        res.on('end', () => reject(new Error(`the stream ended before any progress: ${text}`)));
      });
      req.on('error', () => undefined);
      req.end(JSON.stringify({ model_name: 'lf-test/glove-GGUF' }));
    });
    assert.equal(status, 200);
    for (let i = 0; i < 100 && hub.closedEarly === closedBefore; i++) await new Promise((r) => setTimeout(r, 20));
    hub.setFault('lf-test/glove-GGUF', file, undefined);
    assert.ok(hub.closedEarly > closedBefore, 'the hub transfer was stopped');
    const blobs = await readdir(join(cacheDir, 'models--lf-test--glove-GGUF', 'blobs'));
    assert.deepEqual(blobs.filter((b) => !b.endsWith('.incomplete')), []);
    assert.equal(blobs.filter((b) => b.endsWith('.incomplete')).length, 1);

    hub.requests.length = 0;
    const again = await download({ model_name: 'lf-test/glove-GGUF' });
    const start = sseEvents(again.body)[0];
    assert.equal(start.event, 'start');
    assert.ok(start.n > 0, 'resumed from the partial file');
    assert.equal(hub.transfers(file)[0].headers.range, `bytes=${start.n}-`);
    assert.equal(sseEvents(again.body).at(-1).event, 'done');
  });

  test('DELETE strips a :QUANT suffix and removes every revision', async () => {
    await download({ model_name: `${STORIES_REPO}:Q8_0` });
    const res = await app.inject({ method: 'DELETE', url: `/v1/models/${STORIES_REPO}:Q4_K_M` });
    assert.equal(res.statusCode, 200, res.body);
    const body = json(res);
    assert.equal(body.model_name, STORIES_REPO);
    assert.equal(body.revisions_deleted, 1);
    assert.ok(body.size_freed > stories.length, 'both quantisations were freed');
    const again = await app.inject({ method: 'DELETE', url: `/v1/models/${STORIES_REPO}` });
    assert.equal(again.statusCode, 404);
  });

  test('OpenAPI lists the four operations under the models tag', async () => {
    const doc = json(await app.inject('/openapi.json'));
    const ops = Object.values(doc.paths as Record<string, Record<string, any>>)
      .flatMap((p) => Object.values(p))
      .filter((op) => op.tags?.includes('models'))
      .map((op) => op.operationId)
      .sort();
    assert.deepEqual(ops, ['models_cache_delete', 'models_cache_download', 'models_cache_list', 'models_cache_validate_download']);
  });
});

describe('Models Cache API: disk-space pre-check', () => {
  let hub: FakeHfHub;
  let cacheDir: string;
  const weights = randomBytes(300_000);
  const GB = 1024 ** 3;

  async function appWithDisk(free: number, total = 100 * GB): Promise<FastifyInstance> {
    const disk = async (path: string): Promise<DiskInfo> => ({ total_bytes: total, used_bytes: total - free, free_bytes: free, path, percent_free: (free / total) * 100 });
    const service = new ModelsCacheService(
      { cacheDir, endpoint: hub.endpoint, autoDownload: true, offline: false, requestTimeoutMs: 5000, stallTimeoutMs: 5000, retries: 1 },
      { diskProbe: disk },
    );
    const app = Fastify();
    installErrorHandling(app);
    modelRoutesWith(service)(app);
    await app.ready();
    return app;
  }

  before(async () => {
    hub = await FakeHfHub.start();
    hub.addRepo({ id: 'lf-test/weights', files: [{ path: 'w.bin', content: weights }] });
    cacheDir = await mkdtemp(join(tmpdir(), 'lf-hf-cache-'));
  });
  after(async () => {
    await hub.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  test('cannot fit: 400 with the reason, before anything streams or downloads', async () => {
    const app = await appWithDisk(50 * 1024 * 1024);
    try {
      const res = await app.inject({ method: 'POST', url: '/v1/models/download', payload: { model_name: 'lf-test/weights' } });
      assert.equal(res.statusCode, 400);
      assert.match(String(res.headers['content-type']), /application\/json/);
      assert.match(json(res).detail, /^Insufficient disk space/);
      assert.equal(hub.transfers('w.bin').length, 0);
      const v = json(await app.inject({ method: 'POST', url: '/v1/models/validate-download', payload: { model_name: 'lf-test/weights' } }));
      assert.equal(v.can_download, false);
      assert.equal(v.required_bytes, weights.length);
    } finally {
      await app.close();
    }
  });

  test('low space: a warning is the first event, then the download goes on', async () => {
    const app = await appWithDisk(5 * GB);
    try {
      const res = await app.inject({ method: 'POST', url: '/v1/models/download', payload: { model_name: 'lf-test/weights' } });
      assert.equal(res.statusCode, 200);
      const events = sseEvents(res.body);
      assert.equal(events[0].event, 'warning');
      assert.match(events[0].message, /below the 10% threshold/);
      assert.deepEqual(events.slice(-2).map((e) => e.event), ['complete', 'done']);
    } finally {
      await app.close();
    }
  });
});
