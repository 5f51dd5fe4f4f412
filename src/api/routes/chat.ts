/**
 * Chat API (original §3.3; decisions 0001, 0002, 0007): OpenAI-compatible completions per project (JSON or SSE),
 * session history and deletion, and the project's model list. Streams start lazily: a failure before the first
 * frame is still a proper JSON error (502 for the upstream); after it, an `error` frame then `[DONE]`.
 */
import { once } from 'node:events';
import type { OutgoingHttpHeaders } from 'node:http';
import Type from 'typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../services/context.js';
import { ChatCompletionBodySchema } from '../../services/chat/request.js';
import type { ChatTurn } from '../../services/chat/turn.js';
import { assertChatInputSize } from '../../services/chat/input-limits.js';
import { toLfError } from '../../core/adapter-error.js';
import { errors, ProjectParams } from '../schemas.js';

const open = { additionalProperties: true };
const SessionParams = Type.Object({ ...ProjectParams.properties, session_id: Type.String({ description: 'Session id' }) });

const Usage = Type.Object({ prompt_tokens: Type.Integer(), completion_tokens: Type.Integer(), total_tokens: Type.Integer() }, open);
const ChatSourceSchema = Type.Object(
  {
    index: Type.Integer(),
    content: Type.String(),
    source: Type.String(),
    score: Type.Number(),
    chunk_id: Type.String(),
    document_id: Type.Union([Type.String(), Type.Null()]),
    dataset: Type.Union([Type.String(), Type.Null()]),
    database: Type.Union([Type.String(), Type.Null()]),
    page: Type.Union([Type.Integer(), Type.String(), Type.Null()]),
    start_position: Type.Union([Type.Integer(), Type.Null()]),
    end_position: Type.Union([Type.Integer(), Type.Null()]),
    metadata: Type.Record(Type.String(), Type.Unknown()),
  },
  { description: 'A cited chunk; index n is "Source n" of the context the model saw' },
);
const ChatCompletion = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('chat.completion'),
    created: Type.Integer(),
    model: Type.String({ description: "The provider's model id; the configured model name for local model files (never a path)" }),
    choices: Type.Array(
      Type.Object(
        {
          index: Type.Integer(),
          message: Type.Object({ role: Type.Literal('assistant'), content: Type.Union([Type.String(), Type.Null()]), tool_calls: Type.Optional(Type.Array(Type.Unknown())) }, open),
          finish_reason: Type.String(),
        },
        open,
      ),
    ),
    usage: Type.Optional(Usage),
    thinking: Type.Optional(Type.Object({ content: Type.String(), tokens: Type.Union([Type.Integer(), Type.Null()]) })),
    sources: Type.Optional(Type.Array(ChatSourceSchema, { description: 'Only with `include_sources`: the retrieved chunks as numbered in the context' })),
    sources_reason: Type.Optional(Type.String({ description: 'Why `sources` is empty (retrieval skipped or failed)' })),
  },
  { ...open, description: 'chat.completion; with `stream: true` a text/event-stream of chat.completion.chunk frames ending with `data: [DONE]`' },
);
const HistoryMessage = Type.Object({ role: Type.String(), content: Type.Union([Type.String(), Type.Null()]) }, open);
const OpenAIModel = Type.Object({ id: Type.String(), object: Type.Literal('model'), created: Type.Integer(), owned_by: Type.String() });
const ListedModel = Type.Object({ name: Type.String(), provider: Type.String(), model: Type.String(), default: Type.Boolean() }, open);

/** Heartbeat comment interval while nothing else is written (retrieval, waiting for the first token). */
export function heartbeatMs(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.LF_SSE_HEARTBEAT_MS);
  return Number.isFinite(n) && n > 0 ? n : 5000;
}

export interface ChatRouteOptions {
  heartbeatMs?: number;
}

export function chatRoutes(app: FastifyInstance, ctx: AppContext, o: ChatRouteOptions = {}): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const base = '/v1/projects/:namespace/:project';
  const beat = o.heartbeatMs ?? heartbeatMs();

  r.post(
    `${base}/chat/completions`,
    {
      schema: {
        operationId: 'chat_completions',
        tags: ['chat'],
        summary: 'OpenAI-compatible chat completion with sessions, RAG and thinking (SSE when stream is true)',
        description:
          'Headers: `X-Session-ID` continues (or starts) a session and is returned; `X-No-Session` (any value) makes the request stateless. ' +
          'Streams send `data: <chat.completion.chunk>` frames, `: heartbeat` comments while retrieval or the model is busy, and end with `data: [DONE]`.',
        params: ProjectParams,
        headers: Type.Object({ 'x-session-id': Type.Optional(Type.String()), 'x-no-session': Type.Optional(Type.String()) }, open),
        body: ChatCompletionBodySchema,
        produces: ['application/json', 'text/event-stream'],
        response: { 200: ChatCompletion, ...errors(400, 404, 422, 502) },
      },
      onSend: withOpenAIError,
    },
    async (req, reply) => {
      const headerId = req.headers['x-session-id'];
      assertChatInputSize(req.body, ctx.settings.limits);
      const turn = await ctx.chat.begin({
        namespace: req.params.namespace,
        project: req.params.project,
        body: req.body,
        stateless: req.headers['x-no-session'] !== undefined,
        sessionId: Array.isArray(headerId) ? headerId[0] : headerId,
      });
      if (turn.sessionId) void reply.header('X-Session-ID', turn.sessionId);
      const signal = clientGone(reply);
      if (turn.stream) {
        await streamTurn(req, reply, turn, signal, beat);
        return reply;
      }
      try {
        return await turn.complete(signal);
      } catch (e) {
        if (!signal.aborted) throw e;
        reply.hijack(); // the client is gone: nothing to answer
        return reply;
      }
    },
  );

  r.get(
    `${base}/chat/sessions/:session_id/history`,
    {
      schema: {
        operationId: 'chat_session_history',
        tags: ['chat'],
        summary: "A session's stored messages (seed prompts first); 404 for an unknown session",
        params: SessionParams,
        response: { 200: Type.Object({ messages: Type.Array(HistoryMessage) }), ...errors(404, 422) },
      },
    },
    async (req) => ({ messages: await ctx.chat.history(req.params.namespace, req.params.project, req.params.session_id) }),
  );

  r.delete(
    `${base}/chat/sessions/:session_id`,
    {
      schema: {
        operationId: 'chat_session_delete',
        tags: ['chat'],
        summary: 'Delete a session and its history; 404 for an unknown session',
        params: SessionParams,
        response: { 200: Type.Object({ message: Type.String() }), ...errors(404, 422) },
      },
    },
    async (req) => {
      await ctx.chat.deleteSession(req.params.namespace, req.params.project, req.params.session_id);
      return { message: `Session ${req.params.session_id} deleted` };
    },
  );

  r.delete(
    `${base}/chat/sessions`,
    {
      schema: {
        operationId: 'chat_sessions_delete_all',
        tags: ['chat'],
        summary: "Delete all of the project's sessions",
        params: ProjectParams,
        response: { 200: Type.Object({ message: Type.String(), count: Type.Integer() }), ...errors(404, 422) },
      },
    },
    async (req) => {
      const count = await ctx.chat.deleteAllSessions(req.params.namespace, req.params.project);
      return { message: `Deleted ${count} session(s)`, count };
    },
  );

  r.get(
    `${base}/models`,
    {
      schema: {
        operationId: 'models_list',
        tags: ['chat', 'mcp'],
        summary: "The project's configured models; `default` marks the one used when a request names none",
        params: ProjectParams,
        description: "The reference's `{total, models}` with OpenAI's `{object: 'list', data}` beside it, so OpenAI clients' `models.list()` works.",
        response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(OpenAIModel), total: Type.Integer(), models: Type.Array(ListedModel) }), ...errors(404, 422) },
      },
    },
    async (req) => {
      const models = await ctx.chat.models(req.params.namespace, req.params.project);
      // OpenAI's model objects: `id` is what a request's `model` takes (the configured name).
      const data = models.map((m) => ({ id: m.name, object: 'model' as const, created: 0, owned_by: m.provider }));
      return { object: 'list' as const, data, total: models.length, models };
    },
  );
}

/**
 * Error bodies of the completions route also carry OpenAI's `error` object beside `detail` (decision 0001: a
 * superset), so OpenAI clients report the real message instead of "status code (no body)".
 */
async function withOpenAIError(_req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  if (reply.statusCode < 400 || typeof payload !== 'string' || !payload.startsWith('{')) return payload;
  try {
    const body = JSON.parse(payload) as { detail?: unknown; error?: unknown };
    if (body.detail === undefined || body.error !== undefined) return payload;
    const message = typeof body.detail === 'string' ? body.detail : (body.detail as { loc?: unknown[]; msg?: string }[]).map((d) => `${(d.loc ?? []).join('.')}: ${d.msg}`).join('; ');
    const status = reply.statusCode;
    const type = status === 502 ? 'upstream_error' : status === 404 ? 'not_found_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
    return JSON.stringify({ ...body, error: { message, type, param: null, code: status } });
  } catch {
    return payload;
  }
}

/** Aborts when the client goes away before the response is complete. */
function clientGone(reply: FastifyReply): AbortSignal {
  const ac = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) ac.abort(new DOMException('the client disconnected', 'AbortError'));
  });
  return ac.signal;
}

/** SSE output: headers are sent with the first frame or heartbeat, so early failures stay JSON errors. */
class SseOutput {
  private started = false;
  private lastWrite = performance.now();

  constructor(
    private readonly reply: FastifyReply,
    private readonly signal: AbortSignal,
  ) {}

  get isStarted(): boolean {
    return this.started;
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.reply.hijack();
    const headers = this.reply.getHeaders() as OutgoingHttpHeaders;
    this.reply.raw.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
  }

  /** Writes a frame; resolves at once unless the socket buffer is full (then when it drains). */
  write(text: string): Promise<void> | undefined {
    this.start();
    this.lastWrite = performance.now();
    const raw = this.reply.raw;
    if (raw.destroyed || raw.writableEnded || raw.write(text)) return undefined;
    return once(raw, 'drain', { signal: this.signal }).then(
      () => undefined,
      () => undefined,
    );
  }

  /** A comment line when nothing was written for a while. */
  heartbeat(intervalMs: number): void {
    if (performance.now() - this.lastWrite < intervalMs * 0.9) return;
    void this.write(': heartbeat\n\n');
  }

  /** Ends the response (taking it over first if nothing was written, e.g. the client left early). */
  end(): void {
    this.start();
    if (!this.reply.raw.writableEnded) this.reply.raw.end();
  }
}

async function streamTurn(req: FastifyRequest, reply: FastifyReply, turn: ChatTurn, signal: AbortSignal, beat: number): Promise<void> {
  const out = new SseOutput(reply, signal);
  const timer = setInterval(() => out.heartbeat(beat), beat);
  let handOver = false;
  try {
    for await (const chunk of turn.chunks(signal)) {
      if (signal.aborted) break;
      const full = out.write(`data: ${JSON.stringify(chunk)}\n\n`);
      if (full) await full;
    }
    if (!signal.aborted) await out.write('data: [DONE]\n\n');
  } catch (e) {
    if (!out.isStarted && !signal.aborted) {
      handOver = true;
      throw e; // still a normal JSON error response
    }
    if (!signal.aborted) {
      const lf = toLfError(e);
      const status = lf ? lf.status : 500;
      const message = lf ? lf.message : 'Internal Server Error';
      if (status >= 500) req.log.error({ err: e }, message);
      await out.write(`data: ${JSON.stringify({ error: { message, type: status === 502 ? 'upstream_error' : 'server_error', code: status } })}\n\n`);
      await out.write('data: [DONE]\n\n');
    }
  } finally {
    clearInterval(timer);
    if (!handOver) out.end();
  }
}
