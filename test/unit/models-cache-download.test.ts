/**
 * The downloader and model resolution against a local hub-shaped server (test/fakes/hf-hub-fake.ts): the cache
 * layout `huggingface_hub` writes, GGUF quantisation choice, resume with Range, checksum refusal, token scope,
 * and resolution of `org/repo:QUANT`, `org/repo/file.gguf` and local paths.
 */
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { lstat, mkdtemp, readFile, readlink, readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeHfHub, sha256Hex } from '../fakes/hf-hub-fake.js';
import { ModelsCacheService } from '../../src/services/models-cache/service.js';
import type { DownloadEvent } from '../../src/services/models-cache/downloader.js';
import type { ModelsCacheSettings } from '../../src/services/models-cache/settings.js';
import { isLfError } from '../../src/core/errors.js';

const GGUF_MAGIC = Buffer.from('GGUF');
/** Bytes that look like a GGUF file (magic first) but are never loaded. */
const fakeGguf = (n: number) => Buffer.concat([GGUF_MAGIC, randomBytes(n - 4)]);

describe('models cache downloader', () => {
  let hub: FakeHfHub;
  let cacheDir: string;
  const q4 = fakeGguf(300_000);
  const q8 = fakeGguf(500_000);
  const big = randomBytes(2_000_000);
  let ggufCommit: string;
  const dirs: string[] = [];

  const service = (o: Partial<ModelsCacheSettings> = {}) =>
    new ModelsCacheService(
      { cacheDir, endpoint: hub.endpoint, autoDownload: true, offline: false, requestTimeoutMs: 5000, stallTimeoutMs: 5000, retries: 3, ...o },
      { retryDelayMs: 5, progressIntervalMs: 0 },
    );

  async function download(svc: ModelsCacheService, name: string, o: { signal?: AbortSignal } = {}) {
    const events: DownloadEvent[] = [];
    const { plan } = await svc.prepareDownload(name);
    const result = await svc.download(plan, { onEvent: (e) => events.push(e), signal: o.signal });
    return { events, result, plan };
  }

  before(async () => {
    hub = await FakeHfHub.start({ token: 'hf_secret' });
    ggufCommit = hub.addRepo({
      id: 'lf-test/tiny-GGUF',
      files: [
        { path: 'README.md', content: Buffer.from('# tiny\n') },
        { path: 'tiny.Q4_K_M.gguf', content: q4 },
        { path: 'tiny.Q8_0.gguf', content: q8 },
      ],
    }).commit;
    hub.addRepo({
      id: 'lf-test/encoder',
      files: [
        { path: 'config.json', content: Buffer.from('{"hidden_size": 8}\n') },
        { path: 'model.safetensors', content: randomBytes(50_000) },
        { path: 'tokenizer/vocab.txt', content: Buffer.from('[PAD]\n[UNK]\nhello\n') },
      ],
    });
    hub.addRepo({ id: 'lf-test/big', files: [{ path: 'weights.bin', content: big }] });
    hub.addRepo({ id: 'lf-test/private-GGUF', private: true, files: [{ path: 'p.Q4_K_M.gguf', content: fakeGguf(10_000) }] });
  });
  after(async () => {
    await hub.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  beforeEach(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'lf-hf-cache-'));
    dirs.push(cacheDir);
    hub.requests.length = 0;
  });

  test('a GGUF repo: only the requested quantisation, in the hub cache layout', async () => {
    const svc = service();
    const { events, result, plan } = await download(svc, 'lf-test/tiny-GGUF:Q8_0');
    assert.deepEqual(plan.files.map((f) => f.path), ['tiny.Q8_0.gguf']);
    const repoDir = join(cacheDir, 'models--lf-test--tiny-GGUF');
    const sha = sha256Hex(q8);
    assert.deepEqual(await readdir(join(repoDir, 'blobs')), [sha]);
    const link = join(repoDir, 'snapshots', ggufCommit, 'tiny.Q8_0.gguf');
    assert.ok((await lstat(link)).isSymbolicLink());
    assert.equal(await readlink(link), `../../blobs/${sha}`);
    assert.deepEqual(await readFile(link), q8);
    assert.equal((await readFile(join(repoDir, 'refs', 'main'), 'utf8')).trim(), ggufCommit);
    assert.equal(result.localDir, join(repoDir, 'snapshots', ggufCommit));
    assert.deepEqual(result.files, [link]);
    assert.equal(hub.transfers('tiny.Q4_K_M.gguf').length, 0, 'the other quantisation is never fetched');
    assert.equal(hub.transfers('README.md').length, 0);

    const kinds = events.map((e) => e.event);
    assert.equal(kinds[0], 'start');
    assert.deepEqual(kinds.slice(-3), ['end', 'complete', 'done']);
    assert.ok(kinds.includes('progress'));
    const start = events[0] as Extract<DownloadEvent, { event: 'start' }>;
    assert.deepEqual(start, { event: 'start', desc: 'tiny.Q8_0.gguf', total: q8.length, n: 0 });
    const end = events.at(-3) as Extract<DownloadEvent, { event: 'end' }>;
    assert.equal(end.n, q8.length);
    assert.equal(end.percent, 100);
    assert.deepEqual(events.at(-2), { event: 'complete', model_name: 'lf-test/tiny-GGUF:Q8_0', local_dir: result.localDir });
    assert.deepEqual(events.at(-1), { event: 'done', local_dir: result.localDir });
    for (const e of events.filter((x) => x.event === 'progress') as Array<Extract<DownloadEvent, { event: 'progress' }>>) {
      assert.equal(e.downloaded, e.n);
      assert.ok(e.n <= q8.length && e.percent! <= 100);
    }

    const listed = await svc.list();
    assert.equal(listed.length, 1);
    assert.equal(listed[0].model_id, 'lf-test/tiny-GGUF');
    assert.equal(listed[0].size_bytes, q8.length);
    assert.deepEqual(listed[0].revisions, ['main']);
  });

  test('the HEAD and downloads follow what huggingface_hub does: relative redirect followed, CDN fetched by its Location', async () => {
    await download(service(), 'lf-test/encoder');
    const repoDir = join(cacheDir, 'models--lf-test--encoder');
    const snap = (await readdir(join(repoDir, 'snapshots')))[0];
    const nested = join(repoDir, 'snapshots', snap, 'tokenizer', 'vocab.txt');
    assert.match(await readlink(nested), /^\.\.\/\.\.\/\.\.\/blobs\/[0-9a-f]{40}$/, 'deeper files link with more ../');
    assert.equal(await readFile(nested, 'utf8'), '[PAD]\n[UNK]\nhello\n');
    assert.ok(hub.requests.some((r) => r.server === 'hub' && r.method === 'GET' && r.path.startsWith('/api/models/lf-test/encoder/revision/main?blobs=true')));
    assert.ok(hub.requests.some((r) => r.method === 'HEAD' && r.path.startsWith('/api/resolve-cache/')), 'relative redirect followed on HEAD');
    assert.ok(hub.requests.every((r) => r.headers['accept-encoding'] === 'identity' || r.path.startsWith('/api/models/')));
    assert.equal(hub.transfers('model.safetensors').length, 1);
  });

  test('an interrupted transfer resumes with Range and completes', async () => {
    hub.setFault('lf-test/big', 'weights.bin', { cutAt: 700_000, cutTimes: 1 });
    try {
      await download(service(), 'lf-test/big');
    } finally {
      hub.setFault('lf-test/big', 'weights.bin', undefined);
    }
    const gets = hub.transfers('weights.bin');
    assert.equal(gets.length, 2);
    assert.equal(gets[0].headers.range, undefined);
    // What reached the disk before the cut (bytes in flight are lost with the connection) is kept and resumed.
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(String(gets[1].headers.range))?.[1]);
    assert.ok(resumedAt > 0 && resumedAt <= 700_000, `resumed at ${resumedAt}`);
    const blob = join(cacheDir, 'models--lf-test--big', 'blobs', sha256Hex(big));
    assert.deepEqual(await readFile(blob), big);
  });

  test('a download that keeps failing leaves its partial file; the next one resumes from it', async () => {
    hub.setFault('lf-test/big', 'weights.bin', { cutAt: 900_000, cutTimes: 2 });
    const svc = service({ retries: 1 });
    const events: DownloadEvent[] = [];
    const { plan } = await svc.prepareDownload('lf-test/big');
    await assert.rejects(svc.download(plan, { onEvent: (e) => events.push(e) }), (e) => isLfError(e) && e.status === 502 && /weights\.bin/.test(e.message));
    hub.setFault('lf-test/big', 'weights.bin', undefined);
    const partial = join(cacheDir, 'models--lf-test--big', 'blobs', `${sha256Hex(big)}.incomplete`);
    const kept = (await stat(partial)).size;
    assert.ok(kept > 0 && kept <= 900_000, `kept ${kept}`);
    assert.deepEqual(await svc.list(), [], 'no complete snapshot, not listed');
    await assert.rejects(svc.delete('lf-test/big'), (e) => isLfError(e) && e.status === 404);

    const plan2 = (await svc.prepareDownload('lf-test/big')).plan;
    assert.equal(plan2.missingBytes, big.length - kept, 'the partial file counts');
    hub.requests.length = 0;
    const again: DownloadEvent[] = [];
    await svc.download(plan2, { onEvent: (e) => again.push(e) });
    assert.deepEqual(again[0], { event: 'start', desc: 'weights.bin', total: big.length, n: kept });
    assert.equal(hub.transfers('weights.bin')[0].headers.range, `bytes=${kept}-`);
    assert.deepEqual(await readFile(join(cacheDir, 'models--lf-test--big', 'blobs', sha256Hex(big))), big);
  });

  test('a server that ignores Range gets the whole file again, written from the start', async () => {
    hub.setFault('lf-test/big', 'weights.bin', { cutAt: 400_000, cutTimes: 1, ignoreRange: true });
    try {
      await download(service(), 'lf-test/big');
    } finally {
      hub.setFault('lf-test/big', 'weights.bin', undefined);
    }
    assert.deepEqual(await readFile(join(cacheDir, 'models--lf-test--big', 'blobs', sha256Hex(big))), big);
  });

  test('a checksum mismatch is refused: the bad bytes are deleted and nothing is linked', async () => {
    hub.setFault('lf-test/tiny-GGUF', 'tiny.Q4_K_M.gguf', { corrupt: true });
    const svc = service();
    try {
      const { plan } = await svc.prepareDownload('lf-test/tiny-GGUF:Q4_K_M');
      await assert.rejects(svc.download(plan), /checksum mismatch \(sha256 expected [0-9a-f]{64}, got [0-9a-f]{64}\)/);
    } finally {
      hub.setFault('lf-test/tiny-GGUF', 'tiny.Q4_K_M.gguf', undefined);
    }
    const repoDir = join(cacheDir, 'models--lf-test--tiny-GGUF');
    assert.deepEqual(await readdir(join(repoDir, 'blobs')), []);
    assert.deepEqual(await readdir(join(repoDir, 'snapshots')).catch(() => []), []);
    assert.equal(hub.transfers('tiny.Q4_K_M.gguf').length, 1, 'a mismatch is not retried');
    assert.deepEqual(await svc.list(), []);
  });

  test('HF_TOKEN goes to the hub only, never to the CDN; without it a private repo is a 404', async () => {
    await assert.rejects(service().prepareDownload('lf-test/private-GGUF:Q4_K_M'), (e) => isLfError(e) && e.status === 404 && /HF_TOKEN/.test(e.message));
    await download(service({ token: 'hf_secret' }), 'lf-test/private-GGUF:Q4_K_M');
    const hubCalls = hub.requests.filter((r) => r.server === 'hub' && r.path.includes('private-GGUF'));
    const cdnCalls = hub.requests.filter((r) => r.server === 'cdn');
    assert.ok(hubCalls.length >= 2 && cdnCalls.length === 1);
    assert.ok(hubCalls.filter((r) => r.headers.authorization).every((r) => r.headers.authorization === 'Bearer hf_secret'));
    assert.ok(hubCalls.some((r) => r.headers.authorization === 'Bearer hf_secret'));
    assert.equal(cdnCalls[0].headers.authorization, undefined);
  });

  test('an unknown model is a 404; an unreachable hub is a 502 naming it; a slow one times out', async () => {
    await assert.rejects(service().prepareDownload('lf-test/nope'), (e) => isLfError(e) && e.status === 404 && /lf-test\/nope/.test(e.message));
    await assert.rejects(service().prepareDownload('lf-test/tiny-GGUF/missing.gguf'), (e) => isLfError(e) && e.status === 404);
    const down = new ModelsCacheService({ cacheDir, endpoint: 'http://127.0.0.1:9', autoDownload: true, offline: false, requestTimeoutMs: 2000, stallTimeoutMs: 2000, retries: 0 });
    await assert.rejects(down.prepareDownload('lf-test/tiny-GGUF'), (e) => isLfError(e) && e.status === 502 && /127\.0\.0\.1:9/.test(e.message));
  });

  test('an aborted download stops the transfer and keeps the partial file', async () => {
    hub.setFault('lf-test/big', 'weights.bin', { chunkBytes: 64 * 1024, chunkDelayMs: 20 });
    const svc = service();
    const ctl = new AbortController();
    const { plan } = await svc.prepareDownload('lf-test/big');
    const seen: DownloadEvent[] = [];
    const running = svc.download(plan, {
      signal: ctl.signal,
      onEvent: (e) => {
        seen.push(e);
        if (e.event === 'progress' && e.n > 200_000) ctl.abort();
      },
    });
    await assert.rejects(running, (e: Error) => e.name === 'AbortError');
    hub.setFault('lf-test/big', 'weights.bin', undefined);
    const partial = join(cacheDir, 'models--lf-test--big', 'blobs', `${sha256Hex(big)}.incomplete`);
    const size = (await stat(partial)).size;
    assert.ok(size > 0 && size < big.length, `partial ${size}`);
    for (let i = 0; i < 50 && hub.closedEarly === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(hub.closedEarly >= 1, 'the server saw the connection go');
  });

  describe('resolveModelFile', () => {
    test('a local path is returned as it is; a missing one is a clear error', async () => {
      const file = join(cacheDir, 'local.gguf');
      await writeFile(file, q4);
      assert.equal(await service().resolveModelFile(file), file);
      await assert.rejects(service().resolveModelFile(join(cacheDir, 'nope.gguf')), /Model file not found/);
      await assert.rejects(service().resolveModelFile('not a model'), (e) => isLfError(e) && e.status === 400);
    });

    test('org/repo:QUANT downloads on first use, then comes from the cache', async () => {
      const svc = service();
      const path = await svc.resolveModelFile('lf-test/tiny-GGUF:q4_k_m');
      assert.ok(path.endsWith(join('snapshots', ggufCommit, 'tiny.Q4_K_M.gguf')));
      assert.deepEqual(await readFile(path), q4);
      hub.requests.length = 0;
      assert.equal(await svc.resolveModelFile('lf-test/tiny-GGUF:Q4_K_M'), path);
      assert.equal(await service({ autoDownload: false }).resolveModelFile('lf-test/tiny-GGUF:Q4_K_M'), path);
      assert.equal(hub.requests.length, 0, 'cached: the hub is not asked');
      // Another quantisation of the same repo is a different file: fetched, not substituted.
      const q8path = await svc.resolveModelFile('lf-test/tiny-GGUF:Q8_0');
      assert.ok(q8path.endsWith('tiny.Q8_0.gguf'));
    });

    test('org/repo/file.gguf names one file; concurrent callers share one download', async () => {
      const svc = service();
      const [a, b] = await Promise.all([svc.resolveModelFile('lf-test/tiny-GGUF/tiny.Q8_0.gguf'), svc.resolveModelFile('lf-test/tiny-GGUF/tiny.Q8_0.gguf')]);
      assert.equal(a, b);
      assert.deepEqual(await readFile(a), q8);
      assert.equal(hub.transfers('tiny.Q8_0.gguf').length, 1);
    });

    test('with LF_AUTO_DOWNLOAD off (or HF_HUB_OFFLINE) the error names the command that fetches it', async () => {
      await assert.rejects(service({ autoDownload: false }).resolveModelFile('lf-test/tiny-GGUF:Q4_K_M'), (e) => {
        assert.ok(isLfError(e));
        assert.equal(
          e.message,
          'Model lf-test/tiny-GGUF:Q4_K_M is not cached and automatic downloads are off (LF_AUTO_DOWNLOAD=0). Fetch it with: lf models pull lf-test/tiny-GGUF:Q4_K_M  (or POST /v1/models/download)',
        );
        return true;
      });
      await assert.rejects(service({ offline: true }).resolveModelFile('lf-test/tiny-GGUF:Q4_K_M'), /HF_HUB_OFFLINE=1\). Fetch it with: lf models pull/);
      assert.equal(hub.requests.length, 0);
    });

    test('progress reaches the caller; a python-written cache (refs + snapshot) is used as it is', async () => {
      const seen: string[] = [];
      const svc = service();
      await svc.resolveModelFile('lf-test/encoder/model.safetensors', { onProgress: (e) => seen.push(e.event) });
      assert.deepEqual(seen.slice(-2), ['complete', 'done']);
      // A cache written by someone else: refs/main + snapshot file, no blobs folder needed for a plain file.
      const repoDir = join(cacheDir, 'models--other--hand-made');
      const commit = 'a'.repeat(40);
      await mkdir(join(repoDir, 'snapshots', commit), { recursive: true });
      await mkdir(join(repoDir, 'refs'), { recursive: true });
      await writeFile(join(repoDir, 'refs', 'main'), commit);
      await writeFile(join(repoDir, 'snapshots', commit, 'hand.Q5_K_M.gguf'), q4);
      assert.equal(await svc.resolveModelFile('other/hand-made'), join(repoDir, 'snapshots', commit, 'hand.Q5_K_M.gguf'));
      await rm(repoDir, { recursive: true });
    });
  });
});
