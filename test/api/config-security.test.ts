/**
 * What a config sent over the API may make the server do (issue 13, items 2, 5, 6), as exploits:
 * - a PUT adding a stdio MCP server, then one chat request, ran the command: now 403 and the command never runs
 *   (it still runs when the server allows it with LF_MCP_ALLOW_STDIO=1, with a minimal environment, in the
 *   project folder); a command already in llamafarm.yaml on disk keeps working and survives a GET → PUT;
 * - secrets came back in GET answers: now redacted, a PUT of the placeholder keeps them, `${VAR}` is resolved
 *   at use time and stored as written;
 * - an upstream's error body was copied into the 502: now only an OpenAI/Ollama-shaped message is;
 * - model URLs could point at the cloud metadata service: literal addresses are a 422 naming the field, names
 *   resolving there are refused when connecting.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, realpathSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import YAML from 'yaml';
import { makeTestApp, json, tempDir, type TestApp } from '../helpers/app.js';
import { ChatUpstreamFake } from '../fakes/chat-upstream-fake.js';
import { createChatProject } from './chat-setup.js';
import { SECRET_PLACEHOLDER } from '../../src/config/secrets.js';
import { configureOutbound } from '../../src/core/outbound.js';
import { testLookup } from '../unit/outbound.test.js';

type Json = Record<string, any>;

/** A stdio "MCP server" that only writes a marker file (its env and cwd) and exits: proof that it ran. */
function markerServer(marker: string, extra: Json = {}): Json {
  return {
    name: 'evil',
    transport: 'stdio',
    command: process.execPath,
    args: ['-e', 'require("fs").writeFileSync(process.argv[1], JSON.stringify({ env: process.env, cwd: process.cwd() }))', marker],
    ...extra,
  };
}

async function waitFor(check: () => boolean, ms = 15_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

const chatOnce = async (t: TestApp, ns: string, p: string) => {
  const res = await t.app.inject({ method: 'POST', url: `/v1/projects/${ns}/${p}/chat/completions`, payload: { messages: [{ role: 'user', content: 'hi' }] } });
  return { status: res.statusCode, body: json(res) };
};

describe('commands from configs', () => {
  let fake: ChatUpstreamFake;
  let dir: string;
  before(async () => {
    fake = await ChatUpstreamFake.start();
    dir = await tempDir('lf-marker-');
  });
  after(async () => {
    await fake.close();
  });

  test('exploit: PUT a stdio MCP server + one chat request is refused with 403; the command never runs', async () => {
    const t = await makeTestApp();
    try {
      const marker = join(dir, 'refused');
      const config = await createChatProject(t.app, 'org', 'p1', { baseUrl: `${fake.url}/v1` });
      config.mcp = { servers: [markerServer(marker)] };
      const put = await t.app.inject({ method: 'PUT', url: '/v1/projects/org/p1', payload: { config } });
      assert.equal(put.statusCode, 403);
      const detail = json(put).detail as string;
      assert.match(detail, /mcp\.servers\[0\] \('evil'\)/);
      assert.match(detail, /LF_MCP_ALLOW_STDIO=1/);
      const chat = await chatOnce(t, 'org', 'p1');
      assert.equal(chat.status, 200);
      assert.equal(await waitFor(() => existsSync(marker), 1500), false, 'the command must not run');
      const stored = json(await t.app.inject({ method: 'GET', url: '/v1/projects/org/p1' })).project.config;
      assert.equal(stored.mcp, undefined);
    } finally {
      await t.close();
    }
  });

  test('a custom template with a command is refused at project create', async () => {
    const t = await makeTestApp();
    try {
      const marker = join(dir, 'template');
      const tpl = { version: 'v1', name: '{{project_name}}', namespace: '{{namespace}}', runtime: { models: [{ name: 'm', provider: 'openai', model: 'x' }] }, mcp: { servers: [markerServer(marker)] } };
      await writeFile(join(t.ctx.layout.templatesDir, 'evil.yaml'), YAML.stringify(tpl)).catch(async () => {
        const { mkdir } = await import('node:fs/promises');
        await mkdir(t.ctx.layout.templatesDir, { recursive: true });
        await writeFile(join(t.ctx.layout.templatesDir, 'evil.yaml'), YAML.stringify(tpl));
      });
      const res = await t.app.inject({ method: 'POST', url: '/v1/projects/org', payload: { name: 'fromtpl', config_template: 'evil' } });
      assert.equal(res.statusCode, 403, res.body);
      assert.match(json(res).detail, /LF_MCP_ALLOW_STDIO/);
      const get = await t.app.inject({ method: 'GET', url: '/v1/projects/org/fromtpl' });
      assert.equal(get.statusCode, 404);
      json(get);
    } finally {
      await t.close();
    }
  });

  test('a command written into llamafarm.yaml on disk keeps working, survives GET → PUT unchanged, but may not be changed over the API', async () => {
    const t = await makeTestApp();
    try {
      const marker = join(dir, 'on-disk');
      await createChatProject(t.app, 'org', 'disk', { baseUrl: `${fake.url}/v1` });
      const file = join(t.ctx.layout.projectDir('org', 'disk'), 'llamafarm.yaml');
      const onDisk = YAML.parse(await readFile(file, 'utf8'));
      onDisk.mcp = { servers: [markerServer(marker)] };
      await writeFile(file, YAML.stringify(onDisk));

      const config = json(await t.app.inject({ method: 'GET', url: '/v1/projects/org/disk' })).project.config;
      config.prompts[0].messages[0].content = 'Edited over the API.';
      const same = await t.app.inject({ method: 'PUT', url: '/v1/projects/org/disk', payload: { config } });
      assert.equal(same.statusCode, 200, same.body);
      json(same);

      config.mcp.servers[0].args = [...config.mcp.servers[0].args, 'extra'];
      const changed = await t.app.inject({ method: 'PUT', url: '/v1/projects/org/disk', payload: { config } });
      assert.equal(changed.statusCode, 403);
      json(changed);

      assert.equal((await chatOnce(t, 'org', 'disk')).status, 200);
      assert.ok(await waitFor(() => existsSync(marker)), 'the local user’s own command runs');
    } finally {
      await t.close();
    }
  });

  test('with LF_MCP_ALLOW_STDIO=1 the command runs: no shell, project folder as cwd, no server secrets in its environment', async () => {
    const saved = { ...process.env };
    process.env.OPENAI_API_KEY = 'sk-server-secret';
    process.env.LF_API_KEY = 'lf-server-secret';
    process.env.LF_METADATA_URL_TEST = 'postgres://u:pw@db/x';
    process.env.TEST_MCP_TOKEN = 'token-for-the-mcp-server';
    const t = await makeTestApp({ mcpAllowStdio: true });
    try {
      const marker = join(dir, 'allowed');
      const config = await createChatProject(t.app, 'org', 'ok', { baseUrl: `${fake.url}/v1` });
      // `; touch` would run a second command if a shell were involved.
      config.mcp = { servers: [markerServer(marker, { env: { VISIBLE: 'yes', MCP_TOKEN: '${TEST_MCP_TOKEN}', STOLEN: '${LF_API_KEY}' } })] };
      config.mcp.servers[0].args.push('; touch', join(dir, 'shell-ran'));
      const put = await t.app.inject({ method: 'PUT', url: '/v1/projects/org/ok', payload: { config } });
      assert.equal(put.statusCode, 200, put.body);
      json(put);
      assert.equal((await chatOnce(t, 'org', 'ok')).status, 200);
      assert.ok(await waitFor(() => existsSync(marker)), 'the allowed command ran');
      const seen = JSON.parse(await readFile(marker, 'utf8')) as { env: Record<string, string>; cwd: string };
      assert.equal(realpathSync(seen.cwd), realpathSync(t.ctx.layout.projectDir('org', 'ok')));
      assert.equal(seen.env.VISIBLE, 'yes');
      assert.equal(seen.env.MCP_TOKEN, 'token-for-the-mcp-server');
      assert.equal(seen.env.STOLEN, '', 'LF_* settings are never substituted');
      assert.equal(seen.env.PATH, process.env.PATH);
      for (const k of ['OPENAI_API_KEY', 'LF_API_KEY', 'LF_METADATA_URL_TEST', 'TEST_MCP_TOKEN']) assert.equal(seen.env[k], undefined, `${k} leaked`);
      assert.equal(existsSync(join(dir, 'shell-ran')), false);
    } finally {
      await t.close();
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});

describe('secrets in configs', () => {
  let t: TestApp;
  let fake: ChatUpstreamFake;
  before(async () => {
    fake = await ChatUpstreamFake.start();
    t = await makeTestApp();
  });
  after(async () => {
    await t.close();
    await fake.close();
  });

  const get = async (url: string) => {
    const res = await t.app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 200, res.body);
    return json(res);
  };
  const onDisk = async (p: string) => YAML.parse(await readFile(join(t.ctx.layout.projectDir('org', p), 'llamafarm.yaml'), 'utf8'));

  test('secrets come back redacted everywhere a config is returned; a GET → PUT round trip keeps them', async () => {
    const config = await createChatProject(t.app, 'org', 's1', { baseUrl: `${fake.url}/v1`, rag: true });
    // createChatProject sets api_key 'sk-test' on every model: already redacted in the PUT answer.
    assert.equal(config.runtime.models[0].api_key, SECRET_PLACEHOLDER);
    config.runtime.models[0].api_key = 'sk-live-very-secret';
    config.runtime.models.push({ name: 'ref', provider: 'openai', model: 'x', base_url: `${fake.url}/v1`, api_key: '${TEST_UPSTREAM_KEY}' });
    config.mcp = { servers: [{ name: 'remote', transport: 'http', base_url: 'http://127.0.0.1:9/mcp', headers: { Authorization: 'Bearer mcp-secret', 'X-Trace': 'on' } }] };
    config.rag.databases[0].embedding_strategies[0].config.api_key = 'embed-secret';
    config.rag.databases.push({ name: 'pg_db', type: 'PGVectorStore', config: { connection_string: 'postgres://lf:pg-secret@127.0.0.1:5432/vectors' } });
    const put = await t.app.inject({ method: 'PUT', url: '/v1/projects/org/s1', payload: { config } });
    assert.equal(put.statusCode, 200, put.body);

    const answers = [json(put).project.config, (await get('/v1/projects/org/s1')).project.config, (await get('/v1/projects/org')).projects.find((p: Json) => p.name === 's1').config];
    for (const c of answers) {
      const text = JSON.stringify(c);
      for (const secret of ['sk-live-very-secret', 'sk-test', 'mcp-secret', 'embed-secret', 'pg-secret']) assert.ok(!text.includes(secret), `${secret} leaked`);
      assert.equal(c.runtime.models[0].api_key, SECRET_PLACEHOLDER);
      assert.equal(c.runtime.models.at(-1).api_key, '${TEST_UPSTREAM_KEY}', 'references are shown as written');
      assert.equal(c.mcp.servers[0].headers.Authorization, SECRET_PLACEHOLDER);
      assert.equal(c.rag.databases.at(-1).config.connection_string, `postgres://lf:${SECRET_PLACEHOLDER}@127.0.0.1:5432/vectors`);
    }
    const models = (await get('/v1/projects/org/s1/models')) as Json;
    const listed = JSON.stringify(models);
    assert.ok(!listed.includes('sk-live-very-secret') && listed.includes(SECRET_PLACEHOLDER), listed);

    // Round trip: the placeholders are sent back; the stored secrets stay (models reordered: matched by name).
    const back = answers[1];
    back.runtime.models.reverse();
    back.prompts[0].messages[0].content = 'changed';
    const put2 = await t.app.inject({ method: 'PUT', url: '/v1/projects/org/s1', payload: { config: back } });
    assert.equal(put2.statusCode, 200, put2.body);
    json(put2);
    const disk = await onDisk('s1');
    assert.equal(disk.runtime.models.find((m: Json) => m.name === 'default').api_key, 'sk-live-very-secret');
    assert.equal(disk.runtime.models.find((m: Json) => m.name === 'ref').api_key, '${TEST_UPSTREAM_KEY}', 'stored as written, not resolved');
    assert.equal(disk.mcp.servers[0].headers.Authorization, 'Bearer mcp-secret');
    assert.equal(disk.mcp.servers[0].headers['X-Trace'], 'on');
    assert.equal(disk.rag.databases[0].embedding_strategies[0].config.api_key, 'embed-secret');
    assert.equal(disk.rag.databases.at(-1).config.connection_string, 'postgres://lf:pg-secret@127.0.0.1:5432/vectors');
    assert.equal(disk.prompts[0].messages[0].content, 'changed');

    // A new value replaces the stored one; a placeholder with nothing stored behind it is a 422 naming the field.
    back.runtime.models.find((m: Json) => m.name === 'default').api_key = 'sk-rotated';
    back.runtime.models.push({ name: 'new', provider: 'openai', model: 'y', api_key: SECRET_PLACEHOLDER });
    const bad = await t.app.inject({ method: 'PUT', url: '/v1/projects/org/s1', payload: { config: back } });
    assert.equal(bad.statusCode, 422);
    assert.deepEqual(json(bad).detail[0].loc, ['body', 'config', 'runtime', 'models', 2, 'api_key']);
    back.runtime.models.pop();
    const put3 = await t.app.inject({ method: 'PUT', url: '/v1/projects/org/s1', payload: { config: back } });
    assert.equal(put3.statusCode, 200, put3.body);
    json(put3);
    assert.equal((await onDisk('s1')).runtime.models.find((m: Json) => m.name === 'default').api_key, 'sk-rotated');

    const del = await t.app.inject({ method: 'DELETE', url: '/v1/projects/org/s1' });
    assert.equal(del.statusCode, 200);
    assert.ok(!del.body.includes('sk-rotated') && !del.body.includes('mcp-secret'), del.body);
  });

  test('database endpoints redact store and embedder secrets; a PATCH sending the placeholder keeps them', async () => {
    await createChatProject(t.app, 'org', 'dbs', { baseUrl: `${fake.url}/v1`, rag: true });
    const D = '/v1/projects/org/dbs/rag/databases';
    const created = await t.app.inject({
      method: 'POST',
      url: D,
      payload: { name: 'remote_db', type: 'ChromaStore', config: { host: '127.0.0.1', port: 9, headers: { 'x-chroma-token': 'chroma-secret' } }, embedding_strategies: [{ name: 'e', type: 'OpenAIEmbedder', config: { api_key: 'embed-secret', base_url: 'http://127.0.0.1:9/v1' } }] },
    });
    assert.equal(created.statusCode, 201, created.body);
    json(created);
    const got = await get(`${D}/remote_db`);
    const text = JSON.stringify(got);
    assert.ok(!text.includes('chroma-secret') && !text.includes('embed-secret'), text);
    const patched = await t.app.inject({ method: 'PATCH', url: `${D}/remote_db`, payload: { config: { ...got.config, port: 10 }, embedding_strategies: got.embedding_strategies } });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.ok(!patched.body.includes('chroma-secret'));
    const db = (await onDisk('dbs')).rag.databases.find((d: Json) => d.name === 'remote_db');
    assert.equal(db.config.headers['x-chroma-token'], 'chroma-secret');
    assert.equal(db.config.port, 10);
    assert.equal(db.embedding_strategies[0].config.api_key, 'embed-secret');
    const del = await t.app.inject({ method: 'DELETE', url: `${D}/remote_db` });
    assert.equal(del.statusCode, 200, del.body);
    assert.ok(!del.body.includes('chroma-secret') && !del.body.includes('embed-secret'), del.body);
  });

  test('${VAR} references are resolved when the model is called', async () => {
    const saved = process.env.TEST_UPSTREAM_KEY;
    process.env.TEST_UPSTREAM_KEY = 'resolved-at-use-time';
    try {
      const config = await createChatProject(t.app, 'org', 's2', { baseUrl: `${fake.url}/v1` });
      config.runtime.models[0].api_key = '${TEST_UPSTREAM_KEY}';
      const put = await t.app.inject({ method: 'PUT', url: '/v1/projects/org/s2', payload: { config } });
      assert.equal(put.statusCode, 200, put.body);
      json(put);
      assert.equal((await chatOnce(t, 'org', 's2')).status, 200);
      assert.equal(fake.lastChat!.headers.authorization, 'Bearer resolved-at-use-time');
    } finally {
      if (saved === undefined) delete process.env.TEST_UPSTREAM_KEY;
      else process.env.TEST_UPSTREAM_KEY = saved;
    }
  });
});

describe('upstream error bodies and outbound URLs', () => {
  let t: TestApp;
  let upstream: Server;
  let port: number;
  let answer: { status: number; type: string; body: string };
  before(async () => {
    upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    port = (upstream.address() as AddressInfo).port;
    t = await makeTestApp();
  });
  after(async () => {
    configureOutbound([]);
    await t.close();
    upstream.closeAllConnections();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  test('exploit: an internal service’s error page no longer comes back in the 502; OpenAI/Ollama-shaped messages do, truncated', async () => {
    await createChatProject(t.app, 'org', 'up', { baseUrl: `http://127.0.0.1:${port}/v1` });
    answer = { status: 500, type: 'text/plain', body: 'Internal Server Error\ndb_password=hunter2 host=10.0.0.5' };
    let chat = await chatOnce(t, 'org', 'up');
    assert.equal(chat.status, 502);
    assert.ok(!JSON.stringify(chat.body).includes('hunter2'), chat.body.detail);
    assert.match(chat.body.detail, /answered HTTP 500$/);

    answer = { status: 500, type: 'application/json', body: JSON.stringify({ detail: 'db_password=hunter2', trace: 'at x' }) };
    chat = await chatOnce(t, 'org', 'up');
    assert.ok(!JSON.stringify(chat.body).includes('hunter2'), chat.body.detail);

    answer = { status: 429, type: 'application/json', body: JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests' } }) };
    chat = await chatOnce(t, 'org', 'up');
    assert.match(chat.body.detail, /answered HTTP 429: Rate limit reached$/);

    answer = { status: 400, type: 'application/json', body: JSON.stringify({ error: `model not found ${'x'.repeat(1000)}` }) };
    chat = await chatOnce(t, 'org', 'up');
    assert.match(chat.body.detail, /model not found x+…$/);
    assert.ok(chat.body.detail.length < 500, chat.body.detail);
  });

  test('literal link-local / metadata URLs and other schemes are a 422 naming the field, at save time', async () => {
    const config = await createChatProject(t.app, 'org', 'urls', { baseUrl: `http://127.0.0.1:${port}/v1`, rag: true });
    const cases: [(c: Json) => void, (string | number)[]][] = [
      [(c) => (c.runtime.models[0].base_url = 'http://169.254.169.254/latest/meta-data/'), ['runtime', 'models', 0, 'base_url']],
      [(c) => (c.runtime.models[0].base_url = 'http://[::ffff:169.254.169.254]/v1'), ['runtime', 'models', 0, 'base_url']],
      [(c) => (c.runtime.models[0].base_url = 'file:///etc/passwd'), ['runtime', 'models', 0, 'base_url']],
      [(c) => (c.mcp = { servers: [{ name: 'm', transport: 'http', base_url: 'http://[fd00:ec2::254]/mcp' }] }), ['mcp', 'servers', 0, 'base_url']],
      [(c) => (c.rag.databases[0].embedding_strategies[0] = { name: 'e', type: 'OllamaEmbedder', config: { base_url: 'http://169.254.10.10:11434' } }), ['rag', 'databases', 0, 'embedding_strategies', 0, 'config', 'base_url']],
      [(c) => (c.rag.databases[0] = { ...c.rag.databases[0], type: 'ChromaStore', config: { host: '169.254.169.254' } }), ['rag', 'databases', 0, 'config', 'host']],
    ];
    for (const [change, loc] of cases) {
      const c = structuredClone(config);
      change(c);
      const res = await t.app.inject({ method: 'PUT', url: '/v1/projects/org/urls', payload: { config: c } });
      assert.equal(res.statusCode, 422, `${loc.join('.')}: ${res.body}`);
      assert.deepEqual(json(res).detail[0].loc, ['body', 'config', ...loc]);
    }
    // Loopback and private addresses stay allowed (a local Ollama).
    const ok = structuredClone(config);
    ok.runtime.models[0].base_url = 'http://192.168.1.20:11434/v1';
    const res = await t.app.inject({ method: 'PUT', url: '/v1/projects/org/urls', payload: { config: ok } });
    assert.equal(res.statusCode, 200, res.body);
    json(res);
  });

  test('a model host name resolving to the metadata address is refused when connecting (the request never arrives)', async () => {
    configureOutbound([], { lookup: testLookup });
    let hits = 0;
    upstream.on('request', () => hits++);
    answer = { status: 200, type: 'application/json', body: JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'reached' }, finish_reason: 'stop' }] }) };
    await createChatProject(t.app, 'org', 'dns-ok', { baseUrl: `http://ok.test:${port}/v1` });
    const ok = await chatOnce(t, 'org', 'dns-ok');
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(hits, 1);
    await createChatProject(t.app, 'org', 'dns-bad', { baseUrl: `http://metadata.test:${port}/v1` });
    const bad = await chatOnce(t, 'org', 'dns-bad');
    assert.equal(bad.status, 502);
    assert.match(bad.body.detail, /metadata\.test resolves to 169\.254\.169\.254/);
    assert.equal(hits, 1);
  });
});

describe('the same rules through the MCP tools at /mcp', () => {
  test('project_update with a stdio server is a 403 tool error; project_get answers redacted', async () => {
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    const t = await makeTestApp();
    const client = new Client({ name: 'config-security-test', version: '1.0.0' });
    try {
      const dir = await tempDir('lf-marker-');
      const config = await createChatProject(t.app, 'org', 'viamcp', { baseUrl: 'http://127.0.0.1:9/v1' });
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = t.app.server.address() as AddressInfo;
      await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));

      config.mcp = { servers: [markerServer(join(dir, 'via-mcp'))] };
      const r = (await client.callTool({ name: 'project_update', arguments: { namespace: 'org', project: 'viamcp', config } })) as { isError?: boolean; content: { type: string; text?: string }[] };
      assert.equal(r.isError, true);
      const err = JSON.parse(r.content[0].text ?? '{}') as { status: number; detail: string };
      assert.equal(err.status, 403);
      assert.match(err.detail, /LF_MCP_ALLOW_STDIO/);

      const got = (await client.callTool({ name: 'project_get', arguments: { namespace: 'org', project: 'viamcp' } })) as { structuredContent?: Json };
      assert.equal(got.structuredContent?.project.config.runtime.models[0].api_key, SECRET_PLACEHOLDER);
      assert.equal(existsSync(join(dir, 'via-mcp')), false);
    } finally {
      await client.close();
      await t.close();
    }
  });
});
