/**
 * The server-side tools of one turn: what the provider (the project's MCP servers) offered, and running the calls
 * the model makes to them. Each call becomes an `mcp_tool_call` sub-event of the `inference` event and a `tool`
 * message for the model; a failing tool is an error text for the model to read, never a failed request.
 */
import type { ChatMessage, ToolCall, ToolDefinition } from '../../adapters/runtimes/types.js';
import type { InferenceEvent } from './inference-event.js';
import type { ChatToolProvider, ToolCallOutcome, ToolContext, ToolOffer } from './types.js';

export class TurnTools {
  private readonly servers: Map<string, string>;

  private constructor(
    private readonly provider: ChatToolProvider | undefined,
    private readonly ctx: ToolContext,
    private readonly event: InferenceEvent,
    offer: ToolOffer,
  ) {
    this.servers = new Map(offer.tools.map((t) => [t.definition.function.name, t.server]));
    this.definitions = offer.tools.map((t) => t.definition);
  }

  /** The offered tools, OpenAI format. */
  readonly definitions: ToolDefinition[];

  /** Asks the provider for this turn's tools; servers it could not reach are recorded on the event. */
  static async offer(provider: ChatToolProvider | undefined, ctx: ToolContext, event: InferenceEvent, signal: AbortSignal): Promise<TurnTools> {
    const offer = provider ? await provider.tools(ctx, signal) : { tools: [], unavailable: [] };
    for (const u of offer.unavailable) event.toolServerUnavailable(u.server, u.error);
    return new TurnTools(provider, ctx, event, offer);
  }

  get size(): number {
    return this.servers.size;
  }

  /** Whether the server runs calls to `name` (otherwise the call is the client's). */
  has(name: string): boolean {
    return this.servers.has(name);
  }

  /** Runs one call and answers the `tool` message for it. Throws only when `signal` aborts. */
  async run(call: ToolCall, signal: AbortSignal): Promise<ChatMessage> {
    const name = call.function.name;
    const started = performance.now();
    const args = parseArguments(call.function.arguments);
    const outcome: ToolCallOutcome =
      typeof args === 'string' || !this.provider ? { content: `Error: ${typeof args === 'string' ? args : 'no tool provider'}`, isError: true } : await this.provider.call(this.ctx, name, args, signal);
    signal.throwIfAborted();
    this.event.toolCall({
      name,
      server: this.servers.get(name) ?? null,
      durationMs: performance.now() - started,
      ok: !outcome.isError,
      ...(outcome.isError ? { error: outcome.content.slice(0, 500) } : {}),
    });
    return { role: 'tool', tool_call_id: call.id, content: outcome.content };
  }
}

/** The call's JSON arguments as an object, or why they are not one. */
function parseArguments(text: string): Record<string, unknown> | string {
  if (!text.trim()) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return `the arguments are not valid JSON (${e instanceof Error ? e.message : String(e)})`;
  }
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : 'the arguments must be a JSON object';
}
