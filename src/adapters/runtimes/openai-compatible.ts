/**
 * Any OpenAI-compatible `/chat/completions` server (OpenAI, vLLM, llama.cpp server, LM Studio, Lemonade,
 * Ollama's `/v1`), spoken with fetch + an SSE parser rather than the `openai` package: that client ends a stream
 * silently when it is aborted and its timeout stops at the response headers, while we need an abort to reject
 * and a stream to time out when it goes quiet.
 *
 * Reasoning comes back separated from content whatever the server does: `reasoning_content` (vLLM, llama.cpp,
 * DeepSeek), `reasoning` (Ollama, OpenRouter), `thinking`, or an inline `<think>…</think>` block at the start.
 */
import { samplingParams, withoutLoadOptions } from './params.js';
import { ThinkSplitter } from './think-splitter.js';
import type { ToolCallDelta } from './tool-calls.js';
import {
  RuntimeError,
  type ChatDelta,
  type ChatMessage,
  type ChatRequest,
  type ChatResult,
  type ChatRuntime,
  type ModelConfig,
  type RuntimeCallOptions,
  type ToolCall,
  type Usage,
} from './types.js';
import { UpstreamCall, runtimeTimeoutMs } from './upstream.js';

export interface OpenAICompatibleOptions {
  provider: string;
  /** Base URL ending in `/v1` (or wherever `/chat/completions` lives). */
  baseUrl: string;
  apiKey?: string;
  timeoutMs?: number;
  /**
   * How `think` reaches the server: `chat_template_kwargs` (`{enable_thinking}`: vLLM, llama.cpp server, SGLang)
   * or `none`. Default: `none` for api.openai.com (it rejects unknown fields), else `chat_template_kwargs`.
   */
  thinkField?: 'chat_template_kwargs' | 'none';
}

type Json = Record<string, unknown>;

export class OpenAICompatibleRuntime implements ChatRuntime {
  readonly provider: string;
  private readonly baseUrl: string;
  private readonly official: boolean;

  constructor(
    private readonly config: ModelConfig,
    private readonly options: OpenAICompatibleOptions,
  ) {
    this.provider = options.provider;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.official = /^https:\/\/api\.openai\.com(\/|$)/.test(this.baseUrl);
  }

  async complete(req: ChatRequest, o: RuntimeCallOptions): Promise<ChatResult> {
    const call = this.call(o);
    const res = await call.post(this.body(req, false), this.headers());
    const j = (await call.json(res)) as Json;
    const choice = firstChoice(j);
    if (!choice) throw new RuntimeError(`${this.provider} upstream ${call.url} answered without choices`, call.url, res.status);
    const msg = (choice.message ?? {}) as Json;
    const split = new ThinkSplitter();
    const a = split.push(typeof msg.content === 'string' ? msg.content : '');
    const b = split.end();
    const toolCalls = wholeToolCalls(msg.tool_calls);
    const result: ChatResult = {
      model: typeof j.model === 'string' ? j.model : this.modelId(req),
      content: a.content + b.content,
      finish_reason: finishReason(choice.finish_reason, toolCalls.length > 0),
    };
    if (typeof j.id === 'string') result.id = j.id;
    const thinking = reasoningOf(msg) + a.thinking + b.thinking;
    if (thinking) result.thinking = thinking;
    if (toolCalls.length) result.tool_calls = toolCalls;
    const usage = usageOf(j.usage);
    if (usage) result.usage = usage;
    return result;
  }

  async *stream(req: ChatRequest, o: RuntimeCallOptions): AsyncGenerator<ChatDelta> {
    const call = this.call(o);
    const res = await call.post(this.body(req, true), this.headers());
    const split = new ThinkSplitter();
    let finish: ChatResult['finish_reason'] | undefined;
    let sawToolCalls = false;
    let usage: Usage | undefined;
    let first = true;
    try {
      for await (const data of call.sseData(res)) {
        const chunk = call.parsePiece(data);
        const u = usageOf(chunk.usage);
        if (u) usage = u;
        const choice = firstChoice(chunk);
        if (!choice) continue;
        const delta = (choice.delta ?? {}) as Json;
        const out: ChatDelta = {};
        const piece = split.push(typeof delta.content === 'string' ? delta.content : '');
        const thinking = reasoningOf(delta) + piece.thinking;
        if (piece.content) out.content = piece.content;
        if (thinking) out.thinking = thinking;
        const calls = toolCallDeltas(delta.tool_calls);
        if (calls.length) {
          out.tool_calls = calls;
          sawToolCalls = true;
        }
        if (choice.finish_reason) finish = finishReason(choice.finish_reason, sawToolCalls);
        if (out.content || out.thinking || out.tool_calls) {
          if (first) {
            if (typeof chunk.id === 'string') out.id = chunk.id;
            if (typeof chunk.model === 'string') out.model = chunk.model;
            first = false;
          }
          yield out;
        }
      }
    } finally {
      call.finish();
    }
    if (!finish) throw call.truncated();
    const rest = split.end();
    if (rest.content || rest.thinking) yield { ...(rest.content ? { content: rest.content } : {}), ...(rest.thinking ? { thinking: rest.thinking } : {}) };
    yield usage ? { finish_reason: finish, usage } : { finish_reason: finish };
  }

  /** The request body: extra_body < model_api_parameters < request extras < the request's own fields. */
  body(req: ChatRequest, stream: boolean): Json {
    const body: Json = {
      ...withoutLoadOptions(this.config.extra_body),
      ...withoutLoadOptions(this.config.model_api_parameters),
      ...withoutLoadOptions(req.extra),
    };
    delete body.max_completion_tokens;
    const p = samplingParams(this.config, req);
    body.model = this.modelId(req);
    body.messages = req.messages.map(wireMessage);
    for (const [k, v] of Object.entries(p)) body[k] = v;
    if (this.official) {
      // OpenAI itself: max_tokens is deprecated (rejected by reasoning models) and top_k is not a field.
      if (p.max_tokens !== undefined) body.max_completion_tokens = p.max_tokens;
      delete body.max_tokens;
      delete body.top_k;
      delete body.min_p;
    }
    if (req.tools?.length) body.tools = req.tools;
    if (req.tool_choice !== undefined) body.tool_choice = req.tool_choice;
    if (req.think !== undefined) this.applyThink(body, req.think);
    body.stream = stream;
    if (stream) body.stream_options = { ...((body.stream_options as Json | undefined) ?? {}), include_usage: true };
    else delete body.stream_options;
    return body;
  }

  private applyThink(body: Json, think: boolean): void {
    const field = this.options.thinkField ?? (this.official ? 'none' : 'chat_template_kwargs');
    if (field === 'chat_template_kwargs') {
      body.chat_template_kwargs = { ...((body.chat_template_kwargs as Json | undefined) ?? {}), enable_thinking: think };
    }
  }

  private modelId(req: ChatRequest): string {
    return req.model || this.config.model;
  }

  private headers(): Record<string, string> {
    return this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {};
  }

  private call(o: RuntimeCallOptions): UpstreamCall {
    return new UpstreamCall(this.provider, `${this.baseUrl}/chat/completions`, o.signal, this.options.timeoutMs ?? runtimeTimeoutMs());
  }
}

export function wireMessage(m: ChatMessage): Json {
  const out: Json = { role: m.role, content: m.content };
  if (m.name) out.name = m.name;
  if (m.tool_calls?.length) out.tool_calls = m.tool_calls;
  if (m.tool_call_id) out.tool_call_id = m.tool_call_id;
  return out;
}

function firstChoice(j: Json): Json | undefined {
  const choices = j.choices;
  if (!Array.isArray(choices) || choices.length === 0) return undefined;
  return (choices.find((c: Json) => (c?.index ?? 0) === 0) ?? choices[0]) as Json;
}

/** Reasoning text in whichever field the server uses. */
export function reasoningOf(m: Json): string {
  for (const k of ['reasoning_content', 'reasoning', 'thinking']) {
    const v = m[k];
    if (typeof v === 'string' && v) return v;
  }
  return '';
}

export function finishReason(v: unknown, hasToolCalls: boolean): ChatResult['finish_reason'] {
  if (v === 'length' || v === 'content_filter' || v === 'tool_calls') return v;
  if (v === 'function_call') return 'tool_calls';
  return hasToolCalls ? 'tool_calls' : 'stop';
}

export function usageOf(v: unknown): Usage | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const u = v as Json;
  const prompt = typeof u.prompt_tokens === 'number' ? u.prompt_tokens : undefined;
  const completion = typeof u.completion_tokens === 'number' ? u.completion_tokens : undefined;
  if (prompt === undefined && completion === undefined) return undefined;
  const total = typeof u.total_tokens === 'number' ? u.total_tokens : (prompt ?? 0) + (completion ?? 0);
  return { prompt_tokens: prompt ?? 0, completion_tokens: completion ?? 0, total_tokens: total };
}

function wholeToolCalls(v: unknown): ToolCall[] {
  if (!Array.isArray(v)) return [];
  return v.map((c: Json, i) => {
    const f = (c.function ?? {}) as Json;
    const args = f.arguments;
    return {
      id: typeof c.id === 'string' && c.id ? c.id : `call_${i}`,
      type: 'function' as const,
      function: {
        name: typeof f.name === 'string' ? f.name : '',
        arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}),
      },
    };
  });
}

function toolCallDeltas(v: unknown): ToolCallDelta[] {
  if (!Array.isArray(v)) return [];
  return v.map((c: Json, i) => {
    const f = (c.function ?? {}) as Json;
    const d: ToolCallDelta = { index: typeof c.index === 'number' ? c.index : i };
    if (typeof c.id === 'string' && c.id) d.id = c.id;
    if (c.type === 'function') d.type = 'function';
    const fn: NonNullable<ToolCallDelta['function']> = {};
    if (typeof f.name === 'string' && f.name) fn.name = f.name;
    if (typeof f.arguments === 'string') fn.arguments = f.arguments;
    else if (f.arguments && typeof f.arguments === 'object') fn.arguments = JSON.stringify(f.arguments);
    if (fn.name !== undefined || fn.arguments !== undefined) d.function = fn;
    return d;
  });
}
