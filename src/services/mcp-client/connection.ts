/**
 * One MCP server as a client sees it: connected on first use, reconnected after the server goes away, its tool
 * list cached for `toolsTtlMs` (and dropped early when the server announces `tools/list_changed`). Concurrent
 * callers share one connection attempt and one listing; a caller's abort only stops its own wait.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { McpServerConfig } from '../../config/schema.js';
import { createTransport } from './registry.js';
import { raceAbort } from '../../core/abort.js';
import { upstreamErrorMessage } from '../../core/upstream-error.js';

export interface ConnectionOptions {
  clientName: string;
  clientVersion: string;
  /** stdio servers' working directory. */
  cwd?: string;
  connectTimeoutMs: number;
  callTimeoutMs: number;
  toolsTtlMs: number;
  /** Logs a line of the server's stderr, or a lifecycle message. */
  log: (msg: string) => void;
}

const STDERR_TAIL = 2000;

export class McpConnection {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private listing: { at: number; tools: Promise<Tool[]> } | undefined;
  private stderrTail = '';
  private closed = false;

  constructor(
    readonly server: McpServerConfig,
    private readonly o: ConnectionOptions,
  ) {}

  get name(): string {
    return this.server.name;
  }

  /** The server's tools (cached). Throws when the server cannot be reached. */
  async tools(signal: AbortSignal): Promise<Tool[]> {
    const fresh = this.listing && Date.now() - this.listing.at < this.o.toolsTtlMs;
    if (!fresh) {
      const tools = this.listAll();
      this.listing = { at: Date.now(), tools };
      // A failed listing is not cached.
      tools.catch(() => {
        if (this.listing?.tools === tools) this.listing = undefined;
      });
    }
    return raceAbort(this.listing!.tools, signal);
  }

  async call(tool: string, args: Record<string, unknown>, signal: AbortSignal): Promise<CallToolResult> {
    const client = await raceAbort(this.connect(), signal);
    const r = await client.callTool({ name: tool, arguments: args }, undefined, { signal, timeout: this.o.callTimeoutMs });
    // Servers of protocol 2024-10-07 answer `{toolResult}`; give it the current shape.
    if (!Array.isArray(r.content)) return { content: [{ type: 'text', text: JSON.stringify(r.toolResult ?? r) }] };
    return r as CallToolResult;
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = this.connecting;
    this.connecting = undefined;
    this.listing = undefined;
    const client = this.client ?? (await pending?.catch(() => undefined)); // a failed connect has no client to close
    this.client = undefined;
    // Streamable HTTP: end the server-side session too (a DELETE; servers that do not support it answer 405).
    const transport = client?.transport;
    // Best effort: the session may already be gone on the server, the client already closed.
    if (transport instanceof StreamableHTTPClientTransport) await transport.terminateSession().catch(() => undefined);
    await client?.close().catch(() => undefined);
  }

  private async listAll(): Promise<Tool[]> {
    const client = await this.connect();
    const out: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: this.o.callTimeoutMs });
      out.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  private connect(): Promise<Client> {
    if (this.closed) return Promise.reject(new Error(`MCP server '${this.name}' was closed`));
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<Client> {
    this.stderrTail = '';
    const transport = createTransport(this.server, {
      cwd: this.o.cwd,
      onStderr: (text) => {
        this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL);
        for (const line of text.split('\n')) if (line.trim()) this.o.log(`[${this.name}] ${line}`);
      },
    });
    const client = new Client({ name: this.o.clientName, version: this.o.clientVersion });
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      this.listing = undefined;
    });
    try {
      await client.connect(transport, { timeout: this.o.connectTimeoutMs });
    } catch (e) {
      await client.close().catch(() => undefined); // best effort cleanup; the connect error is thrown below
      const stderr = this.stderrTail.trim();
      throw new Error(`${errorText(e)}${stderr ? ` (stderr: ${stderr.slice(-500)})` : ''}`, { cause: e });
    }
    if (this.closed) {
      await client.close().catch(() => undefined); // best effort cleanup before saying it was closed
      throw new Error(`MCP server '${this.name}' was closed`);
    }
    client.onclose = () => {
      // The server went away (process exit, HTTP session gone): the next use reconnects.
      if (this.client === client) {
        this.client = undefined;
        this.listing = undefined;
        if (!this.closed) this.o.log(`[${this.name}] connection closed`);
      }
    };
    this.client = client;
    this.o.log(`[${this.name}] connected (${this.server.transport})`);
    return client;
  }
}

export function errorText(e: unknown): string {
  return withoutUpstreamBody(e instanceof Error ? e.message : String(e));
}

/**
 * The SDK puts an HTTP server's whole error body into its messages (`Error POSTing to endpoint: <body>`): keep
 * only a JSON-RPC / OpenAI-shaped `error.message` of it (decision 0113).
 */
function withoutUpstreamBody(message: string): string {
  const m = /^([\s\S]*?Error POSTing to endpoint(?: \(HTTP \d+\))?): ?([\s\S]*)$/.exec(message);
  if (!m) return message;
  const short = upstreamErrorMessage(m[2].trim());
  return short ? `${m[1]}: ${short}` : m[1];
}
