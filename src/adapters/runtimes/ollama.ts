/**
 * Ollama: requests go to its OpenAI-compatible `/v1`, except when the request sets `think`. Then they go to the
 * native `/api/chat` with Ollama's own `think` option (the only switch every thinking-capable Ollama version
 * understands) and the reply's `message.thinking` comes back as `thinking`. The native call also carries
 * `top_k` and `extra_body.n_ctx` (as `num_ctx`), which `/v1` has no field for.
 */
import { OpenAICompatibleRuntime, wireMessage } from './openai-compatible.js';
import { samplingParams, withoutLoadOptions } from './params.js';
import { ThinkSplitter } from './think-splitter.js';
import { newToolCallId, toolCallsAsDeltas } from './tool-calls.js';
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

type Json = Record<string, unknown>;

/** `OLLAMA_HOST` as Ollama reads it: `host`, `host:port` or a URL; default `http://localhost:11434`. */
export function ollamaHost(env: NodeJS.ProcessEnv = process.env): string {
  const raw = (env.OLLAMA_HOST ?? '').trim();
  if (!raw) return 'http://localhost:11434';
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  try {
    const u = new URL(withScheme);
    if (!u.port && !/^[a-z][a-z0-9+.-]*:\/\/[^/]*:\d+/i.test(withScheme)) u.port = u.protocol === 'https:' ? '443' : '11434';
    if (u.hostname === '0.0.0.0') u.hostname = '127.0.0.1';
    return u.toString().replace(/\/+$/, '');
  } catch {
    return 'http://localhost:11434';
  }
}

export interface OllamaOptions {
  baseUrl: string;
  apiKey?: string;
  timeoutMs?: number;
}

/** llama.cpp-style load keys in `extra_body` and their Ollama option names. */
const OLLAMA_OPTION_NAMES: Record<string, string> = {
  n_ctx: 'num_ctx',
  n_batch: 'num_batch',
  n_gpu_layers: 'num_gpu',
  n_threads: 'num_thread',
  use_mmap: 'use_mmap',
};

export class OllamaRuntime implements ChatRuntime {
  readonly provider = 'ollama';
  private readonly v1: OpenAICompatibleRuntime;
  private readonly nativeUrl: string;

  constructor(
    private readonly config: ModelConfig,
    private readonly options: OllamaOptions,
  ) {
    // Ollama's OpenAI-compatible API lives under /v1; a base URL given without it means the server root.
    const root = options.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
    const base = `${root}/v1`;
    this.v1 = new OpenAICompatibleRuntime(config, { provider: 'ollama', baseUrl: base, apiKey: options.apiKey, timeoutMs: options.timeoutMs, thinkField: 'none' });
    this.nativeUrl = `${root}/api/chat`;
  }

  complete(req: ChatRequest, o: RuntimeCallOptions): Promise<ChatResult> {
    return req.think === undefined ? this.v1.complete(req, o) : this.nativeComplete(req, o);
  }

  stream(req: ChatRequest, o: RuntimeCallOptions): AsyncIterable<ChatDelta> {
    return req.think === undefined ? this.v1.stream(req, o) : this.nativeStream(req, o);
  }

  /** The native `/api/chat` body. */
  nativeBody(req: ChatRequest, stream: boolean): Json {
    const p = samplingParams(this.config, req);
    const options: Json = {};
    for (const [k, v] of Object.entries({ ...(this.config.extra_body ?? {}), ...(req.extra ?? {}) })) {
      if (OLLAMA_OPTION_NAMES[k]) options[OLLAMA_OPTION_NAMES[k]] = v;
    }
    if (p.max_tokens !== undefined) options.num_predict = p.max_tokens;
    for (const k of ['temperature', 'top_p', 'top_k', 'min_p', 'seed', 'stop', 'presence_penalty', 'frequency_penalty'] as const) {
      if (p[k] !== undefined) options[k] = p[k];
    }
    const passthrough = { ...withoutLoadOptions(this.config.extra_body), ...withoutLoadOptions(req.extra) };
    const body: Json = {
      ...pick(passthrough, ['keep_alive', 'format']),
      model: req.model || this.config.model,
      messages: nativeMessages(req.messages),
      stream,
      think: req.think,
    };
    if (req.tools?.length) body.tools = req.tools;
    if (Object.keys(options).length) body.options = options;
    return body;
  }

  private async nativeComplete(req: ChatRequest, o: RuntimeCallOptions): Promise<ChatResult> {
    const call = this.call(o);
    const res = await call.post(this.nativeBody(req, false), this.headers());
    const j = (await call.json(res)) as Json;
    if (typeof j.error === 'string') throw new RuntimeError(`ollama upstream ${call.url} failed: ${j.error}`, call.url, res.status);
    const msg = (j.message ?? {}) as Json;
    const split = new ThinkSplitter();
    const a = split.push(typeof msg.content === 'string' ? msg.content : '');
    const b = split.end();
    const calls = nativeToolCalls(msg.tool_calls);
    const result: ChatResult = {
      model: typeof j.model === 'string' ? j.model : this.config.model,
      content: a.content + b.content,
      finish_reason: doneReason(j.done_reason, calls.length > 0),
    };
    const thinking = (typeof msg.thinking === 'string' ? msg.thinking : '') + a.thinking + b.thinking;
    if (thinking) result.thinking = thinking;
    if (calls.length) result.tool_calls = calls;
    const usage = nativeUsage(j);
    if (usage) result.usage = usage;
    return result;
  }

  private async *nativeStream(req: ChatRequest, o: RuntimeCallOptions): AsyncGenerator<ChatDelta> {
    const call = this.call(o);
    const res = await call.post(this.nativeBody(req, true), this.headers());
    const split = new ThinkSplitter();
    let toolIndex = 0;
    let final: Json | undefined;
    let first = true;
    try {
      for await (const line of call.lines(res)) {
        const piece = call.parsePiece(line);
        const msg = (piece.message ?? {}) as Json;
        const text = split.push(typeof msg.content === 'string' ? msg.content : '');
        const out: ChatDelta = {};
        const thinking = (typeof msg.thinking === 'string' ? msg.thinking : '') + text.thinking;
        if (text.content) out.content = text.content;
        if (thinking) out.thinking = thinking;
        const calls = nativeToolCalls(msg.tool_calls);
        if (calls.length) {
          out.tool_calls = toolCallsAsDeltas(calls, toolIndex);
          toolIndex += calls.length;
        }
        if (out.content || out.thinking || out.tool_calls) {
          if (first && typeof piece.model === 'string') out.model = piece.model;
          first = false;
          yield out;
        }
        if (piece.done === true) {
          final = piece;
          break;
        }
      }
    } finally {
      call.finish();
    }
    if (!final) throw call.truncated();
    const rest = split.end();
    if (rest.content || rest.thinking) yield { ...(rest.content ? { content: rest.content } : {}), ...(rest.thinking ? { thinking: rest.thinking } : {}) };
    const usage = nativeUsage(final);
    const finish = doneReason(final.done_reason, toolIndex > 0);
    yield usage ? { finish_reason: finish, usage } : { finish_reason: finish };
  }

  private headers(): Record<string, string> {
    return this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {};
  }

  private call(o: RuntimeCallOptions): UpstreamCall {
    return new UpstreamCall('ollama', this.nativeUrl, o.signal, this.options.timeoutMs ?? runtimeTimeoutMs());
  }
}

/** OpenAI messages → Ollama's: tool-call arguments are objects, tool results name their tool. */
export function nativeMessages(messages: ChatMessage[]): Json[] {
  const callNames = new Map<string, string>();
  for (const m of messages) for (const c of m.tool_calls ?? []) callNames.set(c.id, c.function.name);
  return messages.map((m) => {
    const out = wireMessage(m);
    out.content = m.content ?? '';
    if (m.tool_calls?.length) {
      out.tool_calls = m.tool_calls.map((c) => ({ function: { name: c.function.name, arguments: parseArgs(c.function.arguments) } }));
    }
    if (m.role === 'tool' || m.role === 'function') {
      const name = m.name ?? (m.tool_call_id ? callNames.get(m.tool_call_id) : undefined);
      if (name) out.tool_name = name;
      delete out.tool_call_id;
      out.role = 'tool';
    }
    return out;
  });
}

function parseArgs(s: string): unknown {
  try {
    return JSON.parse(s || '{}');
  } catch {
    return {};
  }
}

function nativeToolCalls(v: unknown): ToolCall[] {
  if (!Array.isArray(v)) return [];
  return v.map((c: Json) => {
    const f = (c.function ?? {}) as Json;
    return {
      id: typeof c.id === 'string' && c.id ? c.id : newToolCallId(),
      type: 'function' as const,
      function: {
        name: typeof f.name === 'string' ? f.name : '',
        arguments: typeof f.arguments === 'string' ? f.arguments : JSON.stringify(f.arguments ?? {}),
      },
    };
  });
}

function doneReason(v: unknown, hasToolCalls: boolean): ChatResult['finish_reason'] {
  if (hasToolCalls) return 'tool_calls';
  return v === 'length' ? 'length' : 'stop';
}

function nativeUsage(j: Json): Usage | undefined {
  const p = j.prompt_eval_count;
  const c = j.eval_count;
  if (typeof p !== 'number' && typeof c !== 'number') return undefined;
  const prompt = typeof p === 'number' ? p : 0;
  const completion = typeof c === 'number' ? c : 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function pick(o: Json, keys: string[]): Json {
  const out: Json = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
