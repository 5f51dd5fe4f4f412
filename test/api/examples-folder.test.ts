import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTestApp, json, tempDir, type TestApp } from '../helpers/app.js';
import { waitForTask } from '../helpers/projects.js';

/** A minimal valid example config: one LanceDB database with the offline embedder, one Markdown/text strategy. */
const MINI_CONFIG = `version: v1
name: mini
namespace: examples
runtime:
  models:
    - { name: default, provider: openai, model: fake-model, base_url: "http://127.0.0.1:9/v1" }
rag:
  default_database: notes_db
  databases:
    - name: notes_db
      type: LanceDBStore
      embedding_strategies: [{ name: e, type: HashingEmbedder, config: { dimension: 64 } }]
      retrieval_strategies: [{ name: s, type: BasicSimilarityStrategy, config: { top_k: 3 }, default: true }]
  data_processing_strategies:
    - name: notes_processor
      parsers:
        - { type: MarkdownParser, file_include_patterns: ["*.md"] }
        - { type: TextParser, file_include_patterns: ["*.txt"] }
`;

function manifest(id: string, extra: string): string {
  return `version: 1\nid: ${id}\ntitle: ${id} example\n${extra}`;
}

describe('Examples API: a temporary examples folder (LF_EXAMPLES_DIR), paths confined to each example', () => {
  let t: TestApp;
  let root: string;
  let outside: string;
  const write = async (path: string, text: string) => {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  };
  before(async () => {
    root = await tempDir('lf-examples-');
    outside = await tempDir('lf-outside-');
    await writeFile(join(outside, 'secret.md'), '# Secret\n\nNot part of any example.\n');
    const notes = 'datasets:\n  - name: notes\n    strategy: notes_processor\n    database: notes_db\n    ingest: [files/*.md, "examples/good/files/extra/*.txt"]\n';
    await write('good/manifest.yaml', manifest('good', `config: {yaml_path: llamafarm.yaml}\n${notes}  - name: partial\n    strategy: notes_processor\n    ingest: [files/*.md]\n`));
    await write('good/llamafarm.yaml', MINI_CONFIG);
    await write('good/files/a.md', '# Alpha\n\nThe alpha note mentions the blue heron.\n');
    await write('good/files/extra/b.txt', 'Beta text about the grey wagtail.\n');
    await write('good/files/.hidden.md', '# hidden\n');
    await symlink(join(outside, 'secret.md'), join(root, 'good/files/linked.md'));

    await write('escape-glob/manifest.yaml', manifest('escape-glob', 'config: {yaml_path: llamafarm.yaml}\ndatasets:\n  - {name: notes, strategy: notes_processor, database: notes_db, ingest: ["files/../../good/files/*.md"]}\n'));
    await write('escape-glob/llamafarm.yaml', MINI_CONFIG);
    await write('escape-config/manifest.yaml', manifest('escape-config', 'config: {yaml_path: ../good/llamafarm.yaml}\n'));
    await write('absolute-config/manifest.yaml', manifest('absolute-config', `config: {yaml_path: ${join(outside, 'secret.md')}}\n`));
    await write('linked-dir/manifest.yaml', manifest('linked-dir', 'config: {yaml_path: llamafarm.yaml}\ndatasets:\n  - {name: notes, strategy: notes_processor, database: notes_db, ingest: ["files/*.md"]}\n'));
    await write('linked-dir/llamafarm.yaml', MINI_CONFIG);
    await symlink(outside, join(root, 'linked-dir/files'));
    await write('no-config/manifest.yaml', manifest('no-config', 'datasets: []\n'));
    await write('bad-strategy/manifest.yaml', manifest('bad-strategy', 'config: {yaml_path: llamafarm.yaml}\ndatasets:\n  - {name: notes, strategy: missing_processor, database: notes_db, ingest: ["files/*.md"]}\n'));
    await write('bad-strategy/llamafarm.yaml', MINI_CONFIG);
    await write('bad-strategy/files/a.md', '# A\n\ntext\n');
    await write('invalid-config/manifest.yaml', manifest('invalid-config', 'config: {yaml_path: llamafarm.yaml}\n'));
    await write('invalid-config/llamafarm.yaml', MINI_CONFIG.replace('type: LanceDBStore', 'type: NopeStore'));
    await write('no-title/manifest.yaml', 'version: 1\nid: no-title\n');
    await write('not-yaml/manifest.yaml', 'id: [unclosed\n');
    await write('legacy_demo/llamafarm.yaml', 'version: v1\nruntime: {provider: ollama, model: "llama3.2:3b"}\n');
    await write('legacy_demo/files/x.txt', 'x'.repeat(2048));

    const previous = process.env.LF_EXAMPLES_DIR;
    process.env.LF_EXAMPLES_DIR = root;
    try {
      t = await makeTestApp();
    } finally {
      if (previous === undefined) delete process.env.LF_EXAMPLES_DIR;
      else process.env.LF_EXAMPLES_DIR = previous;
    }
  });
  after(async () => {
    await t.close();
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  const post = (id: string, action: string, payload: Record<string, unknown>) => t.app.inject({ method: 'POST', url: `/v1/examples/${id}/${action}`, payload });

  test('list: broken manifests are skipped, manifest-less folders with files/ are listed, outside files never counted', async () => {
    const { examples } = json(await t.app.inject('/v1/examples'));
    const ids = examples.map((e: any) => e.id);
    assert.ok(!ids.includes('no-title') && !ids.includes('not-yaml'), 'broken manifests skipped');
    const good = examples.find((e: any) => e.id === 'good');
    const expected = (await stat(join(root, 'good/files/a.md'))).size + (await stat(join(root, 'good/files/extra/b.txt'))).size;
    assert.equal(good.data_size_bytes, expected, 'dotfiles and symlinks are not matched');
    assert.equal(good.dataset_count, 2);
    assert.equal(good.slug, 'good');
    assert.deepEqual(good.tags, []);
    const legacy = examples.find((e: any) => e.id === 'legacy_demo');
    assert.deepEqual(
      { ...legacy, updated_at: undefined, project_size_bytes: undefined, project_size_human: undefined },
      { id: 'legacy_demo', slug: 'legacy_demo', title: 'Legacy Demo', primaryModel: 'llama3.2:3b', tags: [], data_size_bytes: 2048, data_size_human: '2.0KB', updated_at: undefined, project_size_bytes: undefined, project_size_human: undefined },
    );
    assert.equal(examples.find((e: any) => e.id === 'linked-dir').data_size_bytes, 0);
    assert.equal(examples.find((e: any) => e.id === 'no-config').data_size_human, undefined, 'size 0 leaves the human size out');
    assert.equal((await t.app.inject('/v1/examples/legacy_demo/datasets')).statusCode, 404, 'only manifests are importable');
  });

  test('globs and config paths outside the example folder are 400 "Path outside examples directory"', async () => {
    const outsideDetail = { detail: 'Path outside examples directory' };
    for (const [id, url] of [['escape-glob', 'datasets'], ['linked-dir', 'datasets']]) {
      const res = await t.app.inject(`/v1/examples/${id}/${url}`);
      assert.equal(res.statusCode, 400, `${id}: ${res.body}`);
      assert.deepEqual(json(res), outsideDetail);
    }
    for (const id of ['escape-glob', 'escape-config', 'absolute-config', 'linked-dir']) {
      const res = await post(id, 'import-project', { namespace: 'acme', name: id });
      assert.equal(res.statusCode, 400, `${id}: ${res.body}`);
      assert.deepEqual(json(res), outsideDetail);
      assert.equal((await t.app.inject(`/v1/projects/acme/${id}`)).statusCode, 404, `${id}: no project was created`);
    }
    const flat = json(await t.app.inject('/v1/examples/datasets')).datasets.map((d: any) => `${d.example_id}/${d.name}`);
    assert.deepEqual(flat.sort(), ['bad-strategy/notes', 'good/notes', 'good/partial'], 'examples with escaping globs are left out');
  });

  test('good example: both path forms import; dotfiles and symlinks are not imported', async () => {
    const res = await post('good', 'import-project', { namespace: 'acme', name: 'good' });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(json(res).datasets, ['notes'], 'the incomplete entry is skipped');
    const task = await waitForTask(t.app, 'acme', 'good', json(res).task_ids[0]);
    assert.equal(task.state, 'SUCCESS', JSON.stringify(task));
    assert.deepEqual(task.result.files.map((d: any) => d.filename).sort(), ['a.md', 'b.txt']);

    const partial = await post('good', 'import-dataset', { namespace: 'acme', project: 'good', dataset: 'partial' });
    assert.equal(partial.statusCode, 400);
    assert.deepEqual(json(partial), { detail: 'Dataset entry incomplete in manifest (name/strategy/database)' });
  });

  test('manifest without config.yaml_path → 400; a config the server refuses → 500 and nothing kept; a failing dataset rolls the project back', async () => {
    const noConfig = await post('no-config', 'import-project', { namespace: 'acme', name: 'nc' });
    assert.equal(noConfig.statusCode, 400);
    assert.deepEqual(json(noConfig), { detail: 'Manifest missing config.yaml_path' });

    const invalid = await post('invalid-config', 'import-project', { namespace: 'acme', name: 'inv' });
    assert.equal(invalid.statusCode, 500);
    assert.match(json(invalid).detail, /invalid-config.*invalid config/);
    assert.equal((await t.app.inject('/v1/projects/acme/inv')).statusCode, 404);

    const badStrategy = await post('bad-strategy', 'import-project', { namespace: 'acme', name: 'bs' });
    assert.equal(badStrategy.statusCode, 400);
    assert.match(json(badStrategy).detail, /data_processing_strategy 'missing_processor' is not one of this project's strategies: /);
    assert.equal((await t.app.inject('/v1/projects/acme/bs')).statusCode, 404, 'the half-imported project was removed');
  });
});
