/** MCP servers as chat tools: the pool chat uses, the transport registry, and the naming rule. */
export { McpClientPool, resultText, type McpClientPoolOptions } from './pool.js';
export { createTransport, MCP_TRANSPORTS, type McpTransportName } from './registry.js';
export { exposeToolNames, sanitizeToolName, type NamedTool } from './tool-names.js';
