/**
 * Safe binding (issue #13 item 4) with real `lf serve` processes, and `lf` sending its key. On the old behaviour a
 * server on a public `HOST` started with nothing authenticating requests; now it refuses to start (exit code 2,
 * naming LF_API_KEY and LF_ALLOW_UNAUTHENTICATED=1) unless a key is configured or the escape hatch is set. With
 * `LF_API_KEY` it answers 401 without the key and `lf` works with `LF_API_KEY` / `--api-key`.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { REPO_ROOT } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';
import { runLf, spawnServer } from '../cli/harness.js';

const KEY = 'binding-test-key-0123456789abcdef';

function serveUntilExit(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return tempDir('lf-bind-').then(
    (dataDir) =>
      new Promise((resolve, reject) => {
        const base: NodeJS.ProcessEnv = { ...process.env };
        delete base.LF_API_KEY;
        delete base.LF_ALLOW_UNAUTHENTICATED;
        const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli/main.ts'), 'serve', '--port', '0', '--data-dir', dataDir], {
          cwd: REPO_ROOT,
          env: { ...base, LF_LOG_LEVEL: 'warn', ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => {
          stdout += d;
          // Started after all: stop it so the test fails on the exit code instead of hanging.
          if (/listening on/.test(stdout)) child.kill('SIGTERM');
        });
        child.stderr.on('data', (d) => (stderr += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          void rm(dataDir, { recursive: true, force: true }).then(() => resolve({ code, stderr, stdout }));
        });
      }),
  );
}

describe('safe binding', () => {
  test('a non-loopback HOST without a key refuses to start: exit code 2, naming the fixes', async () => {
    const r = await serveUntilExit({ HOST: '0.0.0.0' });
    assert.equal(r.code, 2, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.doesNotMatch(r.stdout, /listening on/);
    assert.match(r.stderr, /LF_API_KEY/);
    assert.match(r.stderr, /LF_ALLOW_UNAUTHENTICATED=1/);
  });

  test('LF_ALLOW_UNAUTHENTICATED=1 is the explicit escape hatch', async () => {
    const server = await spawnServer({ HOST: '0.0.0.0', LF_API_KEY: '', LF_ALLOW_UNAUTHENTICATED: '1' });
    try {
      const url = server.url.replace('0.0.0.0', '127.0.0.1');
      const res = await fetch(`${url}/v1/projects/default`);
      assert.equal(res.status, 200, await res.text());
    } finally {
      await server.stop();
    }
  });

  test('with LF_API_KEY on a public bind: 401 without the key, liveness open, lf sends LF_API_KEY / --api-key', async () => {
    const server = await spawnServer({ HOST: '0.0.0.0', LF_API_KEY: KEY, LF_ALLOW_UNAUTHENTICATED: '' });
    try {
      const url = server.url.replace('0.0.0.0', '127.0.0.1');
      const anon = await fetch(`${url}/v1/projects/default`);
      assert.equal(anon.status, 401);
      assert.equal(anon.headers.get('www-authenticate'), 'Bearer');
      assert.ok(((await anon.json()) as { detail?: string }).detail);
      const live = await fetch(`${url}/health/liveness`);
      assert.equal(live.status, 200);
      await live.text();

      const refused = await runLf(['--server', url, 'projects', 'create', 'nokey'], { env: { LF_API_KEY: '' } });
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, /API key is required.*HTTP 401.*LF_API_KEY|LF_API_KEY.*--api-key/s);
      const viaEnv = await runLf(['--server', url, 'projects', 'create', 'viaenv'], { env: { LF_API_KEY: KEY } });
      assert.equal(viaEnv.code, 0, viaEnv.stderr);
      const viaFlag = await runLf(['--server', url, '--api-key', KEY, '--json', 'projects', 'list'], { env: { LF_API_KEY: '' } });
      assert.equal(viaFlag.code, 0, viaFlag.stderr);
      assert.match(viaFlag.stdout, /viaenv/);
      assert.doesNotMatch(viaFlag.stdout, /nokey/);
    } finally {
      await server.stop();
    }
  });
});
