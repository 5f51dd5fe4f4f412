/**
 * OpenAI's response shapes, exactly: `chat.completion` for non-stream answers, `chat.completion.chunk` frames
 * for streams (role on the first delta, reasoning as `delta.reasoning_content`, `finish_reason: null` until the
 * last choice chunk, a `choices: []` usage chunk when `stream_options.include_usage`). `id` and `model` are the
 * upstream's when it sends them (the provider's model id, as the original does), except that `model` never names
 * a local file: see `publicModelId`.
 */
import { randomUUID } from 'node:crypto';
import type { ChatDelta, ChatResult, Usage } from '../../adapters/runtimes/types.js';
import type { ChatCompletion, ChatCompletionChunk, ChunkDelta, CompletionMessage } from './types.js';

export function newCompletionId(): string {
  return `chatcmpl-${randomUUID().replace(/-/g, '')}`;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A file-system path (absolute, relative, home, Windows) or a model file name. Hub ids (`org/repo`) are not. */
export function looksLikePath(id: string): boolean {
  return /^(\/|~|\.{1,2}[\\/]|[A-Za-z]:[\\/])/.test(id) || id.includes('\\') || /\.(gguf|bin|safetensors)$/i.test(id);
}

/**
 * The `model` a response names (decision 0131): the configured model name (`runtime.models[].name`) for the
 * in-process `universal` runtime, whose model id is a local file; the provider's model id otherwise, unless that
 * is a path too (a llama.cpp server answers with its file's path), then the configured name.
 */
export function publicModelId(upstream: string | undefined, model: { name: string; provider: string; model: string }): string {
  if (model.provider === 'universal') return model.name;
  const id = upstream || model.model;
  return looksLikePath(id) ? model.name : id;
}

type Rename = (model: string) => string;
const asIs: Rename = (m) => m;

export function completionFromResult(r: ChatResult, fallbackModel: string, rename: Rename = asIs): ChatCompletion {
  const message: CompletionMessage = { role: 'assistant', content: r.content || (r.tool_calls?.length ? null : '') };
  if (r.tool_calls?.length) message.tool_calls = r.tool_calls;
  const out: ChatCompletion = {
    id: r.id ?? newCompletionId(),
    object: 'chat.completion',
    created: nowSeconds(),
    model: rename(r.model || fallbackModel),
    choices: [{ index: 0, message, finish_reason: r.finish_reason }],
  };
  if (r.usage) out.usage = r.usage;
  if (r.thinking) out.thinking = { content: r.thinking, tokens: r.thinking_tokens ?? null };
  return out;
}

/** Turns runtime deltas into chunks sharing one id, timestamp and model. */
export class ChunkBuilder {
  private id: string | undefined;
  private model: string | undefined;
  private readonly created = nowSeconds();
  private roleSent = false;

  constructor(
    private readonly fallbackModel: string,
    private readonly rename: Rename = asIs,
  ) {}

  /** The chunk for a content / reasoning / tool-call delta; undefined when the delta carries none. */
  delta(d: ChatDelta): ChatCompletionChunk | undefined {
    if (!this.id) this.id = d.id ?? newCompletionId();
    if (!this.model) this.model = this.rename(d.model || this.fallbackModel);
    const delta: ChunkDelta = {};
    if (!this.roleSent) delta.role = 'assistant';
    if (d.content) delta.content = d.content;
    if (d.thinking) delta.reasoning_content = d.thinking;
    if (d.tool_calls?.length) delta.tool_calls = d.tool_calls;
    if (!delta.content && !delta.reasoning_content && !delta.tool_calls) return undefined;
    this.roleSent = true;
    return this.chunk(delta, null);
  }

  finish(reason: string): ChatCompletionChunk {
    return this.chunk(this.roleSent ? {} : { role: 'assistant', content: '' }, reason);
  }

  usage(u: Usage): ChatCompletionChunk {
    return { ...this.base(), choices: [], usage: u };
  }

  private base(): Omit<ChatCompletionChunk, 'choices'> {
    this.id ??= newCompletionId();
    this.model ??= this.rename(this.fallbackModel);
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model };
  }

  private chunk(delta: ChunkDelta, finish: string | null): ChatCompletionChunk {
    return { ...this.base(), choices: [{ index: 0, delta, finish_reason: finish }] };
  }
}
