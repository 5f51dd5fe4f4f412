/**
 * One chat request from start to finish (original §3.3 processing order): take the session's lock, load its
 * history, work out what the request adds, retrieve context, offer the project's MCP tools, call the model (with the
 * server-side tool loop, `tool-loop.ts`), append the new messages, the tool messages and the answer to the history,
 * record the `inference` event. Non-stream turns return a `chat.completion`; stream
 * turns yield `chat.completion.chunk`s. Nothing is stored when the model call fails; a stream whose client leaves
 * mid-answer stores the partial answer marked `interrupted`.
 */
import { RuntimeError, type ChatMessage, type ChatRequest, type ChatResult, type ChatRuntime, type ToolDefinition } from '../../adapters/runtimes/types.js';
import type { ModelConfig, ProjectConfig } from '../../config/schema.js';
import { upstreamError } from '../../core/errors.js';
import { newMessages } from './conversation.js';
import type { InferenceEvent } from './inference-event.js';
import { configPrompts, isSystem, modelMessages, systemPrompt } from './prompts.js';
import { planRag, runRag, type RagOutcome, type RagPlan } from './rag.js';
import { estimatingCounter, fitPrompt, type FittedPrompt, type TokenCounter } from './context-budget.js';
import { ChunkBuilder, completionFromResult, publicModelId } from './responses.js';
import { TurnTools } from './server-tools.js';
import type { SessionStore, StoredMessage } from './sessions.js';
import { ToolLoop } from './tool-loop.js';
import { buildSources, sourcesEvent, type SourcesEvent, type TurnSources } from './sources.js';
import type { ChatCompletion, ChatCompletionChunk, ChatInput, ChatRetriever, ChatToolProvider, RetrievedChunk } from './types.js';

const CLIENT_GONE = new Error('cancelled: the client disconnected');

export interface TurnDeps {
  sessions: SessionStore;
  retriever?: ChatRetriever;
  tools?: ChatToolProvider;
  /** Told of every retrieval a turn ran (the query history, `rag_query` events). */
  onRagQuery?: (q: TurnRagQuery) => void;
}

export interface TurnRagQuery {
  namespace: string;
  project: string;
  plan: RagPlan;
  outcome: RagOutcome;
  latencyMs: number;
}

export interface TurnSpec {
  namespace: string;
  project: string;
  config: ProjectConfig;
  model: ModelConfig;
  runtime: ChatRuntime;
  input: ChatInput;
  /** Undefined in stateless mode. */
  sessionId?: string;
  event: InferenceEvent;
}

interface Prepared {
  request: ChatRequest;
  /** The server-side (MCP) tools on offer. */
  tools: TurnTools;
  /** Messages to append to the session after a successful answer (new session: seeds first). */
  toStore: ChatMessage[];
  seedCount: number;
  /** The citations, when the request asked for them. */
  sources?: TurnSources;
  release: () => void;
}

/** What retrieval gave the turn: the chunks in context order, the database, and why none when skipped or failed. */
interface Retrieved {
  chunks: RetrievedChunk[];
  database?: string;
  reason?: string;
}

export class ChatTurn {
  constructor(
    private readonly deps: TurnDeps,
    private readonly spec: TurnSpec,
  ) {}

  get sessionId(): string | undefined {
    return this.spec.sessionId;
  }

  get stream(): boolean {
    return this.spec.input.stream;
  }

  async complete(signal: AbortSignal): Promise<ChatCompletion> {
    const { event, model } = this.spec;
    let prep: Prepared | undefined;
    try {
      prep = await this.prepare(signal);
      const loop = this.toolLoop(prep);
      const result = await loop.complete(signal);
      const completion = completionFromResult(result, model.model, (id) => publicModelId(id, model));
      if (prep.sources) {
        completion.sources = prep.sources.sources;
        if (prep.sources.reason) completion.sources_reason = prep.sources.reason;
      }
      await this.store(prep, result, loop.added);
      event.responseGenerated(completion);
      return completion;
    } catch (e) {
      const mapped = this.mapError(e);
      event.fail(signal.aborted ? CLIENT_GONE : mapped, false);
      throw mapped;
    } finally {
      prep?.release();
    }
  }

  /** The stream: a `sources` event first when the request asked for citations, then the completion chunks. */
  async *chunks(signal: AbortSignal): AsyncGenerator<ChatCompletionChunk | SourcesEvent> {
    const { event, model, input } = this.spec;
    let prep: Prepared | undefined;
    let loop: ToolLoop | undefined;
    let stream: AsyncGenerator<ChatCompletionChunk, ChatResult> | undefined;
    let done = false;
    // What the client was sent of the answer so far: kept, marked interrupted, if the client leaves mid-answer.
    let partial = '';
    try {
      prep = await this.prepare(signal);
      if (prep.sources) yield sourcesEvent(prep.sources);
      const builder = new ChunkBuilder(model.model, (id) => publicModelId(id, model));
      loop = this.toolLoop(prep);
      stream = loop.stream(builder, signal);
      let result: ChatResult;
      for (;;) {
        const next = await stream.next();
        if (next.done) {
          result = next.value;
          break;
        }
        partial += next.value.choices[0]?.delta.content ?? '';
        yield next.value;
      }
      await this.store(prep, result, loop.added);
      event.streamComplete(loop.sent + 1);
      done = true;
      yield builder.finish(result.finish_reason);
      if (input.includeUsage && result.usage) yield builder.usage(result.usage);
    } catch (e) {
      const mapped = this.mapError(e);
      event.fail(signal.aborted ? CLIENT_GONE : mapped, true);
      if (signal.aborted && prep && loop) await this.storeInterrupted(prep, loop.added, partial);
      done = true;
      throw mapped;
    } finally {
      // The consumer stopped reading (client gone) before the answer was complete.
      if (!done) {
        event.fail(CLIENT_GONE, true);
        await stream?.return(undefined as never).catch(() => undefined);
        if (prep && loop) await this.storeInterrupted(prep, loop.added, partial);
      }
      prep?.release();
    }
  }

  /**
   * A client that left mid-answer keeps what it was sent: the turn's messages and the partial answer, marked
   * `interrupted` (decision 0131). Nothing is stored when no answer text was sent yet.
   */
  private async storeInterrupted(prep: Prepared, toolMessages: ChatMessage[], partial: string): Promise<void> {
    const { sessionId, namespace, project } = this.spec;
    if (!sessionId || !partial) return;
    const answer: ChatMessage = { role: 'assistant', content: partial, interrupted: true };
    try {
      await this.deps.sessions.append(namespace, project, sessionId, [...prep.toStore, ...toolMessages, answer], prep.seedCount);
    } catch {
      /* the session store failing now must not mask the disconnect */
    }
  }

  /** Lock, history, RAG and the model request. */
  private async prepare(signal: AbortSignal): Promise<Prepared> {
    const { namespace: ns, project: p, sessionId, input, config, model } = this.spec;
    const prompts = configPrompts(config, model);
    let release = () => {};
    let history: ChatMessage[];
    let toStore: ChatMessage[] = [];
    let seedCount = 0;
    if (sessionId) {
      release = await this.deps.sessions.lock(ns, p, sessionId);
      try {
        signal.throwIfAborted();
        const stored = await this.deps.sessions.load(ns, p, sessionId);
        const fresh = !stored || stored.messages.length === 0;
        const base = fresh ? prompts.seeds : stored.messages;
        seedCount = fresh ? prompts.seeds.length : stored.seedCount;
        const added = newMessages(base, seedCount, input.messages);
        history = [...base, ...added];
        toStore = fresh ? [...prompts.seeds, ...added] : added;
      } catch (e) {
        release();
        throw e;
      }
    } else {
      history = [...prompts.seeds, ...input.messages.filter((m) => !isSystem(m))];
    }
    try {
      const retrieved = await this.retrieve(history, signal);
      const chunks = retrieved.chunks;
      const requestSystem = input.messages.filter(isSystem).map((m) => m.content ?? '').filter((t) => t.trim());
      const texts = [...prompts.system, ...requestSystem];
      const fitted = await this.fitContext(texts, history, chunks, signal);
      const tools = await TurnTools.offer(this.deps.tools, { namespace: ns, project: p, config, model }, this.spec.event, signal);
      const request = this.modelRequest(modelMessages(fitted.system, fitted.conversation), tools);
      const prep: Prepared = { request, tools, toStore, seedCount, release };
      if (input.sources) {
        prep.sources = { sources: buildSources(fitted.chunks, retrieved.database, input.sources.limit) };
        if (!fitted.chunks.length) prep.sources.reason = retrieved.reason ?? 'no chunks matched the query';
      }
      return prep;
    } catch (e) {
      release();
      throw e;
    }
  }

  /**
   * The prompt trimmed to the model's context (context-budget.ts) when the context size is known: always for
   * the in-process runtime (its tokenizer counts), else when `n_ctx` is set (estimated). Otherwise as it is.
   */
  private async fitContext(texts: string[], history: ChatMessage[], chunks: RetrievedChunk[], signal: AbortSignal): Promise<FittedPrompt> {
    const { runtime, model, input, event } = this.spec;
    const conversation = history.filter((m) => !isSystem(m));
    const whole = { system: systemPrompt(texts, chunks), conversation, chunks };
    const probe: ChatRequest = { model: model.model, messages: [], ...(Object.keys(input.extra).length ? { extra: input.extra } : {}) };
    let counter: TokenCounter | undefined;
    if (runtime.countTokens) {
      const countTokens = runtime.countTokens.bind(runtime);
      const { contextSize } = await countTokens(probe, [], { signal });
      counter = { contextSize, method: 'tokenizer', count: async (t) => (await countTokens(probe, t, { signal })).counts };
    } else {
      const n = positiveInt(input.extra.n_ctx) ?? positiveInt(model.extra_body?.n_ctx);
      if (n) counter = estimatingCounter(n);
    }
    if (!counter) return whole;
    const fitted = await fitPrompt({ systemTexts: texts, conversation, chunks, maxTokens: input.sampling.max_tokens }, counter);
    if (fitted.trimmed) event.contextTrimmed(fitted.trimmed);
    return fitted;
  }

  private async retrieve(history: ChatMessage[], signal: AbortSignal): Promise<Retrieved> {
    const { namespace, project, config, input, event } = this.spec;
    const decision = planRag(config, input.rag, history);
    if (!decision.run) {
      if (input.rag.enabled === true || (input.rag.enabled === undefined && config.rag?.databases?.length)) event.ragSkipped(decision.reason);
      return { chunks: [], reason: `retrieval skipped: ${decision.reason}` };
    }
    const database = decision.plan.database;
    if (!this.deps.retriever) {
      event.ragSkipped('retrieval is not available in this server');
      return { chunks: [], database, reason: 'retrieval skipped: retrieval is not available in this server' };
    }
    event.ragStart(decision.plan);
    const t0 = performance.now();
    const out = await runRag(this.deps.retriever, namespace, project, config, decision.plan, signal);
    signal.throwIfAborted();
    event.ragDone(decision.plan, out);
    this.deps.onRagQuery?.({ namespace, project, plan: decision.plan, outcome: out, latencyMs: performance.now() - t0 });
    const reason = out.failures.length && !out.chunks.length ? `retrieval failed: ${out.failures.join('; ')}` : undefined;
    return { chunks: out.chunks, database, ...(reason ? { reason } : {}) };
  }

  private toolLoop(prep: Prepared): ToolLoop {
    const { runtime, event, model } = this.spec;
    return new ToolLoop({ runtime, request: prep.request, tools: prep.tools, event, modelName: model.name });
  }

  /** The model call: sampling, thinking, and tools = config tools + server (MCP) tools + request tools. */
  private modelRequest(messages: ChatMessage[], serverTools: TurnTools): ChatRequest {
    const { input, model } = this.spec;
    const req: ChatRequest = { model: model.model, messages, ...input.sampling };
    if (input.thinking.think !== undefined) req.think = input.thinking.think;
    if (input.thinking.thinkingBudget !== undefined) req.thinking_budget = input.thinking.thinkingBudget;
    // A server tool's name wins: the server runs calls to it, so a same-named client tool is not offered.
    const clientTools = [...configTools(model), ...(input.tools ?? [])].filter((t) => !serverTools.has(t.function.name));
    const tools: ToolDefinition[] = [...serverTools.definitions, ...clientTools];
    if (tools.length) req.tools = tools;
    if (input.toolChoice !== undefined) req.tool_choice = input.toolChoice;
    if (Object.keys(input.extra).length) req.extra = input.extra;
    return req;
  }

  /** Appends the request's new messages, the tool loop's messages and the answer (with its sources) to the session. */
  private async store(prep: Prepared, result: ChatResult, toolMessages: ChatMessage[]): Promise<void> {
    const { sessionId, namespace, project } = this.spec;
    if (!sessionId) return;
    const answer: StoredMessage = { role: 'assistant', content: result.content || (result.tool_calls?.length ? null : '') };
    if (result.tool_calls?.length) answer.tool_calls = result.tool_calls;
    if (prep.sources?.sources.length) answer.sources = prep.sources.sources;
    await this.deps.sessions.append(namespace, project, sessionId, [...prep.toStore, ...toolMessages, answer], prep.seedCount);
  }

  /** Upstream failures are 502s naming the model and the cause (decision 0002); the rest pass through. */
  private mapError(e: unknown): unknown {
    if (e instanceof RuntimeError) {
      const { model } = this.spec;
      const err = upstreamError(`Model '${model.name}' (${model.provider} ${model.model}) failed: ${e.message}`, e);
      // The upstream's own answer is for the server log only (logged with the 502; decision 0113).
      if (e.upstreamBody) Object.assign(err, { upstreamBody: e.upstreamBody });
      return err;
    }
    return e;
  }
}

/** Tools declared on the model in the config, as OpenAI function tools. */
function positiveInt(v: unknown): number | undefined {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
}

function configTools(model: ModelConfig): ToolDefinition[] {
  return (model.tools ?? []).map((t) => ({
    type: 'function' as const,
    function: { name: t.name, ...(t.description ? { description: t.description } : {}), ...(t.parameters ? { parameters: t.parameters } : {}) },
  }));
}
