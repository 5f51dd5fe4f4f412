/**
 * MCP tools in chat: the project's MCP servers (a real stdio fixture server, and the SDK's Streamable HTTP server
 * in-test) offered to the model, the server-side tool loop in non-stream and stream answers (also through the
 * official openai client), per-model server filters, client tools returned as tool_calls, the 10-round cap,
 * failing tools and unreachable servers, sub-events and session history.
 *
 * The model is the protocol-exact fake upstream, given a small "brain": it calls a tool the user's words ask for
 * when that tool is offered, and answers `The tool said: <result>` after a tool message.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { ChatUpstreamFake, type FakeReply } from '../fakes/chat-upstream-fake.js';
import { fixtureCommand } from '../fixtures/mcp-stdio-server.js';
import { startMcpHttpServer, type McpHttpFixture } from '../fixtures/mcp-http-server.js';
import { MAX_TOOL_ROUNDS, TOOL_LIMIT_TEXT } from '../../src/services/chat/tool-loop.js';
import { createChatProject, sseData } from './chat-setup.js';

type Json = Record<string, any>;

/** The fake upstream decides each reply from the request it is answering (the last logged one). */
function giveBrain(fake: ChatUpstreamFake): void {
  Object.defineProperty(fake, 'defaultReply', { configurable: true, get: () => brain(fake.lastChat!.body) });
}

function brain(body: Json): FakeReply {
  const messages: Json[] = body.messages;
  const offered = new Set<string>((body.tools ?? []).map((t: Json) => t.function.name));
  const call = (name: string, args: object): FakeReply =>
    offered.has(name) ? { content: '', toolCalls: [{ name, arguments: JSON.stringify(args) }] } : { content: `No tool ${name} was offered.` };
  if (messages.some((m) => m.role === 'user' && /loop forever/.test(m.content))) return call('add', { a: 1, b: 1 });
  const last = messages.at(-1)!;
  if (last.role === 'tool') return { content: `The tool said: ${last.content}` };
  const text = String(last.content ?? '');
  let m: RegExpExecArray | null;
  if ((m = /capital of (\w+)/i.exec(text))) return call('lookup_capital', { country: m[1] });
  if ((m = /add (\d+) and (\d+)/i.exec(text))) return call('add', { a: Number(m[1]), b: Number(m[2]) });
  if (/explode/.test(text)) return call('explode', {});
  if (/who are you/.test(text)) return call('whoami', {});
  if (/weather/.test(text)) return call('get_weather', { city: 'Paris' });
  return { content: 'A plain answer.' };
}

const WEATHER_TOOL = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

const toolNames = (req: { body: Json }) => (req.body.tools ?? []).map((t: Json) => t.function.name).sort();

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('MCP tools in chat', () => {
  let t: TestApp;
  let fake: ChatUpstreamFake;
  let httpMcp: McpHttpFixture;
  const P = '/v1/projects/org/tools';
  const stdioServer = (name = 'calc-stdio') => ({ name: 'calc', transport: 'stdio', ...fixtureCommand(), env: { MCP_FIXTURE_NAME: name } });

  const chat = (payload: object, headers: Record<string, string> = {}, project = P) =>
    t.app.inject({ method: 'POST', url: `${project}/chat/completions`, payload, headers });

  /** A project whose models are `default` (all servers), `m1` (`mcp_servers: []`) and `m2` (`['calc', 'ghost']`). */
  async function mcpProject(name: string, servers: object[]): Promise<Json> {
    const config = await createChatProject(t.app, 'org', name, { baseUrl: `${fake.url}/v1`, models: ['fake-model', 'fake-model', 'fake-model'] });
    config.mcp = { servers };
    config.runtime.models[1].mcp_servers = [];
    config.runtime.models[2].mcp_servers = ['calc', 'ghost'];
    await putConfig(name, config);
    return config;
  }

  async function putConfig(name: string, config: Json): Promise<void> {
    const put = await t.app.inject({ method: 'PUT', url: `/v1/projects/org/${name}`, payload: { config } });
    assert.equal(put.statusCode, 200, put.body);
  }

  /** The sub-events of the latest inference event of a project. */
  async function lastEvent(project = P): Promise<Json[]> {
    const [e] = json(await t.app.inject(`${project}/event_logs?type=inference&limit=1`)).events;
    return json(await t.app.inject(`${project}/event_logs/${e.event_id}`)).events;
  }

  before(async () => {
    fake = await ChatUpstreamFake.start();
    giveBrain(fake);
    httpMcp = await startMcpHttpServer('http', 'calc-http');
    t = await makeTestApp({ mcpAllowStdio: true });
    await mcpProject('tools', [stdioServer()]);
  });
  after(async () => {
    await t.close();
    await httpMcp.close();
    await fake.close();
  });

  test('non-stream: the server runs the MCP tool and the model answers from its result; history keeps the tool messages', async () => {
    const before = fake.chatRequests.length;
    const res = await chat({ messages: [{ role: 'user', content: 'What is the capital of France?' }] });
    assert.equal(res.statusCode, 200, res.body);
    const body = json(res);
    assert.deepEqual(body.choices[0].message, { role: 'assistant', content: 'The tool said: Paris' });
    assert.equal(body.choices[0].finish_reason, 'stop');
    assert.ok(body.usage.total_tokens > 0);

    const [first, second, ...more] = fake.chatRequests.slice(before);
    assert.equal(more.length, 0, 'two model rounds');
    assert.deepEqual(toolNames(first), ['add', 'explode', 'lookup_capital', 'whoami']);
    const lookup = first.body.tools.find((x: Json) => x.function.name === 'lookup_capital');
    assert.equal(lookup.type, 'function');
    assert.equal(lookup.function.description, 'The capital city of a country');
    assert.equal(lookup.function.parameters.properties.country.type, 'string');
    const [assistant, tool] = second.body.messages.slice(-2);
    assert.equal(assistant.role, 'assistant');
    assert.equal(assistant.tool_calls.length, 1);
    assert.equal(assistant.tool_calls[0].function.name, 'lookup_capital');
    assert.deepEqual(JSON.parse(assistant.tool_calls[0].function.arguments), { country: 'France' });
    assert.deepEqual(tool, { role: 'tool', tool_call_id: assistant.tool_calls[0].id, content: 'Paris' });

    const sid = res.headers['x-session-id'] as string;
    const history = json(await t.app.inject(`${P}/chat/sessions/${sid}/history`)).messages;
    assert.deepEqual(
      history.map((m: Json) => m.role),
      ['user', 'assistant', 'tool', 'assistant'],
    );
    assert.equal(history[1].tool_calls[0].id, assistant.tool_calls[0].id);
    assert.deepEqual(history[2], { role: 'tool', tool_call_id: assistant.tool_calls[0].id, content: 'Paris' });
    assert.equal(history[3].content, 'The tool said: Paris');

    // The tool call is a sub-event between the two model rounds.
    const events = await lastEvent();
    const names = events.map((e) => e.event_name);
    assert.deepEqual(names.filter((n) => n.startsWith('llm_inference') || n.startsWith('mcp')), [
      'llm_inference_start',
      'llm_inference_complete',
      'mcp_tool_call',
      'llm_inference_start',
      'llm_inference_complete',
    ]);
    const call = events.find((e) => e.event_name === 'mcp_tool_call')!.data;
    assert.equal(call.tool, 'lookup_capital');
    assert.equal(call.server, 'calc');
    assert.equal(call.ok, true);
    assert.equal(typeof call.tool_duration_ms, 'number');

    // The session goes on with the whole conversation sent to the model.
    const next = await chat({ messages: [{ role: 'user', content: 'Thanks!' }] }, { 'x-session-id': sid });
    assert.equal(next.statusCode, 200, next.body);
    assert.deepEqual(
      fake.lastChat!.body.messages.slice(1).map((m: Json) => m.role),
      ['user', 'assistant', 'tool', 'assistant', 'user'],
    );
  });

  test('stream: server tool deltas are replaced by one synthesised tool-call chunk, then the next round streams', async () => {
    const res = await chat({ messages: [{ role: 'user', content: 'capital of Kenya please' }], stream: true }, { 'x-no-session': '1' });
    assert.equal(res.statusCode, 200, res.body);
    const frames = sseData(res.body);
    assert.equal(frames.at(-1), '[DONE]');
    const chunks = frames.slice(0, -1);
    assert.equal(new Set(chunks.map((c) => c.id)).size, 1, 'one id for the whole answer');
    const withCalls = chunks.filter((c) => c.choices[0]?.delta.tool_calls);
    assert.equal(withCalls.length, 1, 'exactly one tool-call chunk');
    const delta = withCalls[0].choices[0].delta;
    assert.equal(delta.role, 'assistant');
    assert.equal(delta.tool_calls.length, 1);
    assert.deepEqual({ ...delta.tool_calls[0], id: 'x' }, { index: 0, id: 'x', type: 'function', function: { name: 'lookup_capital', arguments: '{"country":"Kenya"}' } });
    assert.ok(chunks.indexOf(withCalls[0]) < chunks.findIndex((c) => c.choices[0]?.delta.content), 'the tool call comes before the answer');
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    assert.equal(text, 'The tool said: Nairobi');
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'stop');
    const names = (await lastEvent()).map((e) => e.event_name);
    assert.ok(names.includes('mcp_tool_call') && names.at(-1) === 'stream_complete', names.join());
  });

  test('the official openai client: non-stream and stream answers informed by the tool', async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}${P}`;
    const client = new OpenAI({ baseURL: base, apiKey: 'not-needed', maxRetries: 0, timeout: 60_000 });
    const done = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'Please add 2 and 40' }] });
    assert.equal(done.choices[0].message.content, 'The tool said: 42');
    assert.equal(done.choices[0].finish_reason, 'stop');

    const stream = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'capital of Peru?' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    const calls: string[] = [];
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (!choice) continue;
      text += choice.delta.content ?? '';
      for (const c of choice.delta.tool_calls ?? []) calls.push(c.function?.name ?? '');
      if (choice.finish_reason) finish = choice.finish_reason;
    }
    assert.equal(text, 'The tool said: Lima');
    assert.deepEqual(calls, ['lookup_capital']);
    assert.equal(finish, 'stop');
    assert.ok(usage && usage.total_tokens > 0, 'usage of both rounds');
  });

  test("per-model mcp_servers: [] offers no tools; a list offers its servers' tools and reports unknown names", async () => {
    const res = await chat({ model: 'm1', messages: [{ role: 'user', content: 'capital of Japan?' }] }, { 'x-no-session': '1' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(json(res).choices[0].message.content, 'No tool lookup_capital was offered.');
    assert.equal('tools' in fake.lastChat!.body, false, 'no tools field sent upstream');

    const before = fake.chatRequests.length;
    const res2 = await chat({ model: 'm2', messages: [{ role: 'user', content: 'capital of Japan?' }] }, { 'x-no-session': '1' });
    assert.equal(json(res2).choices[0].message.content, 'The tool said: Tokyo');
    assert.deepEqual(toolNames(fake.chatRequests[before]), ['add', 'explode', 'lookup_capital', 'whoami']);
    const ghost = (await lastEvent()).find((e) => e.event_name === 'mcp_server_unavailable');
    assert.deepEqual(ghost?.data, { server: 'ghost', error: 'not configured in mcp.servers' });
  });

  test('client tools come back as tool_calls; a reply calling both kinds runs the server one and returns the client one', async () => {
    const before = fake.chatRequests.length;
    const clientAdd = { type: 'function', function: { name: 'add', description: 'a client tool that clashes' } };
    const res = await chat({ messages: [{ role: 'user', content: "What's the weather?" }], tools: [WEATHER_TOOL, clientAdd] }, { 'x-no-session': '1' });
    assert.equal(res.statusCode, 200, res.body);
    const choice = json(res).choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, null);
    assert.equal(choice.message.tool_calls[0].function.name, 'get_weather');
    assert.equal(fake.chatRequests.length, before + 1, 'one model round');
    assert.deepEqual(toolNames(fake.lastChat!), ['add', 'explode', 'get_weather', 'lookup_capital', 'whoami'], 'the server tool wins a name clash');

    const streamed = sseData((await chat({ messages: [{ role: 'user', content: 'weather now' }], tools: [WEATHER_TOOL], stream: true }, { 'x-no-session': '1' })).body);
    const calls = streamed.filter((c) => c !== '[DONE]' && c.choices[0]?.delta.tool_calls);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].choices[0].delta.tool_calls[0].function.name, 'get_weather');
    assert.equal(streamed.at(-2).choices[0].finish_reason, 'tool_calls');

    // Both kinds in one reply.
    fake.script({ content: '', toolCalls: [{ name: 'lookup_capital', arguments: '{"country":"Peru"}' }, { name: 'get_weather', arguments: '{"city":"Lima"}' }] });
    const mixed = await chat({ messages: [{ role: 'user', content: 'Capital and its weather?' }], tools: [WEATHER_TOOL] });
    const msg = json(mixed).choices[0].message;
    assert.deepEqual(msg.tool_calls.map((c: Json) => c.function.name), ['get_weather']);
    assert.equal(json(mixed).choices[0].finish_reason, 'tool_calls');
    const sid = mixed.headers['x-session-id'] as string;
    const history = json(await t.app.inject(`${P}/chat/sessions/${sid}/history`)).messages;
    assert.deepEqual(history.map((m: Json) => m.role), ['user', 'assistant', 'tool', 'assistant']);
    assert.equal(history[1].tool_calls[0].function.name, 'lookup_capital');
    assert.equal(history[2].content, 'Lima');
    assert.equal(history[3].tool_calls[0].function.name, 'get_weather');
    // The client answers its call; the conversation goes on.
    const answer = await chat(
      { messages: [{ role: 'tool', tool_call_id: msg.tool_calls[0].id, content: 'Sunny' }], tools: [WEATHER_TOOL] },
      { 'x-session-id': sid },
    );
    assert.equal(json(answer).choices[0].message.content, 'The tool said: Sunny');

    // Streamed: the server call's synthesised chunk, then the client call's, finish tool_calls.
    fake.script({ content: '', toolCalls: [{ name: 'lookup_capital', arguments: '{"country":"Peru"}' }, { name: 'get_weather', arguments: '{"city":"Lima"}' }] });
    const frames = sseData((await chat({ messages: [{ role: 'user', content: 'Both?' }], tools: [WEATHER_TOOL], stream: true }, { 'x-no-session': '1' })).body);
    const deltas = frames.filter((c) => c !== '[DONE]' && c.choices[0]?.delta.tool_calls).map((c) => c.choices[0].delta.tool_calls[0]);
    assert.deepEqual(deltas.map((d: Json) => [d.index, d.function.name]), [[0, 'lookup_capital'], [1, 'get_weather']]);
    assert.equal(frames.at(-2).choices[0].finish_reason, 'tool_calls');
  });

  test(`the loop stops after ${MAX_TOOL_ROUNDS} model rounds with the fixed text`, async () => {
    const before = fake.chatRequests.length;
    const res = await chat({ messages: [{ role: 'user', content: 'loop forever' }] });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(json(res).choices[0].message, { role: 'assistant', content: TOOL_LIMIT_TEXT });
    assert.equal(json(res).choices[0].finish_reason, 'stop');
    assert.equal(fake.chatRequests.length - before, MAX_TOOL_ROUNDS);
    const events = await lastEvent();
    assert.equal(events.filter((e) => e.event_name === 'mcp_tool_call').length, MAX_TOOL_ROUNDS);
    const history = json(await t.app.inject(`${P}/chat/sessions/${res.headers['x-session-id']}/history`)).messages;
    assert.equal(history.length, 1 + 2 * MAX_TOOL_ROUNDS + 1, 'every call answered, then the fixed text');
    assert.equal(history.at(-1).content, TOOL_LIMIT_TEXT);

    const streamed = sseData((await chat({ messages: [{ role: 'user', content: 'loop forever' }], stream: true }, { 'x-no-session': '1' })).body).slice(0, -1);
    const indices = streamed.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).map((c: Json) => c.index);
    assert.deepEqual(indices, [...Array(MAX_TOOL_ROUNDS).keys()], 'tool-call indices continue across rounds');
    assert.equal(streamed.map((c) => c.choices[0]?.delta.content ?? '').join(''), TOOL_LIMIT_TEXT);
  });

  test('failing tools and bad arguments go back to the model as the tool message, not as an error response', async () => {
    const res = await chat({ messages: [{ role: 'user', content: 'explode please' }] }, { 'x-no-session': '1' });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(json(res).choices[0].message.content, /^The tool said: .*boom: the tool failed on purpose/);
    const call = (await lastEvent()).find((e) => e.event_name === 'mcp_tool_call')!.data;
    assert.equal(call.ok, false);
    assert.match(call.error, /boom/);

    const unknown = await chat({ messages: [{ role: 'user', content: 'capital of Atlantis' }] }, { 'x-no-session': '1' });
    assert.equal(json(unknown).choices[0].message.content, 'The tool said: Unknown country: Atlantis');

    fake.script({ content: '', toolCalls: [{ name: 'add', arguments: '{not json' }] });
    const bad = await chat({ messages: [{ role: 'user', content: 'Hi' }] }, { 'x-no-session': '1' });
    assert.match(json(bad).choices[0].message.content, /^The tool said: Error: the arguments are not valid JSON/);
  });

  test('stdio servers run in the project folder with the configured env; a config change reconnects', async () => {
    const who = async () => JSON.parse(json(await chat({ messages: [{ role: 'user', content: 'who are you' }] }, { 'x-no-session': '1' })).choices[0].message.content.replace('The tool said: ', ''));
    const first = await who();
    assert.equal(first.name, 'calc-stdio');
    assert.equal(realpathSync(first.cwd), realpathSync(t.ctx.layout.projectDir('org', 'tools')));
    assert.equal((await who()).session, first.session, 'the connection is reused');

    const config = json(await t.app.inject('/v1/projects/org/tools')).project.config;
    config.mcp.servers[0].env.MCP_FIXTURE_NAME = 'renamed';
    await putConfig('tools', config);
    const after = await who();
    assert.equal(after.name, 'renamed');
    assert.notEqual(after.session, first.session);
  });

  test('Streamable HTTP transport with headers; unreachable servers degrade to their tools being absent', async () => {
    const down = await closedPort();
    await mcpProject('remote', [
      { name: 'calc', transport: 'http', base_url: httpMcp.url, headers: { 'x-api-key': 'secret' } },
      { name: 'down', transport: 'http', base_url: `http://127.0.0.1:${down}/mcp` },
      { name: 'broken', transport: 'stdio', command: '/nonexistent/mcp-server' },
    ]);
    const R = '/v1/projects/org/remote';
    const before = fake.chatRequests.length;
    const res = await chat({ messages: [{ role: 'user', content: 'capital of France' }] }, { 'x-no-session': '1' }, R);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(json(res).choices[0].message.content, 'The tool said: Paris');
    assert.deepEqual(toolNames(fake.chatRequests[before]), ['add', 'explode', 'lookup_capital', 'whoami']);
    assert.ok(httpMcp.headers.some((h) => h['x-api-key'] === 'secret'), 'configured headers sent');
    const unavailable = (await lastEvent(R)).filter((e) => e.event_name === 'mcp_server_unavailable').map((e) => e.data.server);
    assert.deepEqual(unavailable.sort(), ['broken', 'down']);

    const who = await chat({ messages: [{ role: 'user', content: 'who are you' }] }, { 'x-no-session': '1' }, R);
    assert.match(json(who).choices[0].message.content, /"name":"calc-http"/);

    const del = await t.app.inject({ method: 'DELETE', url: R });
    assert.equal(del.statusCode, 200, del.body);
  });
});
