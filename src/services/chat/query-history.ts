/** A chat turn's retrieval as a `rag_query` event (issue 18 item 2; see services/rag/query-log.ts). */
import type { EventLog } from '../events.js';
import { recordRagQuery } from '../rag/query-log.js';
import type { TurnRagQuery } from './turn.js';

export function recordChatRagQuery(events: EventLog, q: TurnRagQuery): void {
  const { plan, outcome } = q;
  recordRagQuery(events, {
    namespace: q.namespace,
    project: q.project,
    query: plan.queries.length === 1 ? plan.queries[0] : plan.queries.join(' | '),
    database: plan.database,
    strategy: outcome.strategyUsed ?? plan.retrievalStrategy ?? plan.strategyName ?? 'default',
    settings: {
      top_k: plan.topK,
      ...(plan.scoreThreshold !== undefined ? { score_threshold: plan.scoreThreshold } : {}),
      ...(plan.custom ? { rag_queries: plan.queries } : {}),
    },
    results: outcome.chunks,
    latencyMs: q.latencyMs,
    origin: 'chat',
    ...(outcome.failures.length ? { errors: outcome.failures } : {}),
  });
}
