import { AdapterError } from '../../core/adapter-error.js';

/** OpenAI-shaped chat messages as our runtimes see them. */
export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function';
  content: string | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  /** Stored history only: the answer stopped early because the client disconnected mid-stream. */
  interrupted?: boolean;
}

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ToolDefinition {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export interface ChatRequest {
  /** Provider model id (e.g. `llama3.2:3b`, `org/repo:Q4_K_M`, a GGUF path). */
  model: string;
  messages: ChatMessage[];
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop?: string[];
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  tools?: ToolDefinition[];
  tool_choice?: unknown;
  think?: boolean;
  thinking_budget?: number;
  /** Provider-specific extras (model_api_parameters, extra_body). */
  extra?: Record<string, unknown>;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ChatResult {
  id?: string;
  model: string;
  content: string;
  /** Reasoning, separated from content. */
  thinking?: string;
  /** Tokens spent on reasoning, when the runtime knows (universal). */
  thinking_tokens?: number;
  tool_calls?: ToolCall[];
  finish_reason: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  usage?: Usage;
}

/** One streamed piece. Content and reasoning arrive as text deltas; tool calls as OpenAI deltas. */
export interface ChatDelta {
  /** Upstream completion id and model id; set on the first delta when the upstream sends them. */
  id?: string;
  model?: string;
  content?: string;
  thinking?: string;
  tool_calls?: Array<{ index: number; id?: string; type?: 'function'; function?: { name?: string; arguments?: string } }>;
  /** Set only on the last delta of a stream, together with `usage` when the upstream reports it. */
  finish_reason?: ChatResult['finish_reason'];
  usage?: Usage;
}

export interface RuntimeCallOptions {
  signal: AbortSignal;
}

export interface ChatRuntime {
  /** `openai`, `ollama`, `universal`. */
  readonly provider: string;
  complete(req: ChatRequest, o: RuntimeCallOptions): Promise<ChatResult>;
  stream(req: ChatRequest, o: RuntimeCallOptions): AsyncIterable<ChatDelta>;
  /**
   * Token counts of `texts` with the model's own tokenizer, and the context size the request would run with.
   * Only runtimes whose model is in-process have it (the chat service estimates for the others).
   */
  countTokens?(req: ChatRequest, texts: string[], o: RuntimeCallOptions): Promise<{ counts: number[]; contextSize: number }>;
  close?(): Promise<void>;
}

/** The upstream failed or answered garbage; the API maps it to 502 with this message. */
export class RuntimeError extends AdapterError {
  /** The upstream's own answer (truncated), for the server log only: never part of `message` (decision 0113). */
  upstreamBody?: string;

  constructor(message: string, readonly upstream: string, readonly status?: number, options?: { cause?: unknown; upstreamBody?: string }) {
    super('upstream', 'Model runtime', message, options);
    this.name = 'RuntimeError';
    if (options?.upstreamBody) this.upstreamBody = options.upstreamBody;
  }
}

export type ProviderName = 'openai' | 'ollama' | 'universal' | 'lemonade';

/** The part of a `runtime.models[]` entry a runtime needs (structurally the config's ModelConfig). */
export interface ModelConfig {
  name: string;
  provider: ProviderName;
  /** Provider model id; for `universal` a local `.gguf` path (or a name `resolveModelPath` understands). */
  model: string;
  base_url?: string;
  api_key?: string;
  /** Request defaults (temperature, top_p, ...); request fields win. */
  model_api_parameters?: Record<string, unknown>;
  /** openai/ollama: merged into the request body; universal: load options (n_ctx, n_threads, n_parallel). */
  extra_body?: Record<string, unknown>;
}
