/**
 * #15 items 4 and 5 on a real small file system: the data dir on an 8 MB tmpfs (needs root and mount rights;
 * skipped cleanly otherwise). A full disk answers an upload 507 naming ENOSPC over a keep-alive connection that
 * gets its answer (the body is drained, the connection closed), leaves no temp file, and works again once space
 * returns; a read-only dataset folder answers a file delete 503 naming EROFS and leaves the file and its chunks as
 * they were.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, open, readdir, rm, rmdir } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { tempDir } from '../helpers/tmp.js';
import { multipart } from '../helpers/multipart.js';
import { createOfflineProject, waitForTask } from '../helpers/projects.js';
import { loadSettings } from '../../src/core/settings.js';
import { createContext, type AppContext } from '../../src/services/context.js';
import { buildApp } from '../../src/api/app.js';

function sh(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

/** Writes a filler file until the file system is full; returns its path. */
async function fillDisk(dir: string): Promise<string> {
  const path = join(dir, 'filler');
  const fh = await open(path, 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) await fh.write(block);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    await fh.close().catch(() => undefined);
  }
  return path;
}

/** POSTs over a keep-alive socket; resolves with status and body (rejects after 30 s: the hang this prevents). */
function postOverSocket(port: number, path: string, payload: Buffer, headers: Record<string, string>, agent: Agent): Promise<{ status: number; body: string; connection?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, agent, headers: { ...headers, 'content-length': String(payload.length) } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s (request body left unread?)')));
    req.on('error', reject);
    req.end(payload);
  });
}

const root = await tempDir('lf-tmpfs-');
const mountPoint = join(root, 'mnt');
await mkdir(mountPoint);
const mounted = process.getuid?.() === 0 && sh('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountPoint]);
const skip = mounted ? false : 'needs root and the right to mount a tmpfs';
if (mounted) {
  // Whatever happens to the test (a hang is what it guards against), the mount does not outlive the process.
  process.once('exit', () => void spawnSync('umount', ['-l', mountPoint], { stdio: 'ignore' }));
} else {
  await rm(root, { recursive: true, force: true });
}

describe('storage faults on a small tmpfs', { skip }, () => {
  let ctx: AppContext;
  let app: FastifyInstance;
  let port: number;
  const P = '/v1/projects/org/farm';
  const dataDir = join(mountPoint, 'data');

  before(async () => {
    ctx = await createContext(loadSettings({ dataDir, logLevel: 'silent' }, {}), pino({ level: 'silent' }));
    app = await buildApp(ctx);
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
    await createOfflineProject(app, 'org', 'farm');
    const ds = await app.inject({ method: 'POST', url: `${P}/datasets`, payload: { name: 'docs', data_processing_strategy: 'universal_processor', database: 'main_database' } });
    assert.equal(ds.statusCode, 200, ds.body);
  });
  after(async () => {
    await app?.close();
    await ctx?.close();
    if (!sh('umount', [mountPoint])) sh('umount', ['-l', mountPoint]);
    await rmdir(mountPoint).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  test('disk full: upload answers 507 naming ENOSPC, the keep-alive client gets it, no temp file stays; works after space returns', async () => {
    const filler = await fillDisk(mountPoint);
    const agent = new Agent({ keepAlive: true });
    try {
      // Larger than the socket buffers: a body left unread would stall the client.
      const { payload, headers } = multipart([{ filename: 'big.txt', content: Buffer.alloc(24 * 1024 * 1024, 'a'), contentType: 'text/plain' }]);
      const res = await postOverSocket(port, `${P}/datasets/docs/data`, payload, headers, agent);
      assert.equal(res.status, 507, res.body);
      assert.match(JSON.parse(res.body).detail, /no space left .*ENOSPC/i);
      assert.equal(res.connection, 'close');
      const tmp = join(ctx.layout.datasetDir('org', 'farm', 'docs'), 'tmp');
      assert.deepEqual(await readdir(tmp), []);
      assert.deepEqual(await readdir(join(ctx.layout.datasetDir('org', 'farm', 'docs'), 'raw')), []);
      await rm(filler);
      const small = multipart([{ filename: 'small.txt', content: Buffer.alloc(1024 * 1024, 'b'), contentType: 'text/plain' }]);
      const again = await postOverSocket(port, `${P}/datasets/docs/data`, small.payload, small.headers, agent);
      assert.equal(again.status, 200, again.body);
    } finally {
      agent.destroy();
      await rm(filler, { force: true });
    }
  });

  test('read-only dataset folder: deleting a file from disk answers 503 naming EROFS and changes nothing; it completes once writable', async () => {
    const { payload, headers } = multipart([{ filename: 'handbook.md', content: '# Llamas\n\nLlamas eat hay and grass every day of the year.\n', contentType: 'text/markdown' }]);
    const up = await app.inject({ method: 'POST', url: `${P}/datasets/docs/data`, payload, headers });
    assert.equal(up.statusCode, 200, up.body);
    const hash = JSON.parse(up.body).hash as string;
    const started = await app.inject({ method: 'POST', url: `${P}/datasets/docs/actions`, payload: { action_type: 'process' } });
    const task = await waitForTask(app, 'org', 'farm', JSON.parse(started.body).task_id);
    assert.equal(task.state, 'SUCCESS', JSON.stringify(task));
    const chunksOf = async () => JSON.parse((await app.inject({ method: 'POST', url: `${P}/rag/query`, payload: { query: 'llamas hay', top_k: 50 } })).body).results.filter((r: any) => r.metadata.file_hash === hash).length;
    const before = await chunksOf();
    assert.ok(before > 0);
    // The dataset's folder read-only (a read-only bind mount over itself); the vector store stays writable, so
    // only the delete's ordering keeps the chunks.
    const folder = ctx.layout.datasetDir('org', 'farm', 'docs');
    assert.ok(sh('mount', ['--bind', folder, folder]), 'bind mount');
    try {
      assert.ok(sh('mount', ['-o', 'remount,bind,ro', folder]), 'remount read-only');
      const del = await app.inject({ method: 'DELETE', url: `${P}/datasets/docs/data/${hash}?remove_from_disk=true` });
      assert.equal(del.statusCode, 503, del.body);
      assert.match(JSON.parse(del.body).detail, /read-only file system \(EROFS\)/);
    } finally {
      assert.ok(sh('umount', [folder]), 'unmount the bind mount');
    }
    const files = JSON.parse((await app.inject(`${P}/datasets`)).body).datasets.find((d: any) => d.name === 'docs').files;
    assert.ok(files.includes(hash));
    assert.equal(await chunksOf(), before);
    const del = await app.inject({ method: 'DELETE', url: `${P}/datasets/docs/data/${hash}?remove_from_disk=true` });
    assert.equal(del.statusCode, 200, del.body);
    assert.equal(JSON.parse(del.body).deleted_chunks, before);
    assert.equal(await chunksOf(), 0);
    assert.ok(!(await readdir(join(ctx.layout.datasetDir('org', 'farm', 'docs'), 'raw'))).includes(hash));
  });
});
