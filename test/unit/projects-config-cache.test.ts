/**
 * ProjectsService reuses a parsed config while its file is unchanged, and never serves a stale or shared one:
 * in-place hand edits, atomic saves and deletion are all seen at once, and callers get copies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DataLayout } from '../../src/storage/layout.js';
import { ProjectsService } from '../../src/services/projects.js';
import { tempDir } from '../helpers/tmp.js';

test('cached configs follow every change of the file and are never shared with callers', async () => {
  const dataDir = await tempDir();
  try {
    const layout = new DataLayout(dataDir);
    const projects = new ProjectsService(layout, { defaultTemplate: 'default' });
    await projects.create('ns', 'p');
    const first = await projects.loadConfig('ns', 'p');
    (first as Record<string, unknown>).name = 'changed-by-a-caller';
    assert.equal((await projects.loadConfig('ns', 'p')).name, 'p', 'a caller changing its copy does not change the cache');

    // A hand edit written in place (same inode) with a different size.
    const file = join(layout.projectDir('ns', 'p'), 'llamafarm.yaml');
    const text = await readFile(file, 'utf8');
    await writeFile(file, `${text}\n# edited by hand\n`);
    await writeFile(file, text.replace(/^version: .*$/m, 'version: v1\nmcp: {servers: []}'));
    assert.deepEqual((await projects.loadConfig('ns', 'p')).mcp, { servers: [] }, 'the in-place edit is read');

    // An atomic save through the service.
    await projects.mutate('ns', 'p', (c) => void (c.prompts = [{ name: 'cached', messages: [{ role: 'system', content: 'x' }] }]));
    assert.equal((await projects.get('ns', 'p')).config.prompts?.toString() !== undefined, true);
    assert.equal(((await projects.loadConfig('ns', 'p')).prompts?.[0] as { name: string }).name, 'cached');

    // A broken file is reported, not served from the cache.
    await writeFile(file, 'name: [unclosed');
    await assert.rejects(projects.loadConfig('ns', 'p'), (e: unknown) => (e as { status?: number }).status === 422);

    await projects.delete('ns', 'p');
    await assert.rejects(projects.loadConfig('ns', 'p'), (e: unknown) => (e as { status?: number }).status === 404);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
