/**
 * The document Swagger UI (`/docs`) shows. Swagger UI lists an operation once per tag, so the reference's `mcp`
 * tag beside a resource tag showed every MCP operation twice. `/openapi.json` keeps the tag (the contract); the
 * UI's copy moves it to an `x-mcp-tool: true` extension and a note in the summary.
 */
import { MCP_TAG } from './mcp/index.js';

interface Operation {
  tags?: string[];
  summary?: string;
  [key: string]: unknown;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** Rewrites `doc` (already a clone) in place and returns it. */
export function swaggerUiSpecification(doc: Record<string, any>): Record<string, any> {
  for (const item of Object.values<Record<string, unknown>>(doc.paths ?? {})) {
    for (const [method, value] of Object.entries(item)) {
      const op = value as Operation;
      if (!METHODS.has(method) || !op.tags?.includes(MCP_TAG) || op.tags.length < 2) continue;
      op.tags = op.tags.filter((tag) => tag !== MCP_TAG);
      op['x-mcp-tool'] = true;
      op.summary = `${op.summary ?? ''} (also an MCP tool)`.trim();
    }
  }
  return doc;
}
