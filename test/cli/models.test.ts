/**
 * `lf models list|pull|rm` against a real server whose Hugging Face endpoint is a local stand-in hub
 * (test/fakes/hf-hub-fake.ts: the hub's wire protocol on 127.0.0.1) and whose cache is a temp dir.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { FakeHfHub } from '../fakes/hf-hub-fake.js';
import { tempDir } from '../helpers/tmp.js';
import { hasScript, PtySession, runLf, spawnServer, type LfRun, type ServerProcess } from './harness.js';

const REPO = 'lf-test/tiny-GGUF';
const WEIGHTS = Buffer.concat([Buffer.from('GGUF'), randomBytes(600_000)]);

describe('lf models', () => {
  let hub: FakeHfHub;
  let cacheDir: string;
  let server: ServerProcess;
  let lf: (args: string[]) => Promise<LfRun>;

  before(async () => {
    hub = await FakeHfHub.start();
    hub.addRepo({ id: REPO, files: [{ path: 'README.md', content: Buffer.from('# tiny\n') }, { path: 'tiny-Q8_0.gguf', content: WEIGHTS }] });
    hub.addRepo({ id: 'lf-test/broken-GGUF', files: [{ path: 'broken-Q8_0.gguf', content: randomBytes(50_000) }] });
    hub.setFault('lf-test/broken-GGUF', 'broken-Q8_0.gguf', { corrupt: true });
    cacheDir = await tempDir('lf-cli-hf-');
    server = await spawnServer({ HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: cacheDir, HF_TOKEN: '' });
    lf = (args) => runLf(['--server', server.url, ...args]);
  });
  after(async () => {
    await server?.stop();
    await hub?.close();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  const skipUnlessRoutes = (t: { skip: (m: string) => void }) => {
    void t;
    assert.ok(server.paths.has('/v1/models/download'), 'the server serves the models cache API');
    return false;
  };

  test('pull streams progress and caches the model; list shows it; rm deletes it', async (t) => {
    if (skipUnlessRoutes(t)) return;
    const empty = await lf(['models', 'list']);
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stdout, /no cached models/);

    const pulled = await lf(['models', 'pull', `${REPO}:Q8_0`]);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(pulled.stdout, new RegExp(`^Downloaded ${REPO}:Q8_0 to \\S+`, 'm'));
    assert.match(pulled.stderr, /^downloading: .*tiny-Q8_0\.gguf$/m);

    const listed = JSON.parse((await lf(['models', 'list', '--json'])).stdout);
    const entry = listed.data.find((m: any) => (m.model_id ?? m.id) === REPO);
    assert.ok(entry, JSON.stringify(listed));
    assert.ok((entry.size_bytes ?? entry.size) >= WEIGHTS.length);
    const table = await lf(['models', 'list']);
    assert.match(table.stdout, new RegExp(`^${REPO} +\\S`, 'm'));

    const removed = await lf(['models', 'rm', REPO]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, new RegExp(`^Deleted ${REPO} \\([\\d.]+ KB freed\\)$`, 'm'));
    const again = await lf(['models', 'rm', REPO]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /\(HTTP 404\)\n$/);
  });

  test('a refused or failed download exits 1 with one line', async (t) => {
    if (skipUnlessRoutes(t)) return;
    const unknown = await lf(['models', 'pull', 'lf-test/no-such-repo']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr.trim().split('\n').pop()!, /^lf: .*\(HTTP \d{3}\)$/);
    const corrupt = await lf(['models', 'pull', 'lf-test/broken-GGUF']);
    assert.equal(corrupt.code, 1, corrupt.stdout);
    assert.match(corrupt.stderr.trim().split('\n').pop()!, /^lf: download of lf-test\/broken-GGUF failed: /);
  });

  test('in a terminal the pull draws a byte progress bar', { skip: hasScript() ? false : 'needs `script` (util-linux)' }, async (t) => {
    if (skipUnlessRoutes(t)) return;
    const pty = new PtySession(['--server', server.url, 'models', 'pull', REPO]);
    assert.equal(await pty.close(), 0, pty.text);
    assert.match(pty.text, /downloading [█░]+ 100% \| [\d.]+ KB\/[\d.]+ KB \| .*tiny-Q8_0\.gguf/);
    await lf(['models', 'rm', REPO]);
  });
});
