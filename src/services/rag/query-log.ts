/**
 * Query history (issue 18 item 2): every `/rag/query` and every RAG-enabled chat turn records a `rag_query` event
 * — the query, database, strategy, settings, the ranked chunk and document ids with scores, and the latency — so
 * a test set can grow from real use (judge what was returned) and be read back with `/event_logs?type=rag_query`.
 * Contents are not copied into the event (ids and scores are enough to judge and to compare).
 */
import type { EventLog } from '../events.js';

export interface RankedHit {
  chunk_id: string;
  document_id?: string;
  score: number;
  metadata?: Record<string, unknown>;
}

export interface RagQueryRecord {
  namespace: string;
  project: string;
  query: string;
  database: string;
  strategy: string;
  /** The settings the search ran with (top_k, threshold, hints...). */
  settings: Record<string, unknown>;
  results: readonly RankedHit[];
  latencyMs: number;
  /** `api` for /rag/query, `chat` for a chat turn. */
  origin: 'api' | 'chat';
  /** Failed searches (chat goes on without them). */
  errors?: string[];
}

/** The ranked ids as the event keeps them. */
export function rankedIds(results: readonly RankedHit[]): { rank: number; chunk_id: string; document_id: string | null; score: number; source: string | null }[] {
  return results.map((r, i) => {
    const src = r.metadata?.source ?? r.metadata?.filename;
    return { rank: i + 1, chunk_id: r.chunk_id, document_id: r.document_id ?? null, score: Math.round(r.score * 1e6) / 1e6, source: typeof src === 'string' ? src : null };
  });
}

/** Records one `rag_query` event; never throws (the query already answered). */
export function recordRagQuery(events: EventLog, r: RagQueryRecord): void {
  try {
    const rec = events.start({ namespace: r.namespace, project: r.project, type: 'rag_query' });
    const data = {
      query: r.query,
      database: r.database,
      strategy: r.strategy,
      origin: r.origin,
      settings: r.settings,
      results: rankedIds(r.results),
      latency_ms: Math.round(r.latencyMs * 100) / 100,
      ...(r.errors?.length ? { errors: r.errors } : {}),
    };
    rec.sub('rag_query', data);
    void rec.complete({ query: r.query, database: r.database, results: r.results.length, latency_ms: data.latency_ms }).catch(() => {});
  } catch {
    /* history is best effort */
  }
}
