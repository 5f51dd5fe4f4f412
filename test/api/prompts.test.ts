/** Prompts API (issue 18 item 5): CRUD over the config's prompt sets, validated and saved like the whole config. */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { createChatProject } from './chat-setup.js';

describe('Prompts API', () => {
  let t: TestApp;
  const P = '/v1/projects/org/pr';
  const yaml = () => readFile(join(t.dataDir, 'projects', 'org', 'pr', 'llamafarm.yaml'), 'utf8');

  before(async () => {
    t = await makeTestApp();
    await createChatProject(t.app, 'org', 'pr', { baseUrl: 'http://127.0.0.1:9/v1', prompts: [{ name: 'default', messages: [{ role: 'system', content: 'Be brief.' }] }] });
  });
  after(() => t.close());

  test('list, create, get, update: each change lands in llamafarm.yaml', async () => {
    const list = json(await t.app.inject(`${P}/prompts`));
    assert.equal(list.total, 1);
    assert.deepEqual(list.prompts[0], { name: 'default', messages: [{ role: 'system', content: 'Be brief.' }], used_by: [] });

    const created = await t.app.inject({ method: 'POST', url: `${P}/prompts`, payload: { name: 'pirate', messages: [{ role: 'system', content: 'Talk like a pirate.' }] } });
    assert.equal(created.statusCode, 200, created.body);
    assert.equal(json(created).prompt.name, 'pirate');
    assert.match(await yaml(), /Talk like a pirate\./);

    const dup = await t.app.inject({ method: 'POST', url: `${P}/prompts`, payload: { name: 'pirate', messages: [] } });
    assert.equal(dup.statusCode, 409);
    assert.match(json(dup).detail, /'pirate' already exists/);

    const put = await t.app.inject({ method: 'PUT', url: `${P}/prompts/pirate`, payload: { messages: [{ role: 'system', content: 'Arr.' }, { role: 'assistant', content: 'Ahoy!' }] } });
    assert.equal(put.statusCode, 200, put.body);
    const got = json(await t.app.inject(`${P}/prompts/pirate`)).prompt;
    assert.deepEqual(got.messages, [{ role: 'system', content: 'Arr.' }, { role: 'assistant', content: 'Ahoy!' }]);
    const text = await yaml();
    assert.match(text, /Ahoy!/);
    assert.doesNotMatch(text, /Talk like a pirate/);
    // The project's own GET sees the same config.
    const cfg = json(await t.app.inject(P)).project.config;
    assert.equal(cfg.prompts.find((p: any) => p.name === 'pirate').messages.length, 2);
  });

  test('bad input is 422 and leaves the file untouched; unknown names are 404', async () => {
    const before = await yaml();
    const badName = await t.app.inject({ method: 'POST', url: `${P}/prompts`, payload: { name: '../evil', messages: [] } });
    assert.equal(badName.statusCode, 422);
    const badMsg = await t.app.inject({ method: 'POST', url: `${P}/prompts`, payload: { name: 'x', messages: [{ role: 'system' }] } });
    assert.equal(badMsg.statusCode, 422);
    const extra = await t.app.inject({ method: 'PUT', url: `${P}/prompts/default`, payload: { messages: [{ role: 'system', content: 'a', bogus: 1 }] } });
    assert.equal(extra.statusCode, 422, extra.body);
    assert.equal(await yaml(), before);
    for (const [method, body] of [['GET', undefined], ['PUT', { messages: [] }], ['DELETE', undefined]] as const) {
      const res = await t.app.inject({ method, url: `${P}/prompts/nope`, ...(body ? { payload: body } : {}) });
      assert.equal(res.statusCode, 404, `${method} ${res.body}`);
      assert.match(json(res).detail, /Prompt 'nope' not found/);
    }
    assert.equal((await t.app.inject(`/v1/projects/org/missing/prompts`)).statusCode, 404);
  });

  test('deleting a prompt a model uses is 409 naming the model; unused ones are deleted', async () => {
    const cfg = json(await t.app.inject(P)).project.config;
    cfg.runtime.models[0].prompts = ['pirate'];
    assert.equal((await t.app.inject({ method: 'PUT', url: P, payload: { config: cfg } })).statusCode, 200);
    assert.deepEqual(json(await t.app.inject(`${P}/prompts/pirate`)).prompt.used_by, ['default']);
    const refused = await t.app.inject({ method: 'DELETE', url: `${P}/prompts/pirate` });
    assert.equal(refused.statusCode, 409);
    assert.match(json(refused).detail, /model\(s\) 'default' use it/);
    assert.ok(json(await t.app.inject(`${P}/prompts`)).prompts.some((p: any) => p.name === 'pirate'));

    const gone = await t.app.inject({ method: 'DELETE', url: `${P}/prompts/default` });
    assert.equal(gone.statusCode, 200, gone.body);
    assert.equal(json(gone).prompt.name, 'default');
    assert.deepEqual(json(await t.app.inject(`${P}/prompts`)).prompts.map((p: any) => p.name), ['pirate']);
    assert.doesNotMatch(await yaml(), /Be brief/);
  });

  test('the prompt routes are MCP tools', async () => {
    const doc = json(await t.app.inject('/openapi.json'));
    const ops = Object.values<any>(doc.paths[`/v1/projects/{namespace}/{project}/prompts/{name}`]).concat(Object.values<any>(doc.paths[`/v1/projects/{namespace}/{project}/prompts`]));
    assert.deepEqual(ops.map((o) => o.operationId).sort(), ['prompt_create', 'prompt_delete', 'prompt_get', 'prompt_update', 'prompts_list']);
    assert.ok(ops.every((o) => o.tags.includes('mcp')));
  });
});
