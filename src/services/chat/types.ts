/**
 * The chat feature's own vocabulary: the normalised request a turn works from, the OpenAI response shapes it
 * produces, and the two seams it depends on — retrieval (`ChatRetriever`) and server-side tools
 * (`ChatToolProvider`, the project's MCP servers).
 */
import type { ChatMessage, ToolDefinition, Usage } from '../../adapters/runtimes/types.js';
import type { ModelConfig, ProjectConfig } from '../../config/schema.js';
import type { ChatSource } from './sources.js';

/** Sampling fields forwarded to the runtime (decision 0007: validated, then forwarded). */
export interface SamplingInput {
  temperature?: number;
  top_p?: number;
  top_k?: number;
  max_tokens?: number;
  stop?: string[];
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
}

export interface RagInput {
  /** undefined → on when the project has databases. */
  enabled?: boolean;
  database?: string;
  retrievalStrategy?: string;
  topK?: number;
  scoreThreshold?: number;
  /** Custom queries (blank ones already dropped); empty → the latest user message. */
  queries: string[];
}

export interface ThinkInput {
  think?: boolean;
  thinkingBudget?: number;
}

/** A chat completion request after validation and normalisation. */
export interface ChatInput {
  /** Configured model name, when the request names one. */
  model?: string;
  /** Request messages with text-only content; assistant reasoning blocks already removed. */
  messages: ChatMessage[];
  stream: boolean;
  includeUsage: boolean;
  sampling: SamplingInput;
  thinking: ThinkInput;
  rag: RagInput;
  tools?: ToolDefinition[];
  toolChoice?: unknown;
  /** Set when the request asks for citations (`include_sources`). */
  sources?: { limit: number };
  /** Provider extras forwarded as body fields (response_format, logit_bias, parallel_tool_calls) and n_ctx. */
  extra: Record<string, unknown>;
}

// ---- OpenAI response shapes ----

export interface CompletionMessage {
  role: 'assistant';
  content: string | null;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: { index: 0; message: CompletionMessage; finish_reason: string }[];
  usage?: Usage;
  /** Reasoning kept out of `content` (decision 0007). */
  thinking?: { content: string; tokens: number | null };
  /** Citations, only when the request set `include_sources`. */
  sources?: ChatSource[];
  /** Why `sources` is empty (retrieval skipped or failed). */
  sources_reason?: string;
}

export interface ChunkDelta {
  role?: 'assistant';
  content?: string;
  reasoning_content?: string;
  tool_calls?: { index: number; id?: string; type?: 'function'; function?: { name?: string; arguments?: string } }[];
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: { index: 0; delta: ChunkDelta; finish_reason: string | null }[];
  usage?: Usage;
}

// ---- seams ----

export interface RetrievedChunk {
  content: string;
  score: number;
  metadata: Record<string, unknown>;
  chunk_id: string;
  document_id?: string;
}

export interface ChatSearchOptions {
  query: string;
  database?: string | null;
  retrievalStrategy?: string | null;
  topK: number;
  scoreThreshold?: number | null;
  signal?: AbortSignal;
}

/** What chat needs from retrieval (the RetrievalService satisfies it). */
export interface ChatRetriever {
  searchConfig(
    namespace: string,
    project: string,
    config: ProjectConfig,
    o: ChatSearchOptions,
  ): Promise<{ results: RetrievedChunk[]; strategyUsed: string; databaseUsed: string }>;
}

export interface ToolContext {
  namespace: string;
  project: string;
  config: ProjectConfig;
  model: ModelConfig;
}

/** A server-side tool offered to the model: its OpenAI definition (name unique in the offer) and its server. */
export interface ServerTool {
  definition: ToolDefinition;
  server: string;
}

export interface ToolOffer {
  tools: ServerTool[];
  /** Servers the model may use that could not be reached; their tools are absent from this turn. */
  unavailable: { server: string; error: string }[];
}

/** A tool's answer as the model reads it; `isError` when the tool (or its server) failed. */
export interface ToolCallOutcome {
  content: string;
  isError: boolean;
}

/**
 * Server-side tools (the project's MCP servers): offered to the model on every turn together with the request's
 * tools; the calls the model makes to them are executed by `call` in the turn's tool loop.
 */
export interface ChatToolProvider {
  tools(ctx: ToolContext, signal: AbortSignal): Promise<ToolOffer>;
  /** Runs one call by its offered name. Tool failures come back as `isError` outcomes; only an abort throws. */
  call(ctx: ToolContext, name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<ToolCallOutcome>;
}
