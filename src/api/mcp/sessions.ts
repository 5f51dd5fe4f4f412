/**
 * Streamable HTTP sessions (MCP 2025-06-18): an `initialize` POST without `Mcp-Session-Id` opens a session with
 * its own transport and `Server`; later POSTs, the GET event stream and DELETE carry the id. Unknown ids get 404,
 * other requests without one 400 (JSON-RPC error bodies, as the SDK's own examples answer).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

export const SESSION_HEADER = 'mcp-session-id';

export class McpSessions {
  private readonly transports = new Map<string, StreamableHTTPServerTransport>();

  constructor(
    private readonly newServer: () => Server,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Open sessions. */
  get size(): number {
    return this.transports.size;
  }

  /** Answers one request to `/mcp` (POST, GET or DELETE). */
  async handle(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const header = req.headers[SESSION_HEADER];
    const sessionId = Array.isArray(header) ? header[0] : header;
    let transport: StreamableHTTPServerTransport | undefined;
    if (sessionId) {
      transport = this.transports.get(sessionId);
      if (!transport) return rpcError(reply, 404, -32001, 'Session not found');
    } else if (req.method === 'POST' && isInitializeRequest(req.body)) {
      transport = await this.open();
    } else {
      return rpcError(reply, 400, -32000, 'Bad Request: no valid session id (Mcp-Session-Id); start with an initialize request');
    }
    // The transport writes the raw response; keep the headers hooks already set (CORS), and let browser clients
    // read the session id.
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value);
    if (req.headers.origin) reply.raw.setHeader('access-control-expose-headers', 'Mcp-Session-Id');
    reply.hijack();
    try {
      await transport.handleRequest(req.raw, reply.raw, req.method === 'POST' ? req.body : undefined);
    } catch (err) {
      this.log.error({ err }, 'MCP request failed');
      if (!reply.raw.headersSent) reply.raw.writeHead(500, { 'content-type': 'application/json' });
      if (!reply.raw.writableEnded) reply.raw.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null }));
    }
  }

  /** Closes every session (their open event streams end), e.g. before the app closes. */
  async closeAll(): Promise<void> {
    const open = [...this.transports.values()];
    this.transports.clear();
    await Promise.allSettled(open.map((t) => t.close()));
  }

  private async open(): Promise<StreamableHTTPServerTransport> {
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        this.transports.set(id, transport);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) this.transports.delete(transport.sessionId);
    };
    await this.newServer().connect(transport);
    return transport;
  }
}

function rpcError(reply: FastifyReply, status: number, code: number, message: string): void {
  void reply.code(status).send({ jsonrpc: '2.0', error: { code, message }, id: null });
}
