/**
 * MCP transport name (`mcp.servers[].transport`) → SDK client transport factory:
 * - `stdio`: spawns `command args…` with the SDK's safe default environment plus the server's `env`, in the
 *   project's folder; the child's stderr is piped (kept for error messages, never mixed into ours);
 * - `http`: Streamable HTTP to `base_url` (alias `url`) with `headers`;
 * - `sse`: the older HTTP+SSE transport to `base_url` (alias `url`) with `headers`.
 */
import type { Readable } from 'node:stream';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpServerConfig } from '../../config/schema.js';

export type McpTransportName = McpServerConfig['transport'];

export interface TransportOptions {
  /** Working directory of stdio servers (the project's folder); default: this process's. */
  cwd?: string;
  /** Receives the stdio server's stderr text. */
  onStderr?: (text: string) => void;
}

type Factory = (server: McpServerConfig, o: TransportOptions) => Transport;

const FACTORIES: Record<McpTransportName, Factory> = {
  stdio: (s, o) => {
    if (!s.command) throw new Error(`MCP server '${s.name}': transport stdio needs a command`);
    const t = new StdioClientTransport({ command: s.command, args: s.args ?? [], env: s.env, cwd: o.cwd, stderr: 'pipe' });
    (t.stderr as Readable | null)?.on('data', (b: Buffer) => o.onStderr?.(b.toString('utf8')));
    return t;
  },
  http: (s) => new StreamableHTTPClientTransport(serverUrl(s), { requestInit: { headers: s.headers ?? {} } }),
  sse: (s) => new SSEClientTransport(serverUrl(s), { requestInit: { headers: s.headers ?? {} } }),
};

export const MCP_TRANSPORTS = Object.keys(FACTORIES) as McpTransportName[];

export function createTransport(server: McpServerConfig, o: TransportOptions = {}): Transport {
  const factory = FACTORIES[server.transport];
  if (!factory) throw new Error(`MCP server '${server.name}': unknown transport '${String(server.transport)}' (known: ${MCP_TRANSPORTS.join(', ')})`);
  return factory(server, o);
}

function serverUrl(s: McpServerConfig): URL {
  const alias = (s as { url?: unknown }).url;
  const raw = s.base_url ?? (typeof alias === 'string' ? alias : undefined);
  if (!raw) throw new Error(`MCP server '${s.name}': transport ${s.transport} needs a base_url`);
  try {
    return new URL(raw);
  } catch {
    throw new Error(`MCP server '${s.name}': base_url '${raw}' is not a URL`);
  }
}
