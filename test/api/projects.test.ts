import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';

describe('Projects API', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp();
  });
  after(async () => t.close());

  const create = (ns: string, body: unknown) => t.app.inject({ method: 'POST', url: `/v1/projects/${ns}`, payload: body as object });

  test('an empty namespace lists nothing', async () => {
    const res = await t.app.inject(`/v1/projects/nobody`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(json(res), { total: 0, projects: [] });
  });

  test('create from each built-in template, then list and get', async () => {
    for (const template of ['default', 'server', 'rag']) {
      const res = await create('my-org', { name: `p-${template}`, config_template: template });
      assert.equal(res.statusCode, 200, res.body);
      const { project } = json(res);
      assert.equal(project.name, `p-${template}`);
      assert.equal(project.namespace, 'my-org');
      assert.equal(project.config.name, `p-${template}`);
      assert.equal(project.config.namespace, 'my-org');
      assert.equal(project.config.rag.databases[0].type, 'LanceDBStore');
      assert.equal(project.validation_error, undefined);
    }
    const list = json(await t.app.inject('/v1/projects/my-org'));
    assert.equal(list.total, 3);
    assert.deepEqual(list.projects.map((p: any) => p.name), ['p-default', 'p-rag', 'p-server']);
    const got = await t.app.inject('/v1/projects/my-org/p-rag');
    assert.equal(got.statusCode, 200);
    assert.ok(json(got).project.last_modified);
    const yaml = await readFile(join(t.dataDir, 'projects', 'my-org', 'p-rag', 'llamafarm.yaml'), 'utf8');
    assert.match(yaml, /^# LlamaFarm project/, 'template comments are kept in the new file');
  });

  test('config_template omitted uses the default template', async () => {
    const res = await create('tmpl', { name: 'plain' });
    assert.equal(res.statusCode, 200);
    assert.equal(json(res).project.config.rag.default_database, 'main_database');
  });

  test('creating an existing project is a 409 and never overwrites', async () => {
    await create('dup', { name: 'one' });
    const file = join(t.dataDir, 'projects', 'dup', 'one', 'llamafarm.yaml');
    const before = await readFile(file, 'utf8');
    const res = await create('dup', { name: 'one', config_template: 'rag' });
    assert.equal(res.statusCode, 409);
    assert.match(json(res).detail, /already exists/);
    assert.equal(await readFile(file, 'utf8'), before);
  });

  test('reserved namespace → 400, unknown template → 404', async () => {
    const r1 = await create('llamafarm', { name: 'x' });
    assert.equal(r1.statusCode, 400);
    assert.match(json(r1).detail, /reserved/);
    const r2 = await create('my-org', { name: 'x', config_template: 'nope' });
    assert.equal(r2.statusCode, 404);
    assert.match(json(r2).detail, /nope/);
  });

  test('name rules: bad project names are 422 and create nothing', async () => {
    for (const name of ['../x', 'a/b', '', 'x'.repeat(300), '.hidden', '-lead', 'sp ace']) {
      const res = await create('rules', { name });
      assert.equal(res.statusCode, 422, `name ${JSON.stringify(name)} → ${res.statusCode}`);
      const detail = json(res).detail;
      assert.ok(Array.isArray(detail));
      assert.deepEqual(detail[0].loc, ['body', 'name']);
    }
    await assert.rejects(stat(join(t.dataDir, 'projects', 'rules')));
    for (const ns of ['.hidden', '..%2Fetc', 'a%2Fb', 'x'.repeat(300)]) {
      const res = await t.app.inject(`/v1/projects/${ns}`);
      assert.ok([404, 422].includes(res.statusCode), `namespace ${ns} → ${res.statusCode}`);
      assert.ok(json(res).detail);
    }
  });

  test('request validation: missing field, malformed JSON, wrong content type', async () => {
    const missing = await create('v', {});
    assert.equal(missing.statusCode, 422);
    assert.deepEqual(json(missing).detail[0].loc, ['body', 'name']);
    assert.equal(json(missing).detail[0].type, 'missing');
    const bad = await t.app.inject({ method: 'POST', url: '/v1/projects/v', headers: { 'content-type': 'application/json' }, payload: '{"name": ' });
    assert.equal(bad.statusCode, 422);
    assert.equal(json(bad).detail[0].type, 'json_invalid');
    const wrongType = await t.app.inject({ method: 'POST', url: '/v1/projects/v', headers: { 'content-type': 'text/csv' }, payload: 'a,b' });
    assert.equal(wrongType.statusCode, 415);
    assert.match(json(wrongType).detail, /Unsupported media type/);
  });

  test('a body over the limit is 413', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/projects/big', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'x', pad: 'y'.repeat(17 * 1024 * 1024) }) });
    assert.equal(res.statusCode, 413);
    assert.equal(json(res).detail, 'Payload too large');
  });

  test('get/put/delete of an unknown project are 404', async () => {
    assert.equal((await t.app.inject('/v1/projects/my-org/ghost')).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'PUT', url: '/v1/projects/my-org/ghost', payload: { config: {} } })).statusCode, 404);
    const del = await t.app.inject({ method: 'DELETE', url: '/v1/projects/my-org/ghost' });
    assert.equal(del.statusCode, 404);
    assert.equal(json(del).detail, 'Project my-org/ghost not found');
  });

  test('PUT round-trips the GET config unchanged, keeps comments, and validates before writing', async () => {
    await create('edit', { name: 'proj', config_template: 'rag' });
    const file = join(t.dataDir, 'projects', 'edit', 'proj', 'llamafarm.yaml');
    const { config } = json(await t.app.inject('/v1/projects/edit/proj')).project;
    const same = await t.app.inject({ method: 'PUT', url: '/v1/projects/edit/proj', payload: { config } });
    assert.equal(same.statusCode, 200, same.body);
    assert.deepEqual(json(same).project.config, config);

    config.runtime.models[1].description = 'changed by PUT';
    const changed = await t.app.inject({ method: 'PUT', url: '/v1/projects/edit/proj', payload: { config } });
    assert.equal(changed.statusCode, 200);
    const text = await readFile(file, 'utf8');
    assert.match(text, /changed by PUT/);
    assert.match(text, /^# LlamaFarm project/, 'comments survive an update');

    const before = await readFile(file, 'utf8');
    const invalid = structuredClone(config);
    invalid.rag.databases[0].type = 'NoSuchStore';
    const r1 = await t.app.inject({ method: 'PUT', url: '/v1/projects/edit/proj', payload: { config: invalid } });
    assert.equal(r1.statusCode, 422);
    const issue = json(r1).detail[0];
    assert.deepEqual(issue.loc, ['body', 'config', 'rag', 'databases', 0, 'type']);
    assert.match(issue.msg, /rag\.databases\[0\]\.type: must be one of LanceDBStore/);

    const badRef = structuredClone(config);
    badRef.runtime.default_model = 'missing-model';
    const r2 = await t.app.inject({ method: 'PUT', url: '/v1/projects/edit/proj', payload: { config: badRef } });
    assert.equal(r2.statusCode, 422);
    assert.match(json(r2).detail[0].msg, /runtime\.default_model/);

    const badDataset = structuredClone(config);
    badDataset.datasets = [{ name: 'docs', database: 'nope', data_processing_strategy: 'universal_processor' }];
    const r3 = await t.app.inject({ method: 'PUT', url: '/v1/projects/edit/proj', payload: { config: badDataset } });
    assert.equal(r3.statusCode, 422);
    assert.match(json(r3).detail[0].msg, /datasets\[0\]\.database/);

    const renamed = await t.app.inject({ method: 'PUT', url: '/v1/projects/edit/proj', payload: { config: { ...config, name: 'other' } } });
    assert.equal(renamed.statusCode, 400);
    const moved = await t.app.inject({ method: 'PUT', url: '/v1/projects/edit/proj', payload: { config: { ...config, namespace: 'elsewhere' } } });
    assert.equal(moved.statusCode, 400);
    const noConfig = await t.app.inject({ method: 'PUT', url: '/v1/projects/edit/proj', payload: { nope: 1 } });
    assert.equal(noConfig.statusCode, 422);
    assert.equal(await readFile(file, 'utf8'), before, 'no failed PUT wrote anything');
  });

  test('the legacy flat runtime form is accepted', async () => {
    await create('legacy', { name: 'flat' });
    const { config } = json(await t.app.inject('/v1/projects/legacy/flat')).project;
    config.runtime = { provider: 'ollama', model: 'llama3.2:3b', temperature: 0.7 };
    const res = await t.app.inject({ method: 'PUT', url: '/v1/projects/legacy/flat', payload: { config } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(json(res).project.config.runtime, { provider: 'ollama', model: 'llama3.2:3b', temperature: 0.7 });
  });

  test('an invalid config on disk is listed with validation_error', async () => {
    await create('broken', { name: 'b' });
    await writeFile(join(t.dataDir, 'projects', 'broken', 'b', 'llamafarm.yaml'), 'version: v1\nname: b\nnamespace: broken\nruntime: {}\nrag: {bogus: 1}\n');
    const { projects } = json(await t.app.inject('/v1/projects/broken'));
    assert.equal(projects.length, 1);
    assert.match(projects[0].validation_error, /runtime/);
    assert.match(projects[0].validation_error, /rag\.bogus/);
    const put = await t.app.inject({ method: 'PUT', url: '/v1/projects/broken/b', payload: { config: {} } });
    assert.equal(put.statusCode, 422);
  });

  test('DELETE removes the project and answers it as it was', async () => {
    await create('gone', { name: 'soon' });
    const ev = t.ctx.events.start({ namespace: 'gone', project: 'soon', type: 'inference' });
    ev.complete();
    const res = await t.app.inject({ method: 'DELETE', url: '/v1/projects/gone/soon' });
    assert.equal(res.statusCode, 200);
    assert.equal(json(res).project.name, 'soon');
    assert.equal(json(res).project.config.name, 'soon');
    await assert.rejects(stat(join(t.dataDir, 'projects', 'gone', 'soon')));
    assert.equal((await t.app.inject('/v1/projects/gone/soon')).statusCode, 404);
    assert.equal((await t.ctx.events.list('gone', 'soon', { limit: 10, offset: 0 })).total, 0, 'events are deleted too');
  });

  test('custom templates from $LF_DATA_DIR/templates', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(t.dataDir, 'templates'), { recursive: true });
    const base = await readFile(join(t.dataDir, 'projects', 'my-org', 'p-server', 'llamafarm.yaml'), 'utf8');
    await writeFile(join(t.dataDir, 'templates', 'mine.yaml'), base.replace('chat first', 'my own template'));
    const res = await create('custom', { name: 'c', config_template: 'mine' });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(await readFile(join(t.dataDir, 'projects', 'custom', 'c', 'llamafarm.yaml'), 'utf8'), /my own template/);
  });
});
