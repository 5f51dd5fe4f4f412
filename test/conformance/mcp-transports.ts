/**
 * The MCP transport conformance suite: the client pool must work the same over every transport of
 * `mcp.servers[].transport` (stdio, http, sse), against the fixture server (`test/fixtures/mcp-stdio-server.ts`).
 *
 *   mcpTransportConformance('stdio', async () => ({ server, cleanup }));
 *
 * `server` is the `mcp.servers[]` entry (named `calc`) reaching a fresh fixture server; `cleanup` stops it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { McpServerConfig, ModelConfig, ProjectConfig } from '../../src/config/schema.js';
import { McpClientPool } from '../../src/services/mcp-client/index.js';
import type { ToolContext } from '../../src/services/chat/types.js';

export interface McpTransportHarness {
  server: McpServerConfig;
  cleanup(): Promise<void>;
}

export function toolContext(servers: McpServerConfig[], model: Partial<ModelConfig> = {}, project = 'p'): ToolContext {
  const m = { name: 'default', provider: 'openai', model: 'fake-model', ...model } as ModelConfig;
  const config = { version: 'v1', name: project, namespace: 'ns', runtime: { models: [m] }, mcp: { servers } } as unknown as ProjectConfig;
  return { namespace: 'ns', project, config, model: m };
}

const signal = () => AbortSignal.timeout(30_000);

export function mcpTransportConformance(transport: string, open: () => Promise<McpTransportHarness>): void {
  describe(`MCP transport conformance: ${transport}`, () => {
    let h: McpTransportHarness;
    let pool: McpClientPool;
    let ctx: ToolContext;

    before(async () => {
      h = await open();
      assert.equal(h.server.transport, transport);
      pool = new McpClientPool({ connectTimeoutMs: 20_000 });
      ctx = toolContext([h.server]);
    });
    after(async () => {
      await pool?.close();
      await h?.cleanup();
    });

    test('lists the server tools as OpenAI function tools with their JSON schemas', async () => {
      const offer = await pool.tools(ctx, signal());
      assert.deepEqual(offer.unavailable, []);
      assert.deepEqual(offer.tools.map((t) => t.definition.function.name).sort(), ['add', 'explode', 'lookup_capital', 'whoami']);
      assert.ok(offer.tools.every((t) => t.server === 'calc' && t.definition.type === 'function'));
      const add = offer.tools.find((t) => t.definition.function.name === 'add')!.definition.function;
      assert.equal(add.description, 'Adds two numbers');
      const params = add.parameters as { type: string; properties: Record<string, { type: string }>; required: string[] };
      assert.equal(params.type, 'object');
      assert.equal(params.properties.a.type, 'number');
      assert.deepEqual([...params.required].sort(), ['a', 'b']);
    });

    test('runs calls: results as text, tool errors and thrown errors as isError outcomes', async () => {
      assert.deepEqual(await pool.call(ctx, 'add', { a: 2, b: 40 }, signal()), { content: '42', isError: false });
      assert.deepEqual(await pool.call(ctx, 'lookup_capital', { country: 'Japan' }, signal()), { content: 'Tokyo', isError: false });
      assert.deepEqual(await pool.call(ctx, 'lookup_capital', { country: 'Atlantis' }, signal()), { content: 'Unknown country: Atlantis', isError: true });
      const boom = await pool.call(ctx, 'explode', {}, signal());
      assert.equal(boom.isError, true);
      assert.match(boom.content, /boom: the tool failed on purpose/);
      const invalid = await pool.call(ctx, 'add', { a: 'two' }, signal());
      assert.equal(invalid.isError, true);
      assert.match(invalid.content, /validation|invalid/i);
      const unknown = await pool.call(ctx, 'nope', {}, signal());
      assert.deepEqual(unknown, { content: "Error: no MCP tool named 'nope' is available", isError: true });
    });

    test('reuses one connection: the server keeps its state between calls', async () => {
      const a = JSON.parse((await pool.call(ctx, 'whoami', {}, signal())).content);
      const b = JSON.parse((await pool.call(ctx, 'whoami', {}, signal())).content);
      assert.equal(a.session, b.session, 'same server session');
    });

    test('an aborted call rejects; a closed project reconnects on the next use', async () => {
      const ac = new AbortController();
      ac.abort(new Error('client gone'));
      await assert.rejects(pool.call(ctx, 'add', { a: 1, b: 1 }, ac.signal), /client gone/);
      const before = JSON.parse((await pool.call(ctx, 'whoami', {}, signal())).content);
      await pool.closeProject('ns', 'p');
      const again = JSON.parse((await pool.call(ctx, 'whoami', {}, signal())).content);
      assert.notEqual(again.session, before.session, 'a new server session after closeProject');
      assert.deepEqual(await pool.call(ctx, 'add', { a: 1, b: 2 }, signal()), { content: '3', isError: false });
    });
  });
}
