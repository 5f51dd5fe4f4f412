/** Runs the MCP transport conformance suite over stdio (a child process), Streamable HTTP and HTTP+SSE. */
import { startMcpHttpServer } from '../fixtures/mcp-http-server.js';
import { fixtureCommand } from '../fixtures/mcp-stdio-server.js';
import { mcpTransportConformance } from './mcp-transports.js';

mcpTransportConformance('stdio', async () => ({
  server: { name: 'calc', transport: 'stdio', ...fixtureCommand() },
  cleanup: async () => undefined,
}));

for (const kind of ['http', 'sse'] as const) {
  mcpTransportConformance(kind, async () => {
    const fixture = await startMcpHttpServer(kind);
    return { server: { name: 'calc', transport: kind, base_url: fixture.url }, cleanup: () => fixture.close() };
  });
}
