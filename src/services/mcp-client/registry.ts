/**
 * MCP transport name (`mcp.servers[].transport`) → SDK client transport factory:
 * - `stdio`: spawns `command args…` without a shell, in the project's folder, with a minimal environment
 *   (`PATH`, `HOME`, locale… — never the server's secrets) plus the server's own `env` (decision 0110); the
 *   child's stderr is piped (kept for error messages, never mixed into ours);
 * - `http`: Streamable HTTP to `base_url` (alias `url`) with `headers`;
 * - `sse`: the older HTTP+SSE transport to `base_url` (alias `url`) with `headers`.
 * HTTP transports connect through `outboundFetch` (decision 0112); `${VAR}` references in `env` and `headers`
 * are resolved here, at use time (decision 0111).
 */
import type { Readable } from 'node:stream';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpServerConfig } from '../../config/schema.js';
import { resolveEnvRefs } from '../../config/secrets.js';
import { outboundFetch, urlRefusal } from '../../core/outbound.js';

export type McpTransportName = McpServerConfig['transport'];

export interface TransportOptions {
  /** Working directory of stdio servers (the project's folder); default: this process's. */
  cwd?: string;
  /** Receives the stdio server's stderr text. */
  onStderr?: (text: string) => void;
  /** The environment references and the minimal environment are read from (tests); default `process.env`. */
  baseEnv?: Record<string, string | undefined>;
}

/**
 * What a stdio server inherits from the server's environment: where programs are, who and where the user is,
 * the locale and the temp folder. Nothing else (no API keys, database URLs, LF_* settings): a server that needs
 * more names it in its own `env` (possibly as `${VAR}` references).
 */
export const INHERITED_ENV = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TERM', 'LANG', 'LANGUAGE', 'LC_ALL', 'LC_CTYPE', 'TMPDIR', 'TZ', 'SYSTEMROOT', 'WINDIR', 'TEMP', 'TMP', 'USERPROFILE', 'APPDATA', 'LOCALAPPDATA', 'PATHEXT', 'COMSPEC'];

export function minimalEnvironment(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of INHERITED_ENV) {
    const v = env[k];
    if (v !== undefined && !v.startsWith('()')) out[k] = v;
  }
  return out;
}

function headersOf(s: McpServerConfig, o: TransportOptions): Record<string, string> {
  return resolveEnvRefs({ headers: s.headers ?? {} }, o.baseEnv ?? process.env).headers;
}

type Factory = (server: McpServerConfig, o: TransportOptions) => Transport;

const FACTORIES: Record<McpTransportName, Factory> = {
  stdio: (s, o) => {
    if (!s.command) throw new Error(`MCP server '${s.name}': transport stdio needs a command`);
    const env = { ...minimalEnvironment(o.baseEnv ?? process.env), ...resolveEnvRefs({ env: s.env ?? {} }, o.baseEnv ?? process.env).env };
    const t = new StdioClientTransport({ command: s.command, args: s.args ?? [], env, cwd: o.cwd, stderr: 'pipe' });
    (t.stderr as Readable | null)?.on('data', (b: Buffer) => o.onStderr?.(b.toString('utf8')));
    return t;
  },
  http: (s, o) => new StreamableHTTPClientTransport(serverUrl(s), { requestInit: { headers: headersOf(s, o) }, fetch: outboundFetch }),
  sse: (s, o) => new SSEClientTransport(serverUrl(s), { requestInit: { headers: headersOf(s, o) }, fetch: outboundFetch }),
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
  const refusal = urlRefusal(raw);
  if (refusal) throw new Error(`MCP server '${s.name}': base_url refused: ${refusal}`);
  return new URL(raw);
}
