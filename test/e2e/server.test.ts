/** End-to-end: the real `lf serve` process over a real socket, then a graceful SIGTERM. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { tempDir } from '../helpers/tmp.js';
import { startServerProcess, api } from '../helpers/server-process.js';

test('lf serve answers over HTTP and exits 0 on SIGTERM', async () => {
  const dataDir = await tempDir('lf-e2e-');
  const server = await startServerProcess(dataDir);
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual((await api(server.url, '/health/liveness')).body, { status: 'alive' });
    const created = await api(server.url, '/v1/projects/my-org', { method: 'POST', body: { name: 'chatbot', config_template: 'server' } });
    assert.equal(created.status, 200);
    assert.equal(created.body.project.name, 'chatbot');
    assert.equal((await api(server.url, '/v1/projects/my-org')).body.total, 1);
    assert.equal((await api(server.url, '/info')).body.data_directory, dataDir);
    assert.equal(await server.stop('SIGTERM'), 0);
  } finally {
    await server.stop('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
});
