/**
 * McpClientPool over real Streamable HTTP fixture servers: name clashes across servers, per-model server lists,
 * failure backoff and retry, config changes and project closing.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { McpClientPool } from '../../src/services/mcp-client/index.js';
import { startMcpHttpServer, type McpHttpFixture } from '../fixtures/mcp-http-server.js';
import { toolContext } from '../conformance/mcp-transports.js';

const signal = () => AbortSignal.timeout(20_000);

describe('McpClientPool', () => {
  let one: McpHttpFixture;
  let two: McpHttpFixture;
  const pools: McpClientPool[] = [];
  const pool = (o: ConstructorParameters<typeof McpClientPool>[0] = {}) => {
    const p = new McpClientPool(o);
    pools.push(p);
    return p;
  };

  before(async () => {
    one = await startMcpHttpServer('http', 'one');
    two = await startMcpHttpServer('http', 'two');
  });
  after(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await one.close();
    await two.close();
  });

  test('tools that clash across servers are offered as <server>__<tool>, and calls reach the right server', async () => {
    const p = pool();
    const ctx = toolContext([
      { name: 'alpha', transport: 'http', base_url: one.url },
      { name: 'beta', transport: 'http', base_url: two.url },
    ]);
    const offer = await p.tools(ctx, signal());
    assert.deepEqual(
      offer.tools.map((t) => `${t.server}:${t.definition.function.name}`),
      ['alpha:alpha__add', 'alpha:alpha__lookup_capital', 'alpha:alpha__explode', 'alpha:alpha__whoami', 'beta:beta__add', 'beta:beta__lookup_capital', 'beta:beta__explode', 'beta:beta__whoami'],
    );
    assert.equal(JSON.parse((await p.call(ctx, 'beta__whoami', {}, signal())).content).name, 'two');
    assert.equal(JSON.parse((await p.call(ctx, 'alpha__whoami', {}, signal())).content).name, 'one');
    assert.equal((await p.call(ctx, 'whoami', {}, signal())).isError, true, 'the plain name is not offered');
  });

  test("a model's mcp_servers selects servers: [] none, a list those (unknown names reported)", async () => {
    const p = pool();
    const servers = [
      { name: 'alpha', transport: 'http' as const, base_url: one.url },
      { name: 'beta', transport: 'http' as const, base_url: two.url },
    ];
    assert.deepEqual(await p.tools(toolContext(servers, { mcp_servers: [] }), signal()), { tools: [], unavailable: [] });
    const some = await p.tools(toolContext(servers, { mcp_servers: ['beta', 'gamma'] }), signal());
    assert.deepEqual(some.tools.map((t) => t.definition.function.name), ['add', 'lookup_capital', 'explode', 'whoami']);
    assert.ok(some.tools.every((t) => t.server === 'beta'));
    assert.deepEqual(some.unavailable, [{ server: 'gamma', error: 'not configured in mcp.servers' }]);
  });

  test('a failed server is left alone for retryAfterMs, then tried again', async () => {
    const broken = [{ name: 'alpha', transport: 'http' as const, base_url: `${one.url}/missing` }];
    const patient = pool({ retryAfterMs: 60_000 });
    const first = await patient.tools(toolContext(broken), signal());
    assert.equal(first.tools.length, 0);
    assert.equal(first.unavailable[0].server, 'alpha');
    const seen = one.headers.length;
    const second = await patient.tools(toolContext(broken), signal());
    assert.deepEqual(second.unavailable, first.unavailable, 'the remembered failure');
    assert.equal(one.headers.length, seen, 'no new attempt');

    const eager = pool({ retryAfterMs: 0 });
    await eager.tools(toolContext(broken), signal());
    const before = one.headers.length;
    await eager.tools(toolContext(broken), signal());
    assert.ok(one.headers.length > before, 'tried again');
  });

  test('a changed server entry gets a new connection; closeProject drops them', async () => {
    const p = pool();
    const who = async (ctx: ReturnType<typeof toolContext>) => JSON.parse((await p.call(ctx, 'whoami', {}, signal())).content);
    const open = one.sessions;
    const a = await who(toolContext([{ name: 'calc', transport: 'http', base_url: one.url }]));
    assert.equal(a.name, 'one');
    assert.equal(one.sessions, open + 1);
    const b = await who(toolContext([{ name: 'calc', transport: 'http', base_url: two.url }]));
    assert.equal(b.name, 'two', 'the edited entry is used');
    for (let i = 0; i < 200 && one.sessions > open; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(one.sessions, open, 'the old connection ended its session');
    const b2 = await who(toolContext([{ name: 'calc', transport: 'http', base_url: two.url }]));
    assert.equal(b2.session, b.session, 'and kept');
    await p.closeProject('ns', 'p');
    const b3 = await who(toolContext([{ name: 'calc', transport: 'http', base_url: two.url }]));
    assert.notEqual(b3.session, b.session);
  });
});
