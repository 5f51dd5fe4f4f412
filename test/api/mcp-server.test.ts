/**
 * The MCP server at /mcp over a real socket with the SDK's Client and Streamable HTTP transport: initialize,
 * the tool list against the OpenAPI document, tool calls that run the routes' code (results equal the HTTP
 * API's), upload + processing + task + RAG on real files from ../shared, errors and validation with the HTTP
 * status and detail, session termination, and start-up failure on colliding argument names.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import Type from 'typebox';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { makeTestApp, json, tempDir, type TestApp } from '../helpers/app.js';
import { createOfflineProject, waitForTask } from '../helpers/projects.js';
import { needShared, sharedPath } from '../helpers/shared.js';
import { hashingDatabase } from './rag-fixtures.js';
import { buildApp } from '../../src/api/app.js';
import { loadSettings } from '../../src/core/settings.js';
import { createContext, type AppContext } from '../../src/services/context.js';

const TEXT_DOC = ['corpora', 'llamafarm', 'demos', 'static_samples', 'customer_support', 'knowledge_base.txt'];
const PDF_DOC = ['corpora', 'llamafarm', 'samples', 'pdfs', 'Llamas-Alpacas-Rutgers-University.pdf'];
const SKIP_DOCS = needShared(...TEXT_DOC) || needShared(...PDF_DOC);

interface Connected {
  client: Client;
  transport: StreamableHTTPClientTransport;
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const a = app.server.address();
  assert.ok(a && typeof a === 'object');
  return `http://127.0.0.1:${a.port}`;
}

async function connect(addr: string): Promise<Connected> {
  const client = new Client({ name: 'mcp-server-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${addr}/mcp`));
  await client.connect(transport);
  return { client, transport };
}

/** The `{status, detail}` of a tool error. */
function toolError(r: CallToolResult): { status: number; detail: unknown } {
  assert.equal(r.isError, true, JSON.stringify(r));
  assert.equal(r.structuredContent, undefined);
  const first = r.content[0];
  assert.equal(first.type, 'text');
  return JSON.parse(first.type === 'text' ? first.text : '') as { status: number; detail: unknown };
}

/** The structured result of a successful call, checked against its JSON text block. */
function toolResult(r: CallToolResult): any {
  assert.notEqual(r.isError, true, JSON.stringify(r).slice(0, 800));
  const first = r.content[0];
  assert.equal(first.type, 'text');
  assert.deepEqual(JSON.parse(first.type === 'text' ? first.text : ''), r.structuredContent);
  return r.structuredContent;
}

describe('MCP server at /mcp', () => {
  let t: TestApp;
  let addr: string;
  let mcp: Connected;
  const call = async (name: string, args: Record<string, unknown>) => (await mcp.client.callTool({ name, arguments: args })) as CallToolResult;

  before(async () => {
    t = await makeTestApp();
    addr = await listen(t.app);
    mcp = await connect(addr);
  });
  after(async () => {
    await mcp?.client.close();
    await t?.close();
  });

  test('initialize: server info, the tools capability and a session id', () => {
    assert.equal(mcp.client.getServerVersion()?.name, 'llamafarm');
    assert.equal(mcp.client.getServerVersion()?.version, t.ctx.settings.version);
    assert.ok(mcp.client.getServerCapabilities()?.tools);
    assert.match(mcp.transport.sessionId ?? '', /^[0-9a-f-]{36}$/);
  });

  test('tools/list: exactly the operations /openapi.json tags mcp, with flat object schemas', async () => {
    const doc = json(await t.app.inject('/openapi.json'));
    const tagged = new Map<string, any>();
    for (const methods of Object.values<any>(doc.paths)) {
      for (const op of Object.values<any>(methods)) if (op.tags?.includes('mcp')) tagged.set(op.operationId, op);
    }
    const { tools } = await mcp.client.listTools();
    assert.deepEqual(tools.map((x) => x.name).sort(), [...tagged.keys()].sort());
    for (const name of ['projects_list', 'project_create', 'dataset_create', 'dataset_data_upload', 'dataset_actions', 'task_get', 'rag_query', 'models_list']) {
      assert.ok(tagged.has(name), name);
    }
    for (const tool of tools) {
      const op = tagged.get(tool.name);
      assert.equal(tool.inputSchema.type, 'object', tool.name);
      assert.equal(tool.description?.split('\n')[0], op.summary, tool.name);
      const pathParams = (op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name);
      assert.ok(pathParams.length > 0, tool.name);
      for (const p of pathParams) {
        assert.ok(tool.inputSchema.properties?.[p], `${tool.name}: ${p}`);
        assert.ok(tool.inputSchema.required?.includes(p), `${tool.name}: ${p} required`);
      }
    }
    const rag = tools.find((x) => x.name === 'rag_query')!;
    assert.deepEqual(rag.inputSchema.required, ['namespace', 'project', 'query'], 'defaulted fields (top_k) are optional');
    assert.deepEqual((rag.inputSchema.properties as any).database.type, ['string', 'null'], 'nullable becomes a null type');
    assert.equal((rag.inputSchema.properties as any).top_k.default, 5);
    const upload = tools.find((x) => x.name === 'dataset_data_upload')!;
    assert.deepEqual(upload.inputSchema.required, ['namespace', 'project', 'dataset', 'filename', 'content']);
    assert.match(upload.description ?? '', /content_encoding/);
    assert.equal(tools.find((x) => x.name === 'projects_list')!.annotations?.readOnlyHint, true);
    assert.equal(tools.find((x) => x.name === 'project_delete')!.annotations?.destructiveHint, true);
    assert.equal(tools.find((x) => x.name === 'task_get')!.outputSchema?.type, 'object');
  });

  test('projects_list and project_create run the routes: the same results as the HTTP API', async () => {
    assert.deepEqual(toolResult(await call('projects_list', { namespace: 'mcp' })), { total: 0, projects: [] });
    const created = toolResult(await call('project_create', { namespace: 'mcp', name: 'alpha', config_template: 'rag' }));
    assert.equal(created.project.name, 'alpha');
    assert.equal(created.project.namespace, 'mcp');
    const http = json(await t.app.inject('/v1/projects/mcp/alpha'));
    assert.deepEqual(created.project.config, http.project.config);
    const listed = toolResult(await call('projects_list', { namespace: 'mcp' }));
    assert.deepEqual(listed, json(await t.app.inject('/v1/projects/mcp')));
    assert.equal(listed.total, 1);
  });

  test('database tools: a 201 create is a result; get equals the HTTP body; delete takes its query flag', async () => {
    const base = { namespace: 'mcp', project: 'alpha' };
    const created = toolResult(await call('database_create', { ...base, ...hashingDatabase('extra_db') }));
    assert.equal(created.database.name, 'extra_db');
    assert.equal(created.database.is_default, false);
    const got = toolResult(await call('database_get', { ...base, database: 'extra_db' }));
    assert.deepEqual(got, json(await t.app.inject('/v1/projects/mcp/alpha/rag/databases/extra_db')));
    const deleted = toolResult(await call('database_delete', { ...base, database: 'extra_db', delete_collection: false }));
    assert.equal(deleted.collection_deleted, false);
    assert.equal(toolError(await call('database_get', { ...base, database: 'extra_db' })).status, 404);
  });

  test('errors are tool errors with the HTTP status and detail', async () => {
    const viaHttp = await t.app.inject('/v1/projects/mcp/ghost');
    assert.equal(viaHttp.statusCode, 404);
    assert.deepEqual(toolError(await call('project_get', { namespace: 'mcp', project: 'ghost' })), { status: 404, detail: json(viaHttp).detail });

    await call('project_create', { namespace: 'mcp', name: 'dup' });
    const conflict = await t.app.inject({ method: 'POST', url: '/v1/projects/mcp', payload: { name: 'dup' } });
    assert.equal(conflict.statusCode, 409);
    assert.deepEqual(toolError(await call('project_create', { namespace: 'mcp', name: 'dup' })), { status: 409, detail: json(conflict).detail });

    const task = await t.app.inject('/v1/projects/mcp/alpha/tasks/no-such-task');
    assert.deepEqual(toolError(await call('task_get', { namespace: 'mcp', project: 'alpha', task_id: 'no-such-task' })), { status: task.statusCode, detail: json(task).detail });
  });

  test('validation errors are 422 tool errors in the list form, with the HTTP locations', async () => {
    const bad = await t.app.inject({ method: 'POST', url: '/v1/projects/mcp', payload: { name: 'bad name!' } });
    assert.equal(bad.statusCode, 422);
    const e1 = toolError(await call('project_create', { namespace: 'mcp', name: 'bad name!' }));
    assert.deepEqual(e1, { status: 422, detail: json(bad).detail });
    assert.deepEqual((e1.detail as any)[0].loc, ['body', 'name']);

    const missing = toolError(await call('project_create', { namespace: 'mcp' }));
    assert.equal(missing.status, 422);
    assert.deepEqual(missing.detail, [{ loc: ['body', 'name'], msg: 'Field required', type: 'missing' }]);

    const badPath = await t.app.inject('/v1/projects/..%2Fx');
    const e2 = toolError(await call('projects_list', { namespace: '../x' }));
    assert.deepEqual(e2, { status: badPath.statusCode, detail: json(badPath).detail });
    assert.deepEqual((e2.detail as any)[0].loc, ['path', 'namespace']);

    const range = toolError(await call('rag_query', { namespace: 'mcp', project: 'alpha', query: 'x', top_k: 0 }));
    assert.equal(range.status, 422);
    assert.deepEqual((range.detail as any)[0].loc, ['body', 'top_k']);
  });

  test('an unknown tool is a protocol error', async () => {
    await assert.rejects(call('no_such_tool', {}), /not found/);
  });

  test('dataset create, upload (text and base64), process, task_get and rag_query on real files', { skip: SKIP_DOCS }, async () => {
    await createOfflineProject(t.app, 'mcp', 'farm');
    const base = { namespace: 'mcp', project: 'farm' };
    const ds = toolResult(await call('dataset_create', { ...base, name: 'docs', data_processing_strategy: 'universal_processor', database: 'main_database' }));
    assert.deepEqual(ds.dataset, { name: 'docs', database: 'main_database', data_processing_strategy: 'universal_processor', files: [] });

    const text = await readFile(sharedPath(...TEXT_DOC), 'utf8');
    const up1 = toolResult(await call('dataset_data_upload', { ...base, dataset: 'docs', filename: 'knowledge_base.txt', content: text }));
    assert.equal(up1.filename, 'knowledge_base.txt');
    assert.equal(up1.size, Buffer.byteLength(text));
    assert.equal(up1.skipped, false);
    const pdf = await readFile(sharedPath(...PDF_DOC));
    const up2 = toolResult(await call('dataset_data_upload', { ...base, dataset: 'docs', filename: 'llamas.pdf', content: pdf.toString('base64'), content_encoding: 'base64' }));
    assert.equal(up2.size, pdf.length, 'base64 content arrives as the original bytes');
    const again = toolResult(await call('dataset_data_upload', { ...base, dataset: 'docs', filename: 'copy.pdf', content: pdf.toString('base64'), content_encoding: 'base64' }));
    assert.equal(again.skipped, true);
    assert.equal(again.hash, up2.hash);
    const badB64 = toolError(await call('dataset_data_upload', { ...base, dataset: 'docs', filename: 'x.pdf', content: '%%%', content_encoding: 'base64' }));
    assert.equal(badB64.status, 422);

    const action = toolResult(await call('dataset_actions', { ...base, dataset: 'docs', action_type: 'process' }));
    assert.equal(action.task_uri, `${addr}/v1/projects/mcp/farm/tasks/${action.task_id}`, 'URLs use the origin the MCP client reached');
    await waitForTask(t.app, 'mcp', 'farm', action.task_id, 120_000);
    const task = toolResult(await call('task_get', { ...base, task_id: action.task_id }));
    assert.equal(task.state, 'SUCCESS', JSON.stringify(task).slice(0, 500));
    assert.equal(task.result.failed_files, 0);
    assert.deepEqual(task, json(await t.app.inject(`/v1/projects/mcp/farm/tasks/${action.task_id}`)));

    const listed = toolResult(await call('dataset_list', base));
    assert.deepEqual(listed.datasets[0].files.sort(), [up1.hash, up2.hash].sort());

    const args = { query: 'What do alpacas eat?', top_k: 3 };
    const found = toolResult(await call('rag_query', { ...base, ...args }));
    assert.equal(found.database_used, 'main_database');
    assert.equal(found.total_results, 3);
    const viaHttp = json(await t.app.inject({ method: 'POST', url: '/v1/projects/mcp/farm/rag/query', payload: args }));
    const { processing_time_ms: _a, ...mcpRest } = found;
    const { processing_time_ms: _b, ...httpRest } = viaHttp;
    assert.deepEqual(mcpRest, httpRest);
  });

  test('DELETE ends the session: its id is refused afterwards, and requests without an id are refused', async () => {
    const other = await connect(addr);
    const sessionId = other.transport.sessionId!;
    assert.ok(sessionId);
    assert.equal(toolResult(await other.client.callTool({ name: 'projects_list', arguments: { namespace: 'zz' } }) as CallToolResult).total, 0);
    await other.transport.terminateSession();
    assert.equal(other.transport.sessionId, undefined);
    const res = await fetch(`${addr}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { message: string } }).error.message, 'Session not found');
    await other.client.close();

    const noSession = await fetch(`${addr}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    assert.equal(noSession.status, 400);
    await noSession.body?.cancel();
  });

  test('browser clients: CORS headers are kept and the session id header is readable', async () => {
    const res = await fetch(`${addr}/mcp`, {
      method: 'POST',
      headers: { origin: 'http://localhost:5173', 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'browser', version: '1' } } }),
    });
    assert.equal(res.status, 200);
    await res.body?.cancel();
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:5173');
    assert.equal(res.headers.get('access-control-expose-headers'), 'Mcp-Session-Id');
    const sessionId = res.headers.get('mcp-session-id');
    assert.ok(sessionId);
    const del = await fetch(`${addr}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' } });
    assert.equal(del.status, 200);
    await del.body?.cancel();
  });
});

describe('MCP tools from routes: special cases', () => {
  let ctx: AppContext;
  before(async () => {
    const settings = loadSettings({ dataDir: await tempDir(), logLevel: 'silent', releasesUrl: 'http://127.0.0.1:9/unreachable', maxUploadBytes: 1024 }, {});
    ctx = await createContext(settings, pino({ level: 'silent' }));
  });
  after(async () => ctx?.close());

  test("uploads: the route's own onRequest hook (early size check) runs, and the file store's limit holds", async () => {
    const app = await buildApp(ctx);
    const addr = await listen(app);
    const { client } = await connect(addr);
    try {
      await createOfflineProject(app, 'lim', 'p');
      const base = { namespace: 'lim', project: 'p', dataset: 'd' };
      await client.callTool({ name: 'dataset_create', arguments: { namespace: 'lim', project: 'p', name: 'd', data_processing_strategy: 'universal_processor', database: 'main_database' } });
      const upload = async (content: string) => (await client.callTool({ name: 'dataset_data_upload', arguments: { ...base, filename: 'big.txt', content } })) as CallToolResult;
      const huge = toolError(await upload('x'.repeat(200_000)));
      assert.equal(huge.status, 413);
      assert.equal(huge.detail, 'Upload of 200000 bytes exceeds the limit of 1024 bytes (LF_MAX_UPLOAD_BYTES)');
      const over = toolError(await upload('x'.repeat(2000)));
      assert.equal(over.status, 413);
      assert.equal(over.detail, 'File exceeds the upload limit of 1024 bytes (LF_MAX_UPLOAD_BYTES)');
      assert.equal(toolResult(await upload('small enough')).size, 12);
    } finally {
      await client.close();
      await app.close();
    }
  });

  test('argument names colliding across path, query and body fail the start-up', async () => {
    const colliding = (app: FastifyInstance) => {
      app.post('/v1/test/:name', { schema: { operationId: 'colliding', tags: ['mcp'], params: Type.Object({ name: Type.String() }), body: Type.Object({ name: Type.String() }) } }, async () => ({}));
    };
    await assert.rejects(buildApp(ctx, { extraRoutes: [colliding] }), /MCP: operation "colliding": argument "name" is both a path parameter and a body field/);
  });

  test('a streaming flag is hidden and forced off; 201 answers are serialized results; closing the app ends open sessions', async () => {
    const echo = (app: FastifyInstance) => {
      app.post(
        '/v1/test/:id/echo',
        {
          schema: {
            operationId: 'echo_stream',
            tags: ['mcp'],
            summary: 'Echo',
            params: Type.Object({ id: Type.String() }),
            querystring: Type.Object({ loud: Type.Boolean({ default: false }) }),
            body: Type.Object({ text: Type.String(), stream: Type.Optional(Type.Boolean()) }),
            response: { 201: Type.Object({ id: Type.String(), text: Type.String(), loud: Type.Boolean(), stream: Type.Boolean() }) },
          },
        },
        async (req, reply) => {
          const q = req.query as { loud: boolean };
          const b = req.body as { text: string; stream: boolean };
          return reply.code(201).send({ id: (req.params as { id: string }).id, text: b.text, loud: q.loud, stream: b.stream, dropped: 'not in the response schema' });
        },
      );
    };
    const app = await buildApp(ctx, { extraRoutes: [echo] });
    const addr = await listen(app);
    const { client, transport } = await connect(addr);
    let closed = false;
    try {
      const tool = (await client.listTools()).tools.find((x) => x.name === 'echo_stream')!;
      assert.deepEqual(Object.keys(tool.inputSchema.properties ?? {}), ['id', 'loud', 'text']);
      assert.deepEqual(tool.inputSchema.required, ['id', 'text']);
      const r = toolResult((await client.callTool({ name: 'echo_stream', arguments: { id: '7', text: 'hi', stream: true } })) as CallToolResult);
      assert.deepEqual(r, { id: '7', text: 'hi', loud: false, stream: false });
      // With the session (and its event stream) still open, close must not wait for the client.
      assert.ok(transport.sessionId);
      await app.close();
      closed = true;
    } finally {
      await client.close();
      if (!closed) await app.close();
    }
  });
});
