/**
 * `universal`: in-process GGUF inference with node-llama-cpp. Each request leases the model from the shared LRU
 * (loading it on first use), takes a sequence from the model's context pool and runs a `LlamaChat` with the
 * model's own chat template. Tool calls go through node-llama-cpp functions (the template's function-call
 * syntax); they come back whole at the end of the reply, not as incremental argument deltas.
 *
 * Budgets: with a template that has thought segments, `thinking_budget` (default 1024 when `think` is true,
 * 0 when false) caps the reasoning tokens and `max_tokens` caps the answer tokens separately.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { Readable } from 'node:stream';
import type { ChatWrapper, LLamaChatGenerateResponseOptions, LlamaChat, LlamaChatResponseChunk, LlamaContextSequence } from 'node-llama-cpp';
import { llamaThreads } from '../../llama/instance.js';
import { ResultCollector } from '../collect.js';
import { positiveInt, samplingParams, type SamplingParams } from '../params.js';
import { ThinkSplitter } from '../think-splitter.js';
import { newToolCallId } from '../tool-calls.js';
import { RuntimeError, type ChatDelta, type ChatRequest, type ChatResult, type ChatRuntime, type ModelConfig, type RuntimeCallOptions } from '../types.js';
import { abortError } from '../upstream.js';
import { responseFormatGrammar } from './grammar.js';
import { toLlamaFunctions, toLlamaHistory } from './history.js';
import { LoadedModelCache, type LoadSpec, type LoadedModel } from './model-cache.js';

export const DEFAULT_CONTEXT_SIZE = 2048;
export const DEFAULT_THINKING_BUDGET = 1024;

export interface UniversalRuntimeOptions {
  /** Model name → local GGUF path (Hugging Face cache resolution plugs in here). Default: the name is a path. */
  resolveModelPath?: (name: string) => Promise<string>;
  /** Loaded-model LRU; default: one shared by every universal runtime in the process. */
  cache?: LoadedModelCache;
  /** Chat template override; default: the model's own (`auto`). */
  chatWrapper?: ChatWrapper;
}

let sharedCache: LoadedModelCache | undefined;

export function sharedModelCache(): LoadedModelCache {
  sharedCache ??= new LoadedModelCache();
  return sharedCache;
}

/** Unloads every model of the shared cache (shutdown, tests). */
export async function disposeSharedModelCache(): Promise<void> {
  const c = sharedCache;
  sharedCache = undefined;
  await c?.dispose();
}

/** The default model resolution: the name must be a local `.gguf` file. */
export async function localGgufPath(name: string): Promise<string> {
  const p = resolvePath(name.replace(/^file:\/\//, ''));
  if (!existsSync(p)) {
    throw new RuntimeError(`universal: model '${name}' is not a local GGUF file (Hugging Face cache lookup is not available)`, `universal:${name}`);
  }
  return p;
}

interface Outcome {
  thinkingTokens: number;
}

export class UniversalRuntime implements ChatRuntime {
  readonly provider = 'universal';
  private readonly cache: LoadedModelCache;

  constructor(
    private readonly config: ModelConfig,
    private readonly options: UniversalRuntimeOptions = {},
  ) {
    this.cache = options.cache ?? sharedModelCache();
  }

  async complete(req: ChatRequest, o: RuntimeCallOptions): Promise<ChatResult> {
    const c = new ResultCollector(this.modelId(req));
    const { thinkingTokens } = await this.generate(req, o.signal, (d) => c.add(d));
    return c.result(thinkingTokens ? { thinking_tokens: thinkingTokens } : {});
  }

  async *stream(req: ChatRequest, o: RuntimeCallOptions): AsyncGenerator<ChatDelta> {
    const stop = new AbortController();
    const out = new Readable({ objectMode: true, read() {} });
    const run = this.generate(req, AbortSignal.any([o.signal, stop.signal]), (d) => out.push(d)).then(
      () => out.push(null),
      (e: unknown) => out.destroy(e instanceof Error ? e : new Error(String(e))),
    );
    try {
      for await (const d of out) yield d as ChatDelta;
    } finally {
      // The consumer stopped early: stop generating and hand the sequence back before returning.
      stop.abort(new DOMException('stream closed by the consumer', 'AbortError'));
      out.destroy();
      await run;
    }
  }

  async countTokens(req: ChatRequest, texts: string[], o: RuntimeCallOptions): Promise<{ counts: number[]; contextSize: number }> {
    const lease = await this.cache.lease(await this.loadSpec(req), o.signal);
    try {
      const { model, contextSize } = lease.loaded;
      return { counts: texts.map((t) => (t ? model.tokenize(t, false, 'trimLeadingSpace').length : 0)), contextSize };
    } finally {
      lease.release();
    }
  }

  modelId(req: ChatRequest): string {
    return req.model || this.config.model;
  }

  /** What this request needs loaded: the GGUF path and the context settings (the LRU key). */
  async loadSpec(req: ChatRequest): Promise<LoadSpec> {
    const resolveModel = this.options.resolveModelPath ?? localGgufPath;
    const eb = this.config.extra_body ?? {};
    let modelPath: string;
    try {
      modelPath = await resolveModel(this.modelId(req));
    } catch (e) {
      if (e instanceof RuntimeError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      throw new RuntimeError(`universal: cannot resolve model '${this.modelId(req)}': ${msg}`, `universal:${this.modelId(req)}`, undefined, { cause: e });
    }
    return {
      modelPath,
      contextSize: positiveInt(req.extra?.n_ctx) ?? positiveInt(eb.n_ctx) ?? DEFAULT_CONTEXT_SIZE,
      sequences: positiveInt(eb.n_parallel) ?? positiveInt(process.env.LF_UNIVERSAL_SEQUENCES) ?? 4,
      threads: positiveInt(eb.n_threads) ?? llamaThreads(),
      batchSize: positiveInt(eb.n_batch),
    };
  }

  private async generate(req: ChatRequest, signal: AbortSignal, sink: (d: ChatDelta) => void): Promise<Outcome> {
    const lease = await this.cache.lease(await this.loadSpec(req), signal);
    let first = true;
    const emit = (d: ChatDelta) => {
      if (first) d = { id: `chatcmpl-${randomUUID().replace(/-/g, '')}`, model: this.modelId(req), ...d };
      first = false;
      sink(d);
    };
    try {
      const seq = await lease.loaded.pool.acquire(signal);
      try {
        return await this.run(lease.loaded, seq, req, signal, emit);
      } finally {
        lease.loaded.pool.release(seq);
      }
    } finally {
      lease.release();
    }
  }

  private async run(
    loaded: LoadedModel,
    seq: LlamaContextSequence,
    req: ChatRequest,
    signal: AbortSignal,
    emit: (d: ChatDelta) => void,
  ): Promise<Outcome> {
    const p = samplingParams(this.config, req);
    // node-llama-cpp takes most of a second to load: the server loads it when a model first runs, not at start.
    const { LlamaChat } = await import('node-llama-cpp');
    const chat = new LlamaChat({ contextSequence: seq, chatWrapper: this.options.chatWrapper ?? 'auto' });
    try {
      const history = toLlamaHistory(req.messages);
      const functions = toLlamaFunctions(req.tools);
      const grammar = await responseFormatGrammar(loaded.model.llama, req.extra?.response_format, functions !== undefined);
      const thoughtCapable = Boolean(chat.chatWrapper.settings.segments?.thought);
      const maxAnswer = p.max_tokens ?? loaded.contextSize;
      const thoughtBudget =
        req.think === false ? 0 : (req.thinking_budget ?? (req.think ? DEFAULT_THINKING_BUDGET : undefined));
      const budgetStop = new AbortController();
      const splitter = new ThinkSplitter();
      let answerTokens = 0;
      let thinkingTokens = 0;
      const outputBefore = seq.tokenMeter.usedOutputTokens;

      const onResponseChunk = (chunk: LlamaChatResponseChunk) => {
        if (chunk.type === 'segment') {
          thinkingTokens += chunk.tokens.length;
          if (chunk.text) emit({ thinking: chunk.text });
          return;
        }
        let text = chunk.text;
        if (thoughtCapable) {
          // Thinking and answer share node-llama-cpp's maxTokens; the answer's own cap is enforced here.
          const room = maxAnswer - answerTokens;
          if (room <= 0) return;
          if (chunk.tokens.length > room) text = loaded.model.detokenize(chunk.tokens.slice(0, room));
          answerTokens += Math.min(room, chunk.tokens.length);
          if (answerTokens >= maxAnswer) budgetStop.abort();
        }
        const piece = splitter.push(text);
        if (piece.thinking) emit({ thinking: piece.thinking });
        if (piece.content) emit({ content: piece.content });
      };

      let response: Awaited<ReturnType<LlamaChat['generateResponse']>>;
      try {
        response = await chat.generateResponse(history, {
          ...samplingOptions(p),
          onResponseChunk,
          signal: AbortSignal.any([signal, budgetStop.signal]),
          stopOnAbortSignal: true,
          maxTokens: thoughtCapable && thoughtBudget !== 0 ? maxAnswer + (thoughtBudget ?? loaded.contextSize) : maxAnswer,
          ...(thoughtCapable ? { budgets: { thoughtTokens: thoughtBudget } } : {}),
          // Never both: responseFormatGrammar refuses a grammar with tools.
          ...(grammar ? { grammar } : functions ? { functions } : {}),
        });
      } catch (e) {
        if (signal.aborted) throw abortError(signal);
        const msg = e instanceof Error ? e.message : String(e);
        throw new RuntimeError(`universal: generation with ${loaded.modelPath} failed: ${msg}`, `universal:${loaded.modelPath}`, undefined, { cause: e });
      }
      if (signal.aborted) throw abortError(signal);

      const rest = splitter.end();
      if (rest.thinking) emit({ thinking: rest.thinking });
      if (rest.content) emit({ content: rest.content });
      const calls = (response.functionCalls ?? []).map((c, i) => ({
        index: i,
        id: newToolCallId(),
        type: 'function' as const,
        function: { name: c.functionName, arguments: JSON.stringify(c.params ?? {}) },
      }));
      if (calls.length) emit({ tool_calls: calls });

      const stopReason = response.metadata.stopReason;
      const finish: ChatResult['finish_reason'] = calls.length ? 'tool_calls' : stopReason === 'maxTokens' || stopReason === 'abort' ? 'length' : 'stop';
      const promptTokens = chat.chatWrapper
        .generateContextState({ chatHistory: [...history, { type: 'model', response: [] }], availableFunctions: functions })
        .contextText.tokenize(loaded.model.tokenizer).length;
      const completionTokens = seq.tokenMeter.usedOutputTokens - outputBefore;
      emit({
        finish_reason: finish,
        usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
      });
      return { thinkingTokens };
    } finally {
      chat.dispose({ disposeSequence: false });
    }
  }
}

/** OpenAI sampling fields → node-llama-cpp options (temperature 0.8 when unset, like llama.cpp's server). */
type SamplingOptions = Pick<
  LLamaChatGenerateResponseOptions,
  'temperature' | 'topP' | 'topK' | 'minP' | 'seed' | 'customStopTriggers' | 'repeatPenalty'
>;

function samplingOptions(p: SamplingParams): SamplingOptions {
  return {
    temperature: p.temperature ?? 0.8,
    ...(p.top_p !== undefined ? { topP: p.top_p } : {}),
    ...(p.top_k !== undefined ? { topK: p.top_k } : {}),
    ...(p.min_p !== undefined ? { minP: p.min_p } : {}),
    ...(p.seed !== undefined ? { seed: p.seed } : {}),
    ...(p.stop ? { customStopTriggers: p.stop } : {}),
    ...(p.presence_penalty !== undefined || p.frequency_penalty !== undefined
      ? { repeatPenalty: { presencePenalty: p.presence_penalty, frequencyPenalty: p.frequency_penalty } }
      : {}),
  };
}
