/** End-to-end: the real `lf serve` process over a real socket, then a graceful SIGTERM. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/shared.js';
import { tempDir } from '../helpers/app.js';

test('lf serve answers over HTTP and exits 0 on SIGTERM', async () => {
  const dataDir = await tempDir('lf-e2e-');
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli/main.ts'), 'serve', '--port', '0', '--data-dir', dataDir], {
    cwd: REPO_ROOT,
    env: { ...process.env, LF_LOG_LEVEL: 'warn', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 120_000);
      child.stdout.on('data', (d) => {
        out += d;
        const m = /listening on (http:\/\/[^\s]+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('exit', (code) => reject(new Error(`server exited early (${code}): ${out}`)));
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const live = await fetch(`${url}/health/liveness`);
    assert.deepEqual(await live.json(), { status: 'alive' });
    const created = await fetch(`${url}/v1/projects/my-org`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'chatbot', config_template: 'server' }) });
    assert.equal(created.status, 200);
    assert.equal(((await created.json()) as any).project.name, 'chatbot');
    const listed = (await (await fetch(`${url}/v1/projects/my-org`)).json()) as any;
    assert.equal(listed.total, 1);
    const info = (await (await fetch(`${url}/info`)).json()) as any;
    assert.equal(info.data_directory, dataDir);

    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exit, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
});
