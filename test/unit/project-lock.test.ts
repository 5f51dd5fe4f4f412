/**
 * Config writes are safe across processes: two processes appending to one project's config at the same time
 * lose nothing (each read-modify-write holds the project's cross-process lock), and a lock left by a dead
 * process is taken over once stale.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataLayout } from '../../src/storage/layout.js';
import { ProjectsService } from '../../src/services/projects.js';
import { FileLocks } from '../../src/core/file-lock.js';
import { LfError } from '../../src/core/errors.js';
import { tempDir } from '../helpers/tmp.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/mutate-project.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function runWriter(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

describe('project config lock', () => {
  test('two processes writing one config at once lose no update', async () => {
    const dataDir = await tempDir();
    const projects = new ProjectsService(new DataLayout(dataDir), { defaultTemplate: 'default' });
    await projects.create('default', 'shared');
    const n = 15;
    const codes = await Promise.all([runWriter([dataDir, 'default', 'shared', 'a', String(n)]), runWriter([dataDir, 'default', 'shared', 'b', String(n)])]);
    assert.deepEqual(codes, [0, 0]);
    const config = await projects.loadConfig('default', 'shared');
    const names = (config.prompts ?? []).map((p) => (p as { name?: string }).name).filter((x) => x && /^[ab]_/.test(x));
    assert.equal(names.length, 2 * n, `every write of both processes is kept (got ${names.length})`);
    for (const tag of ['a', 'b']) {
      const mine = names.filter((x) => x!.startsWith(`${tag}_`));
      assert.deepEqual(mine, Array.from({ length: n }, (_, i) => `${tag}_${i}`), `process ${tag}'s writes in order`);
    }
    const listed = await projects.list('default');
    assert.deepEqual(listed.map((p) => p.name), ['shared'], 'the lock beside the folder is not listed as a project');
  });

  test('a held lock makes a second holder wait, then times out with a clear 503', async () => {
    const dir = await tempDir();
    const lockPath = join(dir, 'x', '.p.lock');
    const holder = new FileLocks();
    const other = new FileLocks({ waitMs: 300 });
    let release!: () => void;
    const held = holder.run(lockPath, () => new Promise<void>((r) => (release = r)));
    while (!release) await new Promise((r) => setTimeout(r, 5));
    await assert.rejects(other.run(lockPath, async () => 'never'), (e: unknown) => e instanceof LfError && e.status === 503 && /Another process/.test(e.message));
    release();
    await held;
    assert.equal(await other.run(lockPath, async () => 'free'), 'free');
  });

  test('a stale lock left by a dead process is taken over', async () => {
    const dir = await tempDir();
    const lockPath = join(dir, '.p.lock');
    // What a process killed while holding the lock leaves behind: the lock folder with an old mtime.
    await mkdir(lockPath);
    const { utimes } = await import('node:fs/promises');
    const old = new Date(Date.now() - 60_000);
    await utimes(lockPath, old, old);
    assert.equal(await new FileLocks({ waitMs: 1000, staleMs: 2000 }).run(lockPath, async () => 'taken'), 'taken');
  });
});
