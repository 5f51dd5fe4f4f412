/**
 * Retrieval evaluation as a task (issue 18 item 3): a set of judged queries run through the real retrieval
 * service under one or more configs, scored by the same metric code as `npm run eval:retrieval` (metrics.ts).
 * Per config: nDCG@k, Recall@k, Recall@100, MRR@k, latency p50/p95, and per query the rank of every relevant
 * item, so a change is visible query by query.
 *
 * A relevant id may be a document id or a chunk id. A result counts as its chunk when the chunk itself is judged,
 * else as its document; each counts once, at its best position (documents split into chunks count once).
 */
import type { TaskHandler } from '../../adapters/queues/types.js';
import type { MetadataFilter } from '../../adapters/stores/types.js';
import type { SearchOptions, SearchResult } from '../rag/retrieval.js';
import { evaluateRunAt, percentile, queryMetricsAt, uniqueInOrder, type Judgements } from './metrics.js';

export const RAG_EVALUATE = 'rag_evaluate';
export const MAX_EVAL_QUERIES = 2000;
export const MAX_EVAL_CONFIGS = 8;
export const EVAL_DEPTH = 100;

export interface EvalQuery {
  query: string;
  /** Document or chunk id → grade (0 not relevant, 1-3 relevant). */
  relevant: Record<string, number>;
}

export interface EvalConfig {
  /** A label for the table; default `config N`. */
  name?: string;
  retrieval_strategy?: string;
  /** How deep each search goes (default 100, which Recall@100 needs). */
  top_k?: number;
  hybrid_alpha?: number;
  rerank_model?: string;
  query_expansion?: boolean;
  score_threshold?: number;
  metadata_filters?: Record<string, unknown>;
}

export interface EvalPayload {
  database?: string;
  k: number;
  queries: EvalQuery[];
  configs: EvalConfig[];
}

export interface QueryOutcome {
  query: string;
  /** Relevant id → its rank (1-based, after chunks of a document are merged), null when not retrieved. */
  ranks: Record<string, number | null>;
  ndcg: number;
  latency_ms: number;
  error?: string;
}

export interface ConfigOutcome {
  name: string;
  config: EvalConfig;
  strategy_used: string | null;
  metrics: { ndcg_at_k: number; recall_at_k: number; recall_at_100: number; mrr_at_k: number };
  latency_ms: { p50: number; p95: number };
  queries_per_second: number;
  failed_queries: number;
  per_query: QueryOutcome[];
}

export interface EvalResult {
  k: number;
  database: string | null;
  queries: number;
  configs: ConfigOutcome[];
}

type Search = (o: SearchOptions) => Promise<{ results: SearchResult[]; strategyUsed: string; databaseUsed: string }>;

/** The ranking of one result list as evaluation units (see the file comment). */
export function rankingUnits(results: readonly Pick<SearchResult, 'chunk_id' | 'document_id'>[], relevant: Judgements): string[] {
  return uniqueInOrder(results.map((r) => (relevant.has(r.chunk_id) ? r.chunk_id : (r.document_id ?? r.chunk_id))));
}

const round = (n: number, d = 4) => Math.round(n * 10 ** d) / 10 ** d;

function searchOptions(q: string, database: string | undefined, c: EvalConfig, signal: AbortSignal): SearchOptions {
  return {
    query: q,
    topK: Math.min(c.top_k ?? EVAL_DEPTH, EVAL_DEPTH),
    ...(database ? { database } : {}),
    ...(c.retrieval_strategy ? { retrievalStrategy: c.retrieval_strategy } : {}),
    ...(c.score_threshold !== undefined ? { scoreThreshold: c.score_threshold } : {}),
    ...(c.metadata_filters ? { metadataFilters: c.metadata_filters as MetadataFilter } : {}),
    hints: {
      ...(c.hybrid_alpha !== undefined ? { hybridAlpha: c.hybrid_alpha } : {}),
      ...(c.rerank_model ? { rerankModel: c.rerank_model } : {}),
      queryExpansion: c.query_expansion ?? false,
    },
    signal,
  };
}

/** Runs every query under every config and scores them. `progress` gets (done, total) searches. */
export async function evaluateRetrieval(search: Search, p: EvalPayload, signal: AbortSignal, progress: (done: number, total: number) => void = () => {}): Promise<EvalResult> {
  const qrels = new Map(p.queries.map((q, i) => [String(i), new Map(Object.entries(q.relevant)) as Judgements]));
  const total = p.queries.length * p.configs.length;
  let done = 0;
  let database: string | null = p.database ?? null;
  const configs: ConfigOutcome[] = [];
  for (const [ci, c] of p.configs.entries()) {
    const run = new Map<string, string[]>();
    const perQuery: QueryOutcome[] = [];
    const latencies: number[] = [];
    let strategyUsed: string | null = null;
    let failed = 0;
    const t0 = performance.now();
    for (const [qi, q] of p.queries.entries()) {
      signal.throwIfAborted();
      const judgements = qrels.get(String(qi))!;
      const started = performance.now();
      let ranking: string[] = [];
      let error: string | undefined;
      try {
        const out = await search(searchOptions(q.query, p.database, c, signal));
        strategyUsed ??= out.strategyUsed;
        database ??= out.databaseUsed;
        ranking = rankingUnits(out.results, judgements);
      } catch (e) {
        signal.throwIfAborted();
        failed++;
        error = e instanceof Error ? e.message : String(e);
      }
      const latency = performance.now() - started;
      latencies.push(latency);
      run.set(String(qi), ranking);
      const ranks: Record<string, number | null> = {};
      for (const [id, g] of judgements) if (g > 0) ranks[id] = ranking.indexOf(id) >= 0 ? ranking.indexOf(id) + 1 : null;
      perQuery.push({ query: q.query, ranks, ndcg: round(queryMetricsAt(ranking, judgements, p.k).ndcg), latency_ms: round(latency, 2), ...(error ? { error } : {}) });
      progress(++done, total);
    }
    const seconds = (performance.now() - t0) / 1000;
    const m = evaluateRunAt(run, qrels, p.k);
    configs.push({
      name: c.name ?? `config ${ci + 1}`,
      config: c,
      strategy_used: strategyUsed,
      metrics: { ndcg_at_k: round(m.ndcg), recall_at_k: round(m.recall), recall_at_100: round(m.recall100), mrr_at_k: round(m.mrr) },
      latency_ms: { p50: round(percentile(latencies, 50), 2), p95: round(percentile(latencies, 95), 2) },
      queries_per_second: round(p.queries.length / Math.max(seconds, 1e-9), 1),
      failed_queries: failed,
      per_query: perQuery,
    });
  }
  return { k: p.k, database, queries: p.queries.length, configs };
}

/** The task handler: the payload is the whole evaluation (queries already resolved from the judgments). */
export function evaluateHandler(deps: { search: (ns: string, project: string, o: SearchOptions) => ReturnType<Search> }): TaskHandler {
  return async (t) => {
    const payload = t.payload as unknown as EvalPayload;
    const search: Search = (o) => deps.search(t.scope.namespace, t.scope.project, o);
    const result = await evaluateRetrieval(search, payload, t.signal, (done, total) => t.progress({ current: done, total, message: `${done}/${total} searches` }));
    return result as unknown as Record<string, unknown>;
  };
}

/** The comparison table `lf rag eval` prints. */
export function formatEvalTable(r: EvalResult): string {
  const k = r.k;
  const head = ['config', 'strategy', `nDCG@${k}`, `Recall@${k}`, 'Recall@100', `MRR@${k}`, 'p50 ms', 'p95 ms', 'q/s'];
  const rows = r.configs.map((c) => [
    c.name,
    c.strategy_used ?? '-',
    c.metrics.ndcg_at_k.toFixed(4),
    c.metrics.recall_at_k.toFixed(4),
    c.metrics.recall_at_100.toFixed(4),
    c.metrics.mrr_at_k.toFixed(4),
    c.latency_ms.p50.toFixed(1),
    c.latency_ms.p95.toFixed(1),
    c.queries_per_second.toFixed(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [`${r.queries} queries, database ${r.database ?? '(default)'}`, line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  const failed = r.configs.filter((c) => c.failed_queries > 0);
  for (const c of failed) out.push(`${c.name}: ${c.failed_queries} queries failed (scored 0)`);
  return out.join('\n');
}
