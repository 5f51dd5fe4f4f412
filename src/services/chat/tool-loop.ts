/**
 * The tool loop of a chat turn (original §3.3 step 6): while the model calls server-side (MCP) tools, run
 * them, append the assistant message with those calls and one `tool` message per result, and call the model
 * again — at most `MAX_TOOL_ROUNDS` model calls, after which the answer is `TOOL_LIMIT_TEXT`. Calls to the
 * client's own tools end the turn: they are returned as OpenAI `tool_calls` (finish_reason `tool_calls`). When
 * one reply calls both kinds, the server's are run and recorded, and the client's are returned.
 *
 * Streams: with server tools on offer, tool-call deltas are held back until the round ends; server calls are then
 * sent as one synthesised chunk (`delta: {role, tool_calls}`, indices continuing across rounds) before their
 * results go to the next round, and the client's calls follow as one chunk. Content streams as it comes.
 */
import { ResultCollector } from '../../adapters/runtimes/collect.js';
import { toolCallsAsDeltas } from '../../adapters/runtimes/tool-calls.js';
import type { ChatDelta, ChatMessage, ChatRequest, ChatResult, ChatRuntime, ToolCall, Usage } from '../../adapters/runtimes/types.js';
import type { InferenceEvent } from './inference-event.js';
import type { ChunkBuilder } from './responses.js';
import type { TurnTools } from './server-tools.js';
import type { ChatCompletionChunk } from './types.js';

export const MAX_TOOL_ROUNDS = 10;
export const TOOL_LIMIT_TEXT = "I've reached the maximum number of tool calls. Please try rephrasing your request.";

export interface ToolLoopSpec {
  runtime: ChatRuntime;
  /** The first round's request (tools already merged in). */
  request: ChatRequest;
  tools: TurnTools;
  event: InferenceEvent;
  /** The configured model name (for events). */
  modelName: string;
}

export class ToolLoop {
  /** What the loop added to the conversation, in order: assistant messages with server calls and their results. */
  readonly added: ChatMessage[] = [];
  /** Chunks `stream` yielded so far. */
  sent = 0;
  private usage: Usage | undefined;
  /** The last round still asked for server tools: the answer is `TOOL_LIMIT_TEXT`. */
  private limited = false;

  constructor(private readonly spec: ToolLoopSpec) {}

  async complete(signal: AbortSignal): Promise<ChatResult> {
    const { runtime, event } = this.spec;
    for (let round = 1; ; round++) {
      event.inferenceStart(this.spec.modelName, runtime.provider);
      const result = await runtime.complete(this.request(round), { signal });
      event.inferenceDone(result);
      const next = await this.afterRound(result, round, signal);
      if (next) return next;
    }
  }

  /** Yields the answer's chunks (not the finish chunk) and returns the final result. */
  async *stream(builder: ChunkBuilder, signal: AbortSignal): AsyncGenerator<ChatCompletionChunk, ChatResult> {
    const { runtime, event, tools } = this.spec;
    const holdCalls = tools.size > 0;
    let index = 0;
    for (let round = 1; ; round++) {
      event.inferenceStart(this.spec.modelName, runtime.provider);
      const collector = new ResultCollector(this.spec.request.model);
      for await (const d of runtime.stream(this.request(round), { signal })) {
        collector.add(d);
        const chunk = builder.delta(holdCalls ? withoutToolCalls(d) : d);
        if (chunk) {
          event.token();
          this.sent++;
          yield chunk;
        }
      }
      const result = collector.result();
      event.inferenceDone(result);
      const { server, client } = this.split(result.tool_calls);
      if (holdCalls && server.length) {
        this.sent++;
        yield toolCallChunk(builder, server, index);
        index += server.length;
      }
      const next = await this.afterRound(result, round, signal);
      if (!next) continue;
      const last = [...(holdCalls && client.length ? [toolCallChunk(builder, client, index)] : []), ...(this.limited ? [builder.delta({ content: TOOL_LIMIT_TEXT })!] : [])];
      for (const chunk of last) {
        this.sent++;
        yield chunk;
      }
      return next;
    }
  }

  /** Runs the round's server calls; answers the turn's result when the turn ends here, undefined to go on. */
  private async afterRound(result: ChatResult, round: number, signal: AbortSignal): Promise<ChatResult | undefined> {
    this.usage = addUsage(this.usage, result.usage);
    const usage = this.usage ? { usage: this.usage } : {};
    const { server, client } = this.split(result.tool_calls);
    if (!server.length) return { ...result, ...usage };
    this.added.push({ role: 'assistant', content: client.length ? null : result.content || null, tool_calls: server });
    for (const call of server) this.added.push(await this.spec.tools.run(call, signal));
    if (client.length) return { ...result, ...usage, tool_calls: client, finish_reason: 'tool_calls' };
    if (round < MAX_TOOL_ROUNDS) return undefined;
    this.limited = true;
    const { tool_calls: _dropped, thinking: _thinking, thinking_tokens: _tokens, ...rest } = result;
    return { ...rest, ...usage, content: TOOL_LIMIT_TEXT, finish_reason: 'stop' };
  }

  private split(calls: ToolCall[] | undefined): { server: ToolCall[]; client: ToolCall[] } {
    const all = calls ?? [];
    return { server: all.filter((c) => this.spec.tools.has(c.function.name)), client: all.filter((c) => !this.spec.tools.has(c.function.name)) };
  }

  /** The request of a round: the conversation so far; a forced tool choice only applies to the first round. */
  private request(round: number): ChatRequest {
    const first = this.spec.request;
    if (round === 1) return first;
    const req: ChatRequest = { ...first, messages: [...first.messages, ...this.added] };
    if (req.tool_choice !== undefined && req.tool_choice !== 'auto' && req.tool_choice !== 'none') delete req.tool_choice;
    return req;
  }
}

function withoutToolCalls(d: ChatDelta): ChatDelta {
  if (!d.tool_calls) return d;
  const { tool_calls: _held, ...rest } = d;
  return rest;
}

/** Whole calls in one chunk, as the spec's synthesised tool-call chunk: `delta: {role: 'assistant', tool_calls}`. */
function toolCallChunk(builder: ChunkBuilder, calls: ToolCall[], firstIndex: number): ChatCompletionChunk {
  const chunk = builder.delta({ tool_calls: toolCallsAsDeltas(calls, firstIndex) })!;
  chunk.choices[0].delta = { role: 'assistant', ...chunk.choices[0].delta };
  return chunk;
}

function addUsage(a: Usage | undefined, b: Usage | undefined): Usage | undefined {
  if (!a || !b) return a ?? b;
  return {
    prompt_tokens: a.prompt_tokens + b.prompt_tokens,
    completion_tokens: a.completion_tokens + b.completion_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  };
}
