/**
 * `lf` data-loop commands against a real `lf serve`: upload --process (waits on the events stream), datasets
 * files / chunks, rag stats / reindex, tasks cancel.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { createOfflineProject, runLf, spawnServer, type LfRun, type ServerProcess } from './harness.js';

describe('lf: the data loop commands', () => {
  let server: ServerProcess;
  let lf: (args: string[]) => Promise<LfRun>;
  let dir: string;

  before(async () => {
    server = await spawnServer();
    lf = (args) => runLf(['--server', server.url, ...args], { env: { LF_NAMESPACE: 'org', LF_PROJECT: 'cli' } });
    await createOfflineProject(server.url, 'org', 'cli');
    dir = await tempDir('lf-loop-');
    await writeFile(join(dir, 'barn.md'), '# Barn\n\nThe barn is warm in winter. Llamas sleep there at night.\n\n## Hay\n\nHay is stored in the loft above the stalls.\n');
    await writeFile(join(dir, 'field.md'), '# Field\n\nThe field is green in spring. Llamas graze there all day long.\n');
  });
  after(async () => server?.stop());

  test('upload --process, files, chunks, stats, reindex, cancel', async () => {
    assert.equal((await lf(['datasets', 'create', 'docs'])).code, 0);
    const up = await lf(['datasets', 'upload', 'docs', dir, '--process']);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /Uploaded 2 files/);
    const files = await lf(['datasets', 'files', 'docs']);
    assert.equal(files.code, 0, files.stderr);
    assert.match(files.stdout, /barn\.md\s+[0-9a-f]{12}\s+processed\s+\d+\s+MarkdownParser/);
    const chunks = await lf(['datasets', 'chunks', 'docs', 'barn.md']);
    assert.equal(chunks.code, 0, chunks.stderr);
    assert.match(chunks.stdout, /#0 .*warm in winter/);
    const json = await lf(['--json', 'datasets', 'chunks', 'docs', 'barn.md', '--limit', '1']);
    assert.equal(JSON.parse(json.stdout).chunks.length, 1);
    const stats = await lf(['rag', 'stats']);
    assert.equal(stats.code, 0, stats.stderr);
    assert.match(stats.stdout, /documents\s+2/);
    assert.match(stats.stdout, /dimension\s+256/);
    const re = await lf(['rag', 'reindex', 'main_database']);
    assert.equal(re.code, 0, re.stderr + re.stdout);
    const missing = await lf(['tasks', 'cancel', '00000000-0000-0000-0000-000000000000']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /not found/);
    const done = JSON.parse((await lf(['--json', 'datasets', 'process', 'docs'])).stdout);
    assert.equal(done.state, 'SUCCESS');
    const late = await lf(['tasks', 'cancel', done.task_id]);
    assert.notEqual(late.code, 0);
    assert.match(late.stderr, /already finished/);
  });
});
