/**
 * The web app's logic without a browser: the config editor shows the API's own validation messages at the right
 * place, finds the YAML path under the cursor for completion, completes keys and enum values from the schema the
 * server publishes, diffs lines; the generated API types are in sync with the server's OpenAPI document; the
 * polled task's per-file state maps to the events' statuses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { makeTestApp, json } from '../helpers/app.js';
import { REPO_ROOT } from '../helpers/shared.js';
import { checkConfig, compileConfigSchema, diffLines, enumAt, keysAt, outline, pathAtLine, splitPath } from '../../web/src/lib/yaml-schema.js';
import { polledFileStatus, resultFiles } from '../../web/src/lib/task-files.js';
import { openApiToTypes, schemaToTs } from '../../scripts/lib/openapi-to-ts.js';

test('the editor reports the same messages as PUT, at the line of the bad value; completion comes from the schema', async () => {
  const t = await makeTestApp();
  try {
    const created = await t.app.inject({ method: 'POST', url: '/v1/projects/default', payload: { name: 'ed' } });
    const config = json(created).project.config;
    const openapi = json(await t.app.inject({ url: '/openapi.json' }));
    const schema = openapi.components.schemas.LlamaFarmConfig;
    const validate = compileConfigSchema(schema);

    assert.deepEqual(checkConfig(stringify(config), validate).problems, [], 'a fresh project is valid');

    const bad = structuredClone(config);
    bad.rag.databases[0].type = 'NoSuchStore';
    bad.rag.databases[0].bogus_key = 1;
    const text = stringify(bad);
    const { problems } = checkConfig(text, validate);
    const put = await t.app.inject({ method: 'PUT', url: '/v1/projects/default/ed', payload: { config: bad } });
    assert.ok(put.statusCode === 400 || put.statusCode === 422, put.body);
    const detail = json(put).detail as { msg: string }[];
    assert.deepEqual(problems.map((p) => p.message).sort(), detail.map((d) => d.msg).sort(), 'exactly the messages of the API');
    assert.equal(problems.length, 2);
    const typeProblem = problems.find((p) => p.message.startsWith('rag.databases[0].type'))!;
    assert.equal(text.slice(typeProblem.from, typeProblem.to), 'NoSuchStore', 'marked at the value');
    const keyProblem = problems.find((p) => p.message.includes('bogus_key'))!;
    assert.equal(text.slice(keyProblem.from, keyProblem.to), 'bogus_key', 'an unknown field is marked at its key');

    const syntax = checkConfig('rag:\n  databases: [\n', validate);
    assert.equal(syntax.problems.length > 0, true);
    assert.match(syntax.problems[0].message, /^YAML: /);

    assert.ok(keysAt(schema, ['rag', 'databases', 0]).some((k) => k.key === 'embedding_strategies'));
    assert.ok(enumAt(schema, ['rag', 'databases', 0, 'type']).includes('LanceDBStore'));
    assert.ok(keysAt(schema, []).some((k) => k.key === 'datasets'));
    const labels = outline(checkConfig(text, validate).doc).map((o) => o.label);
    assert.ok(labels.includes('rag') && labels.includes(`- ${config.rag.databases[0].name}`), labels.join());
  } finally {
    await t.close();
  }
});

test('pathAtLine follows indentation and list items, even in a document that does not parse', () => {
  const lines = ['rag:', '  databases:', '    - name: main', '      type: Lance', '    - name: second', '      ', 'datasets: ['];
  assert.deepEqual(pathAtLine(lines, 3, 6), ['rag', 'databases', 0]);
  assert.deepEqual(pathAtLine(lines, 5, 6), ['rag', 'databases', 1]);
  assert.deepEqual(pathAtLine(lines, 1, 2), ['rag']);
  assert.deepEqual(pathAtLine(lines, 0, 0), []);
  assert.deepEqual(splitPath('rag.databases[10].type'), ['rag', 'databases', 10, 'type']);
});

test('diffLines marks removed and added lines around unchanged ones', () => {
  const d = diffLines('a\nb\nc', 'a\nB\nc\nd');
  assert.deepEqual(d, [
    { kind: ' ', text: 'a' },
    { kind: '-', text: 'b' },
    { kind: '+', text: 'B' },
    { kind: ' ', text: 'c' },
    { kind: '+', text: 'd' },
  ]);
});

test('polled task state maps to the events statuses; a finished task lists each file with its chunks or error', () => {
  assert.equal(polledFileStatus({ file_hash: 'h', filename: 'f', state: 'pending', stage: null }), 'queued');
  assert.equal(polledFileStatus({ file_hash: 'h', filename: 'f', state: 'processing', stage: 'parse' }), 'parsing');
  assert.equal(polledFileStatus({ file_hash: 'h', filename: 'f', state: 'processing', stage: 'embed' }), 'embedding');
  assert.equal(polledFileStatus({ file_hash: 'h', filename: 'f', state: 'success', stage: null }), 'stored');
  assert.equal(polledFileStatus({ file_hash: 'h', filename: 'f', state: 'failure', stage: null }), 'failed');
  const files = resultFiles({
    task_id: 't',
    state: 'SUCCESS',
    meta: null,
    error: null,
    cancelled: false,
    result: { details: [{ file_hash: 'a', filename: 'a.pdf', status: 'failed', chunks: 0, stored_count: 0, error: 'PDF is encrypted' }, { file_hash: 'b', filename: 'b.md', status: 'success', chunks: 4, stored_count: 4, error: null }] },
  });
  assert.deepEqual(files, [
    { hash: 'a', filename: 'a.pdf', status: 'failed', chunks: 0, error: 'PDF is encrypted' },
    { hash: 'b', filename: 'b.md', status: 'stored', chunks: 4, error: null },
  ]);
  // Today's servers: our objects under `files`, the original's `[success, detail]` pairs under `details`.
  const rows = [
    { file_hash: 'a', filename: 'a.pdf', status: 'failed', chunks: 0, stored_count: 0, error: 'PDF is encrypted' },
    { file_hash: 'b', filename: 'b.md', status: 'success', chunks: 4, stored_count: 4, error: null },
  ];
  const base = { task_id: 't', state: 'SUCCESS', meta: null, error: null, cancelled: false } as const;
  assert.deepEqual(resultFiles({ ...base, result: { files: rows, details: rows.map((r) => [r.status !== 'failed', r]) } }), files);
  assert.deepEqual(resultFiles({ ...base, result: { details: rows.map((r) => [r.status !== 'failed', r]) } }), files);
});

test('OpenAPI → TypeScript: the shapes our schemas use', () => {
  assert.equal(schemaToTs({ type: 'string', enum: ['a', 'b'] }), '"a" | "b"');
  assert.equal(schemaToTs({ anyOf: [{ type: 'string' }, { type: 'null' }] }), 'string | null');
  assert.equal(schemaToTs({ type: 'array', items: { type: 'integer' } }), 'number[]');
  assert.equal(schemaToTs({ type: 'object', properties: { 'a-b': { type: 'boolean' }, c: { type: 'string' } }, required: ['c'], additionalProperties: false }), '{\n  "a-b"?: boolean;\n  c: string;\n}');
  const out = openApiToTypes({ paths: { '/x': { get: { operationId: 'thing_get', responses: { '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } } } } } }, components: { schemas: { Thing: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] } } } });
  assert.ok(out.includes('export type Thing = {\n  n: number;\n};'), out);
  assert.match(out, /export type ThingGetResponse = Thing;/);
});

test('web/src/api/types.ts is in sync with the server (run `npm run gen:web-types` after changing a route schema)', () => {
  execFileSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts', 'gen-web-types.ts'), '--check'], { cwd: REPO_ROOT, stdio: 'pipe' });
});
