/**
 * The chat completion request (decision 0007, original §3.3): OpenAI's fields plus LlamaFarm's RAG and
 * thinking fields. The schema validates (422 on a bad sampling field); unknown fields are ignored.
 * `normaliseRequest` turns the body into a `ChatInput`: text-only messages, forwarded sampling, RAG options.
 */
import Type, { type Static, type TSchema } from 'typebox';
import { splitThinking } from '../../adapters/runtimes/think-splitter.js';
import type { ChatMessage, ToolDefinition } from '../../adapters/runtimes/types.js';
import { badRequest, unprocessable } from '../../core/errors.js';
import { checkResponseFormat } from './response-format.js';
import { DEFAULT_SOURCES_LIMIT, MAX_SOURCES_LIMIT } from './sources.js';
import type { ChatInput, SamplingInput } from './types.js';

const open = { additionalProperties: true };

/**
 * `null` accepted as "not given" (some clients send explicit nulls). The OpenAPI `nullable` keyword rather than
 * a union with null: the server's ajv coerces types, and a union would read `0` or `""` as null.
 */
function nullable<T extends TSchema>(schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, nullable: true });
}

interface ContentPart {
  type: string;
  text?: string;
}

const ToolCallSchema = Type.Object(
  {
    id: Type.String(),
    type: Type.Optional(Type.Literal('function')),
    function: Type.Object({ name: Type.String(), arguments: Type.String() }, open),
  },
  open,
);

export const ChatMessageSchema = Type.Object(
  {
    role: Type.Union([Type.Literal('system'), Type.Literal('developer'), Type.Literal('user'), Type.Literal('assistant'), Type.Literal('tool'), Type.Literal('function')]),
    // No `type` here: the server's ajv coerces types and would rewrite a parts array while trying a union.
    content: Type.Optional(Type.Unsafe<string | ContentPart[] | null>({ description: 'A string, an array of text parts, or null' })),
    name: Type.Optional(Type.String()),
    tool_calls: Type.Optional(Type.Array(ToolCallSchema)),
    tool_call_id: Type.Optional(Type.String()),
  },
  open,
);

const ToolSchema = Type.Object(
  {
    type: Type.Literal('function'),
    function: Type.Object({ name: Type.String({ minLength: 1 }), description: Type.Optional(Type.String()), parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }, open),
  },
  open,
);

const PositiveInt = (description: string) => Type.Integer({ minimum: 1, description });

export const ChatCompletionBodySchema = Type.Object(
  {
    messages: Type.Array(ChatMessageSchema, { minItems: 1, description: 'OpenAI chat messages' }),
    model: Type.Optional(nullable(Type.String({ description: 'A configured model name (runtime.models[].name); default model when absent' }))),
    stream: Type.Optional(nullable(Type.Boolean({ description: 'Server-Sent Events (chat.completion.chunk frames, then data: [DONE])' }))),
    stream_options: Type.Optional(nullable(Type.Object({ include_usage: Type.Optional(Type.Boolean()) }, open))),
    temperature: Type.Optional(nullable(Type.Number({ minimum: 0, maximum: 2 }))),
    top_p: Type.Optional(nullable(Type.Number({ minimum: 0, maximum: 1 }))),
    top_k: Type.Optional(nullable(Type.Integer({ minimum: 0 }))),
    max_tokens: Type.Optional(nullable(PositiveInt('Answer tokens (thinking tokens are separate); 512 when thinking'))),
    max_completion_tokens: Type.Optional(nullable(PositiveInt('Alias of max_tokens'))),
    stop: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 16 }), Type.Null()])),
    seed: Type.Optional(nullable(Type.Integer())),
    presence_penalty: Type.Optional(nullable(Type.Number({ minimum: -2, maximum: 2 }))),
    frequency_penalty: Type.Optional(nullable(Type.Number({ minimum: -2, maximum: 2 }))),
    n: Type.Optional(nullable(Type.Integer({ minimum: 1, maximum: 1, description: 'Only 1 is supported' }))),
    tools: Type.Optional(nullable(Type.Array(ToolSchema))),
    tool_choice: Type.Optional(Type.Unknown()),
    parallel_tool_calls: Type.Optional(nullable(Type.Boolean())),
    response_format: Type.Optional(nullable(Type.Record(Type.String(), Type.Unknown()))),
    logit_bias: Type.Optional(nullable(Type.Record(Type.String(), Type.Number()))),
    user: Type.Optional(nullable(Type.String())),
    rag_enabled: Type.Optional(nullable(Type.Boolean({ description: 'Default: on when the project has RAG databases' }))),
    database: Type.Optional(nullable(Type.String({ description: 'RAG database; default rag.default_database, else the first' }))),
    rag_retrieval_strategy: Type.Optional(nullable(Type.String())),
    rag_top_k: Type.Optional(nullable(Type.Integer({ minimum: 1, maximum: 1000 }))),
    rag_score_threshold: Type.Optional(nullable(Type.Number({ minimum: 0, maximum: 1 }))),
    rag_queries: Type.Optional(nullable(Type.Array(Type.String(), { maxItems: 32, description: 'Custom retrieval queries, run concurrently and merged' }))),
    n_ctx: Type.Optional(nullable(PositiveInt('Context size for the universal runtime'))),
    include_sources: Type.Optional(nullable(Type.Boolean({ description: 'Add the retrieved context as `sources` (stream: one `{"type":"sources"}` event before the first token)' }))),
    sources_limit: Type.Optional(nullable(Type.Integer({ minimum: 1, maximum: MAX_SOURCES_LIMIT, description: `Sources returned at most (default ${DEFAULT_SOURCES_LIMIT})` }))),
    think: Type.Optional(nullable(Type.Boolean({ description: 'Thinking/reasoning mode for models that support it' }))),
    thinking_budget: Type.Optional(nullable(Type.Integer({ minimum: 0, description: 'Thinking tokens when think is true (default 1024)' }))),
  },
  { additionalProperties: true, $id: 'ChatCompletionRequest' },
);

export type ChatCompletionBody = Static<typeof ChatCompletionBodySchema>;
type BodyMessage = ChatCompletionBody['messages'][number];

/** `max_tokens` for the answer when thinking and the request sets none. */
export const THINKING_ANSWER_TOKENS = 512;

const def = <T>(v: T | null | undefined): v is T => v !== null && v !== undefined;

/** Text of a message's content: a string, or its text parts joined. Other parts (images, audio) are refused. */
export function messageText(content: BodyMessage['content'], index: number): string | null {
  if (content === null || content === undefined) return null;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) {
    throw unprocessable([{ loc: ['body', 'messages', index, 'content'], msg: 'Input should be a string, an array of content parts or null', type: 'value_error' }]);
  }
  const texts: string[] = [];
  for (const item of content as unknown[]) {
    const part = item as Partial<ContentPart> | null;
    if (!part || typeof part !== 'object' || typeof part.type !== 'string') {
      throw unprocessable([{ loc: ['body', 'messages', index, 'content'], msg: 'Each content part must be an object with a type', type: 'value_error' }]);
    }
    if (part.type !== 'text' || typeof part.text !== 'string') {
      throw badRequest(`messages[${index}]: content parts of type '${part.type}' are not supported (text only)`);
    }
    texts.push(part.text);
  }
  return texts.join('\n');
}

function toChatMessage(m: BodyMessage, index: number): ChatMessage {
  let content = messageText(m.content, index);
  // Reasoning never enters a conversation: an assistant turn a client echoes back loses its <think> block.
  if (m.role === 'assistant' && content) content = splitThinking(content).content;
  const out: ChatMessage = { role: m.role, content };
  if (m.name) out.name = m.name;
  if (m.tool_calls?.length) {
    out.tool_calls = m.tool_calls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.function.name, arguments: c.function.arguments } }));
  }
  if (m.tool_call_id) out.tool_call_id = m.tool_call_id;
  return out;
}

function stopList(v: ChatCompletionBody['stop']): string[] | undefined {
  if (!def(v)) return undefined;
  const list = (typeof v === 'string' ? [v] : v).filter((s) => s.length > 0);
  return list.length ? list : undefined;
}

export function normaliseRequest(body: ChatCompletionBody): ChatInput {
  const sampling: SamplingInput = {};
  for (const k of ['temperature', 'top_p', 'top_k', 'seed', 'presence_penalty', 'frequency_penalty'] as const) {
    const v = body[k];
    if (def(v)) sampling[k] = v;
  }
  const maxTokens = body.max_tokens ?? body.max_completion_tokens;
  if (def(maxTokens)) sampling.max_tokens = maxTokens;
  const stop = stopList(body.stop);
  if (stop) sampling.stop = stop;
  if (body.think === true && sampling.max_tokens === undefined) sampling.max_tokens = THINKING_ANSWER_TOKENS;

  const extra: Record<string, unknown> = {};
  // Validated here for every provider (422), forwarded as the client sent it.
  if (def(body.response_format) && checkResponseFormat(body.response_format)) extra.response_format = body.response_format;
  if (def(body.logit_bias)) extra.logit_bias = body.logit_bias;
  if (def(body.n_ctx)) extra.n_ctx = body.n_ctx;
  const tools = def(body.tools) && body.tools.length ? (body.tools as ToolDefinition[]) : undefined;
  if (tools && def(body.parallel_tool_calls)) extra.parallel_tool_calls = body.parallel_tool_calls;

  const input: ChatInput = {
    messages: body.messages.map(toChatMessage),
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
    sampling,
    thinking: {
      ...(def(body.think) ? { think: body.think } : {}),
      ...(def(body.thinking_budget) ? { thinkingBudget: body.thinking_budget } : {}),
    },
    rag: {
      ...(def(body.rag_enabled) ? { enabled: body.rag_enabled } : {}),
      ...(def(body.database) && body.database ? { database: body.database } : {}),
      ...(def(body.rag_retrieval_strategy) && body.rag_retrieval_strategy ? { retrievalStrategy: body.rag_retrieval_strategy } : {}),
      ...(def(body.rag_top_k) ? { topK: body.rag_top_k } : {}),
      ...(def(body.rag_score_threshold) ? { scoreThreshold: body.rag_score_threshold } : {}),
      queries: (body.rag_queries ?? []).map((q) => q.trim()).filter(Boolean),
    },
    extra,
  };
  if (def(body.model) && body.model) input.model = body.model;
  if (body.include_sources === true) input.sources = { limit: body.sources_limit ?? DEFAULT_SOURCES_LIMIT };
  if (tools) input.tools = tools;
  if (body.tool_choice !== undefined && body.tool_choice !== null) input.toolChoice = body.tool_choice;
  return input;
}
