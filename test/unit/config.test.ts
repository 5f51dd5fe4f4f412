import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listTemplates, renderTemplate } from '../../src/config/templates.js';
import { validateConfig, schemaIssues, pointerToPath, ConfigValidationError } from '../../src/config/validate.js';
import { readConfigFile, writeConfigFile, renderYaml, ConfigFileError } from '../../src/config/project-file.js';
import { configuredModels, defaultModelName } from '../../src/config/models.js';

const tmp = () => mkdtemp(join(tmpdir(), 'lf-config-'));

describe('templates', () => {
  test('the built-in templates exist and validate, with the embedded defaults', async () => {
    const names = await listTemplates();
    for (const n of ['default', 'server', 'rag']) assert.ok(names.includes(n), `missing template ${n}`);
    for (const n of ['default', 'server', 'rag']) {
      const { config } = await renderTemplate(n, 'ns', 'proj');
      const c = validateConfig(config);
      assert.equal(c.name, 'proj');
      assert.equal(c.namespace, 'ns');
      const db = c.rag!.databases!.find((d) => d.name === c.rag!.default_database)!;
      assert.equal(db.type, 'LanceDBStore');
      assert.equal(db.embedding_strategies![0].type, 'UniversalEmbedder');
      const models = configuredModels(c);
      assert.equal(models.find((m) => m.name === defaultModelName(c))!.provider, 'universal');
      assert.ok(models.some((m) => m.provider === 'ollama' && m.model === 'llama3.2:3b'));
      const retrieval = db.retrieval_strategies!.find((s) => s.name === db.default_retrieval_strategy)!;
      assert.equal(retrieval.type, 'HybridUniversalStrategy');
      assert.equal(retrieval.config?.score_threshold, undefined, 'templates set no score_threshold');
      const prompts = (c.prompts ?? []) as { messages?: { role: string }[] }[];
      assert.ok(prompts.every((p) => (p.messages ?? []).every((m) => m.role === 'system')), 'no non-system prompt messages');
      assert.ok(c.rag!.data_processing_strategies!.length >= 1);
    }
  });

  test('unknown and unsafe template names are 404s', async () => {
    await assert.rejects(renderTemplate('nope', 'a', 'b'), /No config template/);
    await assert.rejects(renderTemplate('../etc/passwd', 'a', 'b'), /No config template/);
  });
});

describe('validation', () => {
  test('errors name their path', async () => {
    const { config } = await renderTemplate('rag', 'ns', 'p');
    const bad = structuredClone(config) as any;
    bad.rag.databases[0].type = 'MongoStore';
    bad.rag.databases[0].retrieval_strategies[0].type = 'Nope';
    bad.version = 'v2';
    const issues = schemaIssues(bad);
    const text = issues.map((i) => `${i.path}: ${i.message}`);
    assert.ok(text.some((t) => t.startsWith('rag.databases[0].type: must be one of LanceDBStore, ChromaStore, QdrantStore, PGVectorStore')), text.join('\n'));
    assert.ok(text.some((t) => t.startsWith('rag.databases[0].retrieval_strategies[0].type: must be one of')));
    assert.ok(text.some((t) => t.startsWith('version: must be "v1"')));
  });

  test('runtime needs models or provider+model', () => {
    const issues = schemaIssues({ version: 'v1', name: 'a', namespace: 'b', runtime: {} });
    assert.deepEqual(issues, [{ path: 'runtime', message: 'must have either `models` or both `provider` and `model`' }]);
  });

  test('cross-references are checked', async () => {
    const { config } = await renderTemplate('default', 'ns', 'p');
    const c = structuredClone(config) as any;
    c.rag.databases[0].default_retrieval_strategy = 'ghost';
    c.datasets = [{ name: 'd', database: 'main_database', data_processing_strategy: 'ghost' }];
    assert.throws(() => validateConfig(c), (e: unknown) => {
      assert.ok(e instanceof ConfigValidationError);
      assert.deepEqual(e.issues.map((i) => i.path), ['rag.databases[0].default_retrieval_strategy', 'datasets[0].data_processing_strategy']);
      return true;
    });
  });

  test('pointerToPath', () => {
    assert.equal(pointerToPath('/rag/databases/0/type'), 'rag.databases[0].type');
    assert.equal(pointerToPath(''), '');
  });

  test('legacy runtime is one model named default', () => {
    const models = configuredModels({ runtime: { provider: 'ollama', model: 'llama3.2:3b', temperature: 0.5 } });
    assert.deepEqual(models, [{ name: 'default', provider: 'ollama', model: 'llama3.2:3b', model_api_parameters: { temperature: 0.5 } }]);
    assert.equal(defaultModelName({ runtime: { models: [{ name: 'a', provider: 'openai', model: 'x' }, { name: 'b', provider: 'openai', model: 'y' }] } }), 'a');
  });
});

describe('project files', () => {
  test('load yaml, yml and json; report missing and unparsable files', async () => {
    const dir = await tmp();
    try {
      await assert.rejects(readConfigFile(dir), (e: unknown) => e instanceof ConfigFileError && e.reason === 'missing');
      await writeFile(join(dir, 'llamafarm.json'), JSON.stringify({ version: 'v1', name: 'j' }));
      assert.equal(((await readConfigFile(dir)).raw as any).name, 'j');
      await writeFile(join(dir, 'llamafarm.yml'), 'version: v1\nname: y\n');
      assert.equal(((await readConfigFile(dir)).raw as any).name, 'y', '.yml wins over .json');
      await writeFile(join(dir, 'llamafarm.yaml'), 'name: [unclosed\n');
      await assert.rejects(readConfigFile(dir), (e: unknown) => e instanceof ConfigFileError && e.reason === 'unparsable');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a crash between temp-write and rename leaves the old file intact and no temp file', async () => {
    const dir = await tmp();
    try {
      await writeConfigFile(dir, { version: 'v1', name: 'first' });
      const before = await readFile(join(dir, 'llamafarm.yaml'), 'utf8');
      await assert.rejects(
        writeConfigFile(dir, { version: 'v1', name: 'second' }, {
          beforeRename: () => {
            throw new Error('simulated crash');
          },
        }),
        /simulated crash/,
      );
      assert.equal(await readFile(join(dir, 'llamafarm.yaml'), 'utf8'), before);
      assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.tmp')), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('saves keep comments and key order, and keep the last 5 backups', async () => {
    const dir = await tmp();
    try {
      await writeFile(join(dir, 'llamafarm.yaml'), '# top comment\nversion: v1\nname: x # trailing\nruntime:\n  # models here\n  models: []\n');
      for (let i = 0; i < 7; i++) await writeConfigFile(dir, { version: 'v1', name: `x${i}`, runtime: { models: [] }, extra: i });
      const text = await readFile(join(dir, 'llamafarm.yaml'), 'utf8');
      assert.match(text, /^# top comment/);
      assert.match(text, /# models here/);
      assert.match(text, /name: x6/);
      assert.ok(text.indexOf('version') < text.indexOf('name') && text.indexOf('runtime') < text.indexOf('extra'));
      const backups = (await readdir(dir)).filter((f) => /^llamafarm\.\d{8}_\d{6}/.test(f));
      assert.equal(backups.length, 5);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('renderYaml without a previous document', () => {
    assert.equal(renderYaml({ a: 1, b: [1, 2] }), 'a: 1\nb:\n  - 1\n  - 2\n');
  });
});
