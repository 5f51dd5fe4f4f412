/**
 * The project's MCP servers (`mcp.servers[]`) as chat tools. Connections are made on first use and kept, keyed by
 * project and server config: a config edit that changes or removes a server closes its connection the next time
 * the project is used, and a project deletion or `close()` closes them at once. Which servers a model may use is
 * its `mcp_servers` list (absent: all; `[]`: none). A server that cannot be reached costs the turn nothing but
 * its tools: it is reported as unavailable, logged, and tried again after `retryAfterMs`.
 */
import type { Logger } from 'pino';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolDefinition } from '../../adapters/runtimes/types.js';
import type { McpServerConfig } from '../../config/schema.js';
import type { ChatToolProvider, ToolCallOutcome, ToolContext, ToolOffer } from '../chat/types.js';
import { McpConnection, errorText } from './connection.js';
import { exposeToolNames, type NamedTool } from './tool-names.js';

export interface McpClientPoolOptions {
  log?: Pick<Logger, 'warn' | 'info' | 'debug'>;
  /** Working directory of a project's stdio servers (its folder); default: this process's. */
  projectDir?: (namespace: string, project: string) => string;
  /** Sent to servers as the client version. */
  version?: string;
  /** Connect and initialise (default 10 s). */
  connectTimeoutMs?: number;
  /** One tools/list or tools/call request (default 60 s). */
  callTimeoutMs?: number;
  /** How long a server's tool list is reused (default 5 min). */
  toolsTtlMs?: number;
  /** How long a server that failed is left alone before the next attempt (default 30 s). */
  retryAfterMs?: number;
}

interface Entry {
  conn: McpConnection;
  failure?: { at: number; error: string };
}

/** A listed tool and the connection that runs it. */
interface ListedTool {
  name: string;
  spec: Tool;
  conn: McpConnection;
}

interface Resolved {
  named: NamedTool<ListedTool>[];
  unavailable: ToolOffer['unavailable'];
}

export class McpClientPool implements ChatToolProvider {
  /** `ns/project` → server key → connection. */
  private readonly projects = new Map<string, Map<string, Entry>>();
  private readonly o: Required<Omit<McpClientPoolOptions, 'log' | 'projectDir'>>;

  constructor(private readonly opts: McpClientPoolOptions = {}) {
    this.o = {
      version: opts.version ?? '0.0.0',
      connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
      callTimeoutMs: opts.callTimeoutMs ?? 60_000,
      toolsTtlMs: opts.toolsTtlMs ?? 5 * 60_000,
      retryAfterMs: opts.retryAfterMs ?? 30_000,
    };
  }

  async tools(ctx: ToolContext, signal: AbortSignal): Promise<ToolOffer> {
    const { named, unavailable } = await this.resolve(ctx, signal);
    return { tools: named.map((t) => ({ server: t.server, definition: toDefinition(t) })), unavailable };
  }

  async call(ctx: ToolContext, name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<ToolCallOutcome> {
    const { named } = await this.resolve(ctx, signal);
    const target = named.find((t) => t.name === name);
    if (!target) return { content: `Error: no MCP tool named '${name}' is available`, isError: true };
    try {
      const r = await target.tool.conn.call(target.tool.name, args, signal);
      return { content: resultText(r), isError: r.isError === true };
    } catch (e) {
      if (signal.aborted) throw e;
      return { content: `Error: MCP server '${target.server}' failed to run '${target.tool.name}': ${errorText(e)}`, isError: true };
    }
  }

  /** Closes a project's connections (project deleted). */
  async closeProject(namespace: string, project: string): Promise<void> {
    const map = this.projects.get(projectKey(namespace, project));
    this.projects.delete(projectKey(namespace, project));
    await Promise.all([...(map?.values() ?? [])].map((e) => e.conn.close()));
  }

  async close(): Promise<void> {
    const all = [...this.projects.values()].flatMap((m) => [...m.values()]);
    this.projects.clear();
    await Promise.all(all.map((e) => e.conn.close()));
  }

  /** The model's servers' tools, named for the offer; unreachable servers listed apart. */
  private async resolve(ctx: ToolContext, signal: AbortSignal): Promise<Resolved> {
    const entries = this.sync(ctx);
    const allowed = ctx.model.mcp_servers;
    const configured = ctx.config.mcp?.servers ?? [];
    const servers = allowed ? configured.filter((s) => allowed.includes(s.name)) : configured;
    const unavailable: Resolved['unavailable'] = (allowed ?? [])
      .filter((n) => !configured.some((s) => s.name === n))
      .map((server) => ({ server, error: 'not configured in mcp.servers' }));
    type Listing = { server: string; tools: ListedTool[] } | { server: string; error: string };
    const listings = await Promise.all(
      servers.map(async (s): Promise<Listing> => {
        const entry = entries.get(serverKey(s))!;
        const since = entry.failure ? Date.now() - entry.failure.at : Infinity;
        if (since < this.o.retryAfterMs) return { server: s.name, error: entry.failure!.error };
        try {
          const tools = await entry.conn.tools(signal);
          entry.failure = undefined;
          return { server: s.name, tools: tools.map((spec): ListedTool => ({ name: spec.name, spec, conn: entry.conn })) };
        } catch (e) {
          if (signal.aborted) throw e;
          const error = errorText(e);
          entry.failure = { at: Date.now(), error };
          this.opts.log?.warn({ namespace: ctx.namespace, project: ctx.project, server: s.name, err: error }, `MCP server '${s.name}' is unavailable; chat continues without its tools`);
          return { server: s.name, error };
        }
      }),
    );
    for (const l of listings) if ('error' in l) unavailable.push({ server: l.server, error: l.error });
    const named = exposeToolNames(listings.flatMap((l) => ('tools' in l ? [{ server: l.server, tools: l.tools }] : [])));
    return { named, unavailable };
  }

  /** The project's connections for its current config: new servers get one, changed or removed ones are closed. */
  private sync(ctx: ToolContext): Map<string, Entry> {
    const entries = this.entries(ctx.namespace, ctx.project);
    const servers = ctx.config.mcp?.servers ?? [];
    const wanted = new Set(servers.map(serverKey));
    for (const [key, entry] of entries) {
      if (wanted.has(key)) continue;
      entries.delete(key);
      void entry.conn.close();
    }
    for (const s of servers) {
      const key = serverKey(s);
      if (!entries.has(key)) entries.set(key, { conn: this.connection(ctx, s) });
    }
    return entries;
  }

  private entries(namespace: string, project: string): Map<string, Entry> {
    const key = projectKey(namespace, project);
    let map = this.projects.get(key);
    if (!map) {
      map = new Map();
      this.projects.set(key, map);
    }
    return map;
  }

  private connection(ctx: ToolContext, server: McpServerConfig): McpConnection {
    const log = this.opts.log;
    return new McpConnection(server, {
      clientName: 'llamafarm',
      clientVersion: this.o.version,
      cwd: this.opts.projectDir?.(ctx.namespace, ctx.project),
      connectTimeoutMs: this.o.connectTimeoutMs,
      callTimeoutMs: this.o.callTimeoutMs,
      toolsTtlMs: this.o.toolsTtlMs,
      log: (msg) => log?.debug({ namespace: ctx.namespace, project: ctx.project }, `MCP ${msg}`),
    });
  }
}

const projectKey = (namespace: string, project: string) => `${namespace}/${project}`;
const serverKey = (s: McpServerConfig) => JSON.stringify(s);

function toDefinition(t: NamedTool<ListedTool>): ToolDefinition {
  const description = t.tool.spec.description ?? t.tool.spec.title;
  return {
    type: 'function',
    function: { name: t.name, ...(description ? { description } : {}), parameters: t.tool.spec.inputSchema as Record<string, unknown> },
  };
}

/** A tool result as message text: text parts joined; other parts named; structured content when nothing else. */
export function resultText(r: CallToolResult): string {
  const parts = r.content.map((c) => {
    switch (c.type) {
      case 'text':
        return c.text;
      case 'resource':
        return 'text' in c.resource && typeof c.resource.text === 'string' ? c.resource.text : `[resource ${c.resource.uri}]`;
      case 'resource_link':
        return `[resource ${c.uri}]`;
      default:
        return `[${c.type} ${c.mimeType}]`;
    }
  });
  if (!parts.length && r.structuredContent) return JSON.stringify(r.structuredContent);
  return parts.join('\n');
}
