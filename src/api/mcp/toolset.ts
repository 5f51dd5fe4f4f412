/**
 * The MCP tools: one per captured operation, named by its operationId. Results come back as
 * `structuredContent` plus the same JSON as a text block; failures as `isError` results whose text is
 * `{"status": <HTTP status>, "detail": <the HTTP API's detail>}`.
 */
import type { Ajv } from 'ajv';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { McpOperation } from './operations.js';
import { forClients } from './input-schema.js';
import { OperationRunner, responseSchema, successStatus, type CallContext } from './run-operation.js';

export class McpToolset {
  private readonly runners = new Map<string, OperationRunner>();

  /** `operations` is read when tools are first listed or called (after the routes are registered). */
  constructor(
    private readonly operations: readonly McpOperation[],
    private readonly ajv: Ajv,
  ) {}

  list(): Tool[] {
    return this.operations.map(describeTool);
  }

  has(name: string): boolean {
    return this.operations.some((o) => o.operationId === name);
  }

  /** Runs the tool; an unknown name throws (callers answer it as a protocol error). */
  async call(name: string, args: Record<string, unknown> | undefined, call: CallContext): Promise<CallToolResult> {
    const runner = this.runner(name);
    if (!runner) throw new Error(`Unknown tool: ${name}`);
    const outcome = await runner.run(args ?? {}, call);
    if (!outcome.ok) return errorResult(outcome.status, outcome.detail);
    const text = JSON.stringify(outcome.body);
    const structured = isRecord(outcome.body) ? { structuredContent: outcome.body } : {};
    return { content: [{ type: 'text', text }], ...structured };
  }

  private runner(name: string): OperationRunner | undefined {
    let runner = this.runners.get(name);
    if (!runner) {
      const op = this.operations.find((o) => o.operationId === name);
      if (!op) return undefined;
      runner = new OperationRunner(op, this.ajv);
      this.runners.set(name, runner);
    }
    return runner;
  }
}

const UPLOAD_NOTE = 'As a tool: give the file as `filename` and `content` (text, or base64 with `content_encoding: "base64"`).';

function describeTool(op: McpOperation): Tool {
  const output = responseSchema(op, successStatus(op));
  const readOnly = op.method === 'GET';
  return {
    name: op.operationId,
    title: op.summary,
    description: [op.summary, op.description, op.input.partSchemas.file ? UPLOAD_NOTE : undefined].filter(Boolean).join('\n\n') || `${op.method} ${op.url}`,
    inputSchema: op.input.inputSchema,
    ...(output?.type === 'object' ? { outputSchema: forClients(output) as Tool['outputSchema'] } : {}),
    annotations: {
      readOnlyHint: readOnly,
      destructiveHint: op.method === 'DELETE' || op.method === 'PUT',
      idempotentHint: readOnly || op.method === 'PUT' || op.method === 'DELETE',
      openWorldHint: false,
    },
  };
}

function errorResult(status: number, detail: unknown): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: JSON.stringify({ status, detail }) }] };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
