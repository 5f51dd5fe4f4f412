/**
 * A local stand-in for an OpenAI-compatible model server (OpenAI, vLLM, llama.cpp server, Ollama's /v1) and for
 * Ollama's native chat API, speaking their wire formats exactly on a real `node:http` server (127.0.0.1, port 0):
 *
 * - `POST /v1/chat/completions`: a `chat.completion` object, or with `stream: true` SSE `data: {chunk}\n\n`
 *   frames of `chat.completion.chunk` objects (role first, content / reasoning / tool-call deltas, a final
 *   chunk with `finish_reason`, a `choices: []` usage chunk when `stream_options.include_usage`), then
 *   `data: [DONE]\n\n`. Errors are `{"error": {message, type, param, code}}`.
 * - `GET /v1/models`: `{object: "list", data: [{id, object: "model", created, owned_by}]}`.
 * - `POST /api/chat`: Ollama native; NDJSON stream by default (`stream` defaults to true), `message.thinking`
 *   unless `think: false`, whole tool calls with object arguments, `done_reason`, `prompt_eval_count`/`eval_count`.
 *   Errors are `{"error": "..."}`.
 * - `GET /api/tags`: Ollama's model list.
 *
 * Like a real server it honours `max_tokens` (`num_predict`: cut, finish `length`) and `stop` (cut before the
 * stop text, finish `stop`). "Tokens" are whitespace-led pieces of at most 4 characters, so tags such as
 * `<think>` arrive split across chunks. Replies are scriptable per request (text, reasoning and how it is sent,
 * tool calls, delay per token, HTTP errors, mid-stream disconnect); every request is logged.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeReply {
  /** Answer text (default: a short fixed story). */
  content?: string;
  reasoning?: string;
  /** How /v1 sends reasoning; default: `reasoning_content` (openai flavor) or `reasoning` (ollama flavor). */
  reasoningAs?: 'reasoning_content' | 'reasoning' | 'inline';
  toolCalls?: Array<{ name: string; arguments: string; id?: string }>;
  /** Pause before each streamed token (non-stream: the sum of them before answering). */
  tokenDelayMs?: number;
  /** Pause before answering at all (response headers). */
  headerDelayMs?: number;
  /** Answer this HTTP status with the protocol's error body. */
  status?: number;
  errorMessage?: string;
  /** Destroy the socket after this many streamed tokens (non-stream: before answering). */
  disconnectAfter?: number;
}

export interface LoggedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

export interface FakeOptions {
  /** Which server this imitates on /v1 (reasoning field name, fingerprint). */
  flavor?: 'openai' | 'ollama';
  models?: string[];
  defaultReply?: FakeReply;
}

export const FAKE_STORY =
  'Once upon a time, there was a little robot named Pip. Pip liked to help everyone in the town. ' +
  'One day, Pip found a lost kitten near the river. The kitten was cold and sad. ' +
  'Pip carried the kitten home and gave it warm milk. The kitten purred and they became best friends.';

type Json = Record<string, any>;

interface Plan {
  reasoning: string[];
  content: string[];
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
  finish: 'stop' | 'length' | 'tool_calls';
  promptTokens: number;
}

export class ChatUpstreamFake {
  readonly requests: LoggedRequest[] = [];
  /** Streams the client closed before they ended (an upstream abort as the server sees it). */
  abortedStreams = 0;
  readonly flavor: 'openai' | 'ollama';
  models: string[];
  defaultReply: FakeReply;
  private readonly queue: FakeReply[] = [];
  private seq = 0;
  private server!: Server;
  private port = 0;

  private constructor(o: FakeOptions) {
    this.flavor = o.flavor ?? 'openai';
    this.models = o.models ?? ['fake-model'];
    this.defaultReply = o.defaultReply ?? {};
  }

  static async start(o: FakeOptions = {}): Promise<ChatUpstreamFake> {
    const f = new ChatUpstreamFake(o);
    f.server = createServer((req, res) => void f.handle(req, res));
    await new Promise<void>((resolve) => f.server.listen(0, '127.0.0.1', resolve));
    f.port = (f.server.address() as AddressInfo).port;
    return f;
  }

  /** `http://127.0.0.1:<port>` (append `/v1` for the OpenAI-compatible API). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Replies for the next chat requests, in order; afterwards `defaultReply` applies. */
  script(...replies: FakeReply[]): this {
    this.queue.push(...replies);
    return this;
  }

  /** Chat requests only (POST /v1/chat/completions and /api/chat). */
  get chatRequests(): LoggedRequest[] {
    return this.requests.filter((r) => r.method === 'POST');
  }

  get lastChat(): LoggedRequest | undefined {
    return this.chatRequests.at(-1);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: any = undefined;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const path = (req.url ?? '/').split('?')[0];
    this.requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });
    const native = path.startsWith('/api/');

    if (req.method === 'GET' && path === '/v1/models') {
      return sendJson(res, 200, { object: 'list', data: this.models.map((id) => ({ id, object: 'model', created: 1700000000, owned_by: 'library' })) });
    }
    if (req.method === 'GET' && path === '/api/tags') {
      return sendJson(res, 200, {
        models: this.models.map((name) => ({
          name,
          model: name,
          modified_at: '2025-01-01T00:00:00Z',
          size: 1000,
          digest: 'sha256:0',
          details: { format: 'gguf', family: 'llama', parameter_size: '1B', quantization_level: 'Q4_K_M' },
        })),
      });
    }
    const isChat = req.method === 'POST' && (path === '/v1/chat/completions' || path === '/api/chat');
    if (!isChat) return this.error(res, native, 404, `404 page not found`);
    if (!body || typeof body !== 'object') return this.error(res, native, 400, 'invalid JSON body');

    const reply = { ...this.defaultReply, ...(this.queue.shift() ?? {}) };
    if (reply.headerDelayMs) await sleep(reply.headerDelayMs);
    if (res.destroyed) return;
    if (reply.disconnectAfter !== undefined && !(native ? body.stream !== false : body.stream === true)) {
      res.socket?.destroy();
      return;
    }
    if (reply.status) return this.error(res, native, reply.status, reply.errorMessage ?? 'the fake upstream failed on purpose');
    if (!this.models.includes(body.model)) {
      return native
        ? this.error(res, true, 404, `model '${body.model}' not found`)
        : this.error(res, false, 404, `The model \`${body.model}\` does not exist.`, 'model_not_found');
    }
    const plan = this.plan(body, reply, native);
    const nonStream = native ? body.stream === false : !body.stream;
    if (nonStream && reply.tokenDelayMs) {
      // A non-stream answer takes as long as generating it would.
      await sleep(reply.tokenDelayMs * (plan.reasoning.length + plan.content.length));
      if (res.destroyed || req.destroyed) return;
    }
    if (native) return body.stream === false ? this.nativeJson(res, body, plan) : this.nativeStream(res, body, plan, reply);
    return body.stream ? this.v1Stream(res, body, plan, reply) : this.v1Json(res, body, plan, reply);
  }

  private plan(body: Json, reply: FakeReply, native: boolean): Plan {
    const maxTokens: number | undefined = native ? body.options?.num_predict : (body.max_completion_tokens ?? body.max_tokens);
    const stops: string[] = toList(native ? body.options?.stop : body.stop);
    const think = native ? body.think !== false : true;
    let content = reply.content ?? FAKE_STORY;
    let finish: Plan['finish'] = 'stop';
    for (const s of stops) {
      const i = content.indexOf(s);
      if (i >= 0) content = content.slice(0, i);
    }
    const inline = !native && reply.reasoning && reply.reasoningAs === 'inline';
    if (inline) content = `<think>${reply.reasoning}</think>\n\n${content}`;
    const reasoning = !inline && think && reply.reasoning ? tokens(reply.reasoning) : [];
    let pieces = tokens(content);
    if (typeof maxTokens === 'number' && maxTokens >= 0 && reasoning.length + pieces.length > maxTokens) {
      pieces = pieces.slice(0, Math.max(0, maxTokens - reasoning.length));
      finish = 'length';
    }
    const toolCalls = (reply.toolCalls ?? []).map((c, i) => ({ id: c.id ?? `call_fake${this.seq}_${i}`, name: c.name, arguments: c.arguments }));
    if (toolCalls.length) finish = 'tool_calls';
    const promptTokens = (body.messages ?? []).reduce((n: number, m: Json) => n + 4 + tokens(String(m.content ?? '')).length, 0);
    return { reasoning, content: pieces, toolCalls, finish, promptTokens };
  }

  private reasoningField(reply: FakeReply): string {
    if (reply.reasoningAs && reply.reasoningAs !== 'inline') return reply.reasoningAs;
    return this.flavor === 'ollama' ? 'reasoning' : 'reasoning_content';
  }

  private usage(plan: Plan): Json {
    const completion = plan.reasoning.length + plan.content.length + plan.toolCalls.length * 8;
    return { prompt_tokens: plan.promptTokens, completion_tokens: completion, total_tokens: plan.promptTokens + completion };
  }

  private v1Json(res: ServerResponse, body: Json, plan: Plan, reply: FakeReply): void {
    const message: Json = { role: 'assistant', content: plan.toolCalls.length && !plan.content.length ? null : plan.content.join(''), refusal: null };
    if (plan.reasoning.length) message[this.reasoningField(reply)] = plan.reasoning.join('');
    if (plan.toolCalls.length) {
      message.tool_calls = plan.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
    }
    sendJson(res, 200, {
      id: `chatcmpl-fake${++this.seq}`,
      object: 'chat.completion',
      created: now(),
      model: body.model,
      system_fingerprint: this.fingerprint(),
      choices: [{ index: 0, message, logprobs: null, finish_reason: plan.finish }],
      usage: this.usage(plan),
    });
  }

  private async v1Stream(res: ServerResponse, body: Json, plan: Plan, reply: FakeReply): Promise<void> {
    const id = `chatcmpl-fake${++this.seq}`;
    const created = now();
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const includeUsage = body.stream_options?.include_usage === true;
    const frame = (delta: Json, finish: string | null = null) =>
      `data: ${JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created,
        model: body.model,
        system_fingerprint: this.fingerprint(),
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        ...(includeUsage ? { usage: null } : {}),
      })}\n\n`;
    const field = this.reasoningField(reply);
    const events: string[] = [frame({ role: 'assistant', content: '' })];
    for (const p of plan.reasoning) events.push(frame({ [field]: p }));
    for (const p of plan.content) events.push(frame({ content: p }));
    plan.toolCalls.forEach((c, index) => {
      events.push(frame({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }));
      for (const part of thirds(c.arguments)) events.push(frame({ tool_calls: [{ index, function: { arguments: part } }] }));
    });
    events.push(frame({}, plan.finish));
    if (includeUsage) {
      events.push(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, system_fingerprint: this.fingerprint(), choices: [], usage: this.usage(plan) })}\n\n`);
    }
    events.push('data: [DONE]\n\n');
    await this.writeSlowly(res, events, reply, 1);
  }

  private nativeJson(res: ServerResponse, body: Json, plan: Plan): void {
    const message: Json = { role: 'assistant', content: plan.content.join('') };
    if (plan.reasoning.length) message.thinking = plan.reasoning.join('');
    if (plan.toolCalls.length) message.tool_calls = plan.toolCalls.map((c, index) => nativeToolCall(c, index));
    sendJson(res, 200, {
      model: body.model,
      created_at: new Date().toISOString(),
      message,
      done_reason: plan.finish === 'length' ? 'length' : 'stop',
      done: true,
      ...this.nativeMetrics(plan),
    });
  }

  private async nativeStream(res: ServerResponse, body: Json, plan: Plan, reply: FakeReply): Promise<void> {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const line = (message: Json, extra: Json = { done: false }) =>
      `${JSON.stringify({ model: body.model, created_at: new Date().toISOString(), message: { role: 'assistant', content: '', ...message }, ...extra })}\n`;
    const events: string[] = [];
    for (const p of plan.reasoning) events.push(line({ thinking: p }));
    for (const p of plan.content) events.push(line({ content: p }));
    if (plan.toolCalls.length) events.push(line({ tool_calls: plan.toolCalls.map((c, i) => nativeToolCall(c, i)) }));
    events.push(line({}, { done_reason: plan.finish === 'length' ? 'length' : 'stop', done: true, ...this.nativeMetrics(plan) }));
    await this.writeSlowly(res, events, reply, 0);
  }

  private nativeMetrics(plan: Plan): Json {
    const u = this.usage(plan);
    return {
      total_duration: 1_000_000,
      load_duration: 1000,
      prompt_eval_count: u.prompt_tokens,
      prompt_eval_duration: 1000,
      eval_count: u.completion_tokens,
      eval_duration: 1000,
    };
  }

  /** Writes events with the per-token delay; `lead` = events before the first token (the role chunk). */
  private async writeSlowly(res: ServerResponse, events: string[], reply: FakeReply, lead: number): Promise<void> {
    let closed = false;
    res.on('close', () => {
      closed = true;
      if (!res.writableFinished) this.abortedStreams++;
    });
    for (let i = 0; i < events.length; i++) {
      if (closed) return;
      const tokenIndex = i - lead;
      if (reply.disconnectAfter !== undefined && tokenIndex >= reply.disconnectAfter) {
        res.socket?.destroy();
        return;
      }
      if (reply.tokenDelayMs && tokenIndex >= 0) await sleep(reply.tokenDelayMs);
      if (closed) return;
      res.write(events[i]);
    }
    res.end();
  }

  private error(res: ServerResponse, native: boolean, status: number, message: string, code: string | null = null): void {
    if (native) return sendJson(res, status, { error: message });
    const type = status >= 500 ? 'server_error' : status === 404 ? 'not_found_error' : 'invalid_request_error';
    sendJson(res, status, { error: { message, type, param: null, code } });
  }

  private fingerprint(): string {
    return this.flavor === 'ollama' ? 'fp_ollama' : 'fp_fake';
  }
}

/** Whitespace-led pieces of at most 4 non-space characters; joined they give the text back. */
export function tokens(text: string): string[] {
  return text.match(/\s*[^\s]{1,4}|\s+$/g) ?? [];
}

function nativeToolCall(c: { id: string; name: string; arguments: string }, index: number): Json {
  let args: unknown = {};
  try {
    args = JSON.parse(c.arguments || '{}');
  } catch {
    /* keep {} */
  }
  return { id: c.id, function: { index, name: c.name, arguments: args } };
}

function thirds(s: string): string[] {
  if (s.length < 3) return [s];
  const a = Math.floor(s.length / 3);
  return [s.slice(0, a), s.slice(a, 2 * a), s.slice(2 * a)];
}

function toList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string' && s.length > 0) : [];
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
