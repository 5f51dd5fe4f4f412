/**
 * One conversation with a project's chat (`POST .../chat/completions`): sends each user turn, streams the reply
 * (SSE `chat.completion.chunk` deltas: `content`, and `reasoning_content` for thinking models) and keeps the
 * server's `X-Session-ID` so the next turn continues the same history (or sends `X-No-Session`).
 */
import { CliError, EXIT } from './errors.js';
import { projectPath, type LfClient } from './http.js';
import { sseJson } from './sse.js';

export interface ChatSettings {
  /** A configured model name of the project (default: its default model). */
  model?: string;
  /** Force RAG on or off (default: the project's config decides). */
  rag?: boolean;
  database?: string;
  /** Retrieved chunks per question (`rag_top_k`); fewer suit small model contexts. */
  ragTopK?: number;
  /** false: stateless (`X-No-Session`). */
  stateful: boolean;
  /** Continue this session instead of starting a new one. */
  sessionId?: string;
  think?: boolean;
  maxTokens?: number;
  temperature?: number;
}

export interface TurnHandlers {
  onContent?: (text: string) => void;
  onReasoning?: (text: string) => void;
  signal?: AbortSignal;
}

export interface TurnResult {
  content: string;
  reasoning: string;
  finishReason?: string;
  sessionId?: string;
}

/** The reasoning text of a stream delta, whatever the provider called it. */
export function reasoningOf(delta: Record<string, any>): string {
  const r = delta.reasoning_content ?? delta.reasoning ?? delta.thinking;
  if (typeof r === 'string') return r;
  return typeof r?.content === 'string' ? r.content : '';
}

export class ChatSession {
  sessionId: string | undefined;

  constructor(
    private readonly client: LfClient,
    private readonly namespace: string,
    private readonly project: string,
    private readonly settings: ChatSettings,
  ) {
    this.sessionId = settings.sessionId;
  }

  /** Forget the session: the next turn starts a new one. */
  reset(): void {
    this.sessionId = undefined;
  }

  private request(message: string, stream: boolean) {
    const s = this.settings;
    const headers: Record<string, string> = {};
    if (!s.stateful) headers['x-no-session'] = 'true';
    else if (this.sessionId) headers['x-session-id'] = this.sessionId;
    const json = {
      messages: [{ role: 'user', content: message }],
      stream,
      model: s.model,
      rag_enabled: s.rag,
      database: s.database,
      rag_top_k: s.ragTopK,
      think: s.think,
      max_tokens: s.maxTokens,
      temperature: s.temperature,
    };
    return { path: projectPath(this.namespace, this.project, 'chat', 'completions'), json, headers };
  }

  private remember(res: Response): void {
    const id = res.headers.get('x-session-id');
    if (this.settings.stateful && id) this.sessionId = id;
  }

  /** One turn, streamed: handlers hear the text as it arrives. */
  async send(message: string, h: TurnHandlers = {}): Promise<TurnResult> {
    const { path, json, headers } = this.request(message, true);
    const res = await this.client.send('POST', path, { json, headers, signal: h.signal });
    this.remember(res);
    const out: TurnResult = { content: '', reasoning: '', sessionId: this.sessionId };
    for await (const chunk of sseJson<Record<string, any>>(res)) {
      if (chunk.error) {
        const e = chunk.error;
        throw new CliError(typeof e === 'string' ? e : (e.message ?? JSON.stringify(e)), EXIT.serverError);
      }
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      const delta = choice.delta ?? {};
      const reasoning = reasoningOf(delta);
      if (reasoning) {
        out.reasoning += reasoning;
        h.onReasoning?.(reasoning);
      }
      if (typeof delta.content === 'string' && delta.content) {
        out.content += delta.content;
        h.onContent?.(delta.content);
      }
      if (choice.finish_reason) out.finishReason = choice.finish_reason;
    }
    return out;
  }

  /** One turn, not streamed: the server's `chat.completion` object (with `session_id` when stateful). */
  async complete(message: string): Promise<Record<string, any>> {
    const { path, json, headers } = this.request(message, false);
    const res = await this.client.send('POST', path, { json, headers });
    this.remember(res);
    const body = (await res.json()) as Record<string, any>;
    return this.sessionId ? { ...body, session_id: this.sessionId } : body;
  }
}
