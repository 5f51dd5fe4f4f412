/**
 * #15 item 8 and the kill -9 part of the fault suite: a process killed at chosen points (holding a project lock,
 * mid config write, mid upload) leaves nothing that outlives the next start — the lock is taken over at once
 * (its owner pid is dead), temp files are swept — and a forked child exits when its parent is SIGKILLed.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'node:http';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { tempDir } from '../helpers/tmp.js';
import { runSnippet, srcPath, processGone, waitUntil } from '../helpers/child-process.js';
import { FileLocks } from '../../src/core/file-lock.js';
import { isLfError } from '../../src/core/errors.js';
import { loadSettings } from '../../src/core/settings.js';
import { createContext } from '../../src/services/context.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function scratch(): Promise<string> {
  const d = await tempDir('lf-reliab-');
  dirs.push(d);
  return d;
}

/** Every temp-looking file under `dir` (atomic-write temps, upload temps, lock owners). */
async function leftovers(dir: string): Promise<string[]> {
  const all = (await readdir(dir, { recursive: true })) as string[];
  return all.filter((p) => /\.tmp$|[/\\]tmp[/\\].+|\.lock(\.owner)?$/.test(p));
}

async function deadPid(): Promise<number> {
  const s = runSnippet('process.stdout.write(`PID ${process.pid}\\n`);');
  const pid = Number((await s.waitFor(/PID (\d+)/))[1]);
  await s.exited;
  return pid;
}

describe('crash leftovers', () => {
  test('a project lock whose holder was SIGKILLed is taken over at once; a live holder is respected', async () => {
    const dir = await scratch();
    const lockPath = join(dir, 'projects', 'org', '.farm.lock');
    const holder = runSnippet(`
      const { FileLocks } = await import(${srcPath('src/core/file-lock.ts')});
      setInterval(() => {}, 1000);
      await new FileLocks().run(${JSON.stringify(lockPath)}, async () => {
        process.stdout.write('LOCKED\\n');
        await new Promise(() => {});
      });`);
    try {
      await holder.waitFor(/LOCKED/);
      // Stale only after a minute by age: only the owner check can free it within the 400 ms wait.
      const locks = new FileLocks({ waitMs: 400, staleMs: 60_000 });
      await assert.rejects(locks.run(lockPath, async () => 'mine'), (e) => isLfError(e) && e.status === 503);
      await holder.kill();
      assert.equal(await locks.run(lockPath, async () => 'mine'), 'mine');
      assert.deepEqual(await leftovers(dir), []);
    } finally {
      await holder.kill();
    }
  });

  test('kill -9 mid config write and mid upload: the next start sweeps every temp file (0 left)', async () => {
    const dataDir = await scratch();
    const projectDir = join(dataDir, 'projects', 'org', 'farm');
    // 1. Killed mid upload: a server in a child gets half a multipart body, then SIGKILL.
    const server = runSnippet(`
      const { loadSettings } = await import(${srcPath('src/core/settings.ts')});
      const { createContext } = await import(${srcPath('src/services/context.ts')});
      const { buildApp } = await import(${srcPath('src/api/app.ts')});
      const { default: pino } = await import('pino');
      const ctx = await createContext(loadSettings({ dataDir: ${JSON.stringify(dataDir)}, logLevel: 'silent' }, {}), pino({ level: 'silent' }), { runTasks: false });
      const app = await buildApp(ctx);
      const r1 = await app.inject({ method: 'POST', url: '/v1/projects/org', payload: { name: 'farm', config_template: 'rag' } });
      const r2 = await app.inject({ method: 'POST', url: '/v1/projects/org/farm/datasets', payload: { name: 'docs', data_processing_strategy: 'universal_processor', database: 'main_database' } });
      if (r1.statusCode !== 200 || r2.statusCode !== 200) throw new Error(r1.body + r2.body);
      await app.listen({ host: '127.0.0.1', port: 0 });
      process.stdout.write('PORT ' + app.server.address().port + '\\n');`);
    try {
      const port = Number((await server.waitFor(/PORT (\d+)/))[1]);
      const boundary = `----lf${randomUUID()}`;
      const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n`);
      const req = request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/projects/org/farm/datasets/docs/data',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + 4_000_000 },
      });
      req.on('error', () => undefined);
      req.write(head);
      req.write(Buffer.alloc(1_000_000, 'a'));
      const tmpDir = join(projectDir, 'lf_data', 'datasets', 'docs', 'tmp');
      await waitUntil(async () => (await readdir(tmpDir).catch(() => [])).length > 0, 30_000, 'an upload temp file');
      await server.kill();
      req.destroy();
    } finally {
      await server.kill();
    }
    // 2. Killed after the temp file of an atomic config write was written, before the rename (the
    // project's config stays whole).
    const writer = runSnippet(`
      setInterval(() => {}, 1000);
      const { writeFileAtomic } = await import(${srcPath('src/core/fs-atomic.ts')});
      await writeFileAtomic(${JSON.stringify(join(projectDir, 'llamafarm.yaml'))}, 'version: v1\\n', {
        beforeRename: async () => { process.stdout.write('TMP\\n'); await new Promise(() => {}); },
      });`);
    await writer.waitFor(/TMP/);
    await writer.kill();
    const before = await leftovers(dataDir);
    assert.ok(before.some((p) => p.includes('.llamafarm.yaml.')), before.join());
    assert.ok(before.some((p) => /tmp[/\\]\d+-/.test(p)), before.join());
    // Someone else's temp in flight (this process) stays; a dead pid's 0-byte config temp goes.
    const mine = join(projectDir, `.llamafarm.yaml.${process.pid}.0badc0de.tmp`);
    await writeFile(mine, '');
    await writeFile(join(projectDir, `.llamafarm.yaml.${await deadPid()}.deadbeef.tmp`), '');
    await mkdir(join(projectDir, 'lf_data', 'datasets', 'docs', 'meta'), { recursive: true });
    const ctx = await createContext(loadSettings({ dataDir, logLevel: 'silent' }, {}), pino({ level: 'silent' }), { runTasks: false });
    try {
      assert.deepEqual((await leftovers(dataDir)).map((p) => join(dataDir, p)), [mine]);
      await rm(mine);
      assert.equal((await ctx.projects.loadConfig('org', 'farm')).name, 'farm');
    } finally {
      await ctx.close();
    }
  });

  for (const ipc of [true, false]) {
    test(`a forked child exits when its parent is SIGKILLed (${ipc ? 'IPC channel closes' : 'no IPC: re-parented'})`, async () => {
      const childCode = `
        const { exitWhenParentDies } = await import(${srcPath('src/core/parent-watch.ts')});
        exitWhenParentDies({ pollMs: 100 });
        process.stdout.write('READY\\n');
        setInterval(() => {}, 1000);`;
      const parent = runSnippet(`
        const { spawn } = await import('node:child_process');
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ${JSON.stringify(childCode)}], { stdio: ${ipc ? "['ignore', 'pipe', 'ignore', 'ipc']" : "['ignore', 'pipe', 'ignore']"}, detached: true });
        child.stdout.on('data', (d) => { if (String(d).includes('READY')) process.stdout.write('CHILD ' + child.pid + '\\n'); });
        setInterval(() => {}, 1000);`);
      let childPid = 0;
      try {
        childPid = Number((await parent.waitFor(/CHILD (\d+)/))[1]);
        assert.equal(processGone(childPid), false);
        await parent.kill();
        await waitUntil(() => processGone(childPid), 15_000, `child ${childPid} exiting after its parent died`);
      } finally {
        await parent.kill();
        if (childPid && !processGone(childPid)) process.kill(childPid, 'SIGKILL');
      }
    });
  }
});
