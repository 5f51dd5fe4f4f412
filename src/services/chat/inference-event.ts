/**
 * The `inference` event of one chat request (original §3.7): request_received, rag_query_start /
 * rag_retrieval_complete (or rag_retrieval_failed / rag_skipped), llm_inference_start, llm_first_token (gives
 * time_to_first_token_ms), llm_inference_complete, then response_generated (non-stream) or stream_complete. With
 * MCP tools, each model round repeats llm_inference_start / _complete, with an mcp_tool_call per tool run between
 * rounds (and an mcp_server_unavailable per unreachable server before the first).
 */
import type { ChatResult } from '../../adapters/runtimes/types.js';
import type { EventRecorder } from '../events.js';
import { chunkSource } from './prompts.js';
import type { RagOutcome, RagPlan } from './rag.js';
import type { ChatCompletion } from './types.js';
import type { TrimReport } from './context-budget.js';

const round3 = (n: number) => Math.round(n * 1000) / 1000;

export class InferenceEvent {
  private firstToken = false;

  constructor(private readonly rec: EventRecorder) {}

  get requestId(): string {
    return this.rec.requestId;
  }

  received(o: { messageCount: number; model: string; ragEnabled: boolean | undefined; stream: boolean; sessionId?: string }): void {
    this.rec.sub('request_received', {
      message_length: o.messageCount,
      model: o.model,
      rag_enabled: o.ragEnabled ?? null,
      stream: o.stream,
      ...(o.sessionId ? { session_id: o.sessionId } : {}),
    });
  }

  /** The prompt was trimmed to fit the model's context: what was dropped and the token figures. */
  contextTrimmed(report: TrimReport): void {
    this.rec.sub('context_trimmed', { ...report });
  }

  ragSkipped(reason: string): void {
    this.rec.sub('rag_skipped', { reason });
  }

  ragStart(plan: RagPlan): void {
    this.rec.sub('rag_query_start', {
      database: plan.database,
      query: plan.custom ? `[${plan.queries.length} custom queries]` : plan.queries[0],
      top_k: plan.topK,
      retrieval_strategy: plan.retrievalStrategy ?? plan.strategyName ?? 'default',
      rag_queries_count: plan.custom ? plan.queries.length : 0,
      ...(plan.scoreThreshold !== undefined ? { score_threshold: plan.scoreThreshold } : {}),
    });
  }

  ragDone(plan: RagPlan, out: RagOutcome): void {
    if (out.failures.length) {
      this.rec.sub('rag_retrieval_failed', { database: plan.database, errors: out.failures, failed_queries: out.failures.length, total_queries: plan.queries.length });
    }
    if (out.failures.length === plan.queries.length) return;
    const scores = out.chunks.map((c) => c.score);
    this.rec.sub('rag_retrieval_complete', {
      chunks_retrieved: out.chunks.length,
      avg_score: scores.length ? round3(scores.reduce((a, b) => a + b, 0) / scores.length) : 0,
      ...(out.strategyUsed ? { retrieval_strategy_used: out.strategyUsed } : {}),
      top_chunks: out.chunks.slice(0, 2).map((c, i) => ({
        rank: i + 1,
        content_preview: c.content.slice(0, 100),
        source: chunkSource(c.metadata),
        score: round3(c.score),
      })),
    });
  }

  inferenceStart(model: string, provider: string): void {
    this.rec.sub('llm_inference_start', { model, provider });
  }

  /** Records the first token once. */
  token(): void {
    if (this.firstToken) return;
    this.firstToken = true;
    this.rec.sub('llm_first_token', {});
  }

  inferenceDone(r: Pick<ChatResult, 'finish_reason' | 'usage'>): void {
    this.rec.sub('llm_inference_complete', { finish_reason: r.finish_reason, ...(r.usage ? { usage: r.usage } : {}) });
  }

  /** A server-side (MCP) tool call of the tool loop. */
  toolCall(o: { name: string; server: string | null; durationMs: number; ok: boolean; error?: string }): void {
    this.rec.sub('mcp_tool_call', { tool: o.name, server: o.server, tool_duration_ms: Math.round(o.durationMs * 100) / 100, ok: o.ok, ...(o.error ? { error: o.error } : {}) });
  }

  /** An MCP server the model may use could not be reached; the turn goes on without its tools. */
  toolServerUnavailable(server: string, error: string): void {
    this.rec.sub('mcp_server_unavailable', { server, error });
  }

  responseGenerated(c: ChatCompletion): void {
    this.rec.sub('response_generated', c as unknown as Record<string, unknown>);
    this.rec.complete();
  }

  streamComplete(chunks: number): void {
    this.rec.sub('stream_complete', { chunks });
    this.rec.complete();
  }

  fail(e: unknown, stream: boolean): void {
    const msg = e instanceof Error ? e.message : String(e);
    this.rec.fail(stream ? `stream_failed: ${msg}` : msg);
  }
}
