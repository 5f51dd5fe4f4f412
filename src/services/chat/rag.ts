/**
 * RAG in chat (original §3.3 "RAG in chat"): resolve the parameters from the request and the config, run
 * one search per query concurrently, merge. A failed search is reported, never fatal: chat goes on without it.
 */
import type { ChatMessage } from '../../adapters/runtimes/types.js';
import type { DatabaseConfig, ProjectConfig } from '../../config/schema.js';
import { errorMessage } from '../../core/errors.js';
import type { ChatRetriever, RagInput, RetrievedChunk } from './types.js';

export const DEFAULT_RAG_TOP_K = 5;
/** Results are de-duplicated on this many leading characters of their content (the original's rule). */
export const DEDUPE_PREFIX = 200;

export interface RagPlan {
  database: string;
  /** The request's strategy name, when it gave one (the retrieval service resolves and falls back). */
  retrievalStrategy?: string;
  /** The strategy whose defaults apply: the requested one when configured, else the database default. */
  strategyName?: string;
  topK: number;
  scoreThreshold?: number;
  queries: string[];
  custom: boolean;
}

export type RagDecision = { run: true; plan: RagPlan } | { run: false; reason: string };

function strategyConfig(db: DatabaseConfig, requested?: string): { name?: string; config: Record<string, unknown> } {
  const list = db.retrieval_strategies ?? [];
  const s =
    (requested ? list.find((x) => x.name === requested) ?? list.find((x) => x.type === requested) : undefined) ??
    list.find((x) => x.name === db.default_retrieval_strategy) ??
    list.find((x) => x.default === true) ??
    list[0];
  return { name: s?.name, config: s?.config ?? {} };
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The latest user message with text, or undefined. */
export function latestUserText(messages: readonly ChatMessage[]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.role === 'user' && m.content && m.content.trim()) return m.content;
  }
  return undefined;
}

/** Whether RAG runs for this request, and with what. */
export function planRag(config: ProjectConfig, input: RagInput, conversation: readonly ChatMessage[]): RagDecision {
  const dbs = config.rag?.databases ?? [];
  if (input.enabled === false) return { run: false, reason: 'rag_enabled is false' };
  if (dbs.length === 0) return { run: false, reason: 'the project has no RAG databases' };
  const name = input.database ?? config.rag?.default_database;
  const db = (name ? dbs.find((d) => d.name === name) : undefined) ?? (input.database ? undefined : dbs[0]);
  if (!db) return { run: false, reason: `database '${name}' not found (valid names: ${dbs.map((d) => d.name).join(', ')})` };
  const queries = input.queries.length ? input.queries : [latestUserText(conversation)].filter((q): q is string => q !== undefined);
  if (!queries.length) return { run: false, reason: 'no user message to search with' };
  const s = strategyConfig(db, input.retrievalStrategy);
  const plan: RagPlan = {
    database: db.name,
    topK: input.topK ?? num(s.config.top_k) ?? DEFAULT_RAG_TOP_K,
    queries,
    custom: input.queries.length > 0,
  };
  if (input.retrievalStrategy) plan.retrievalStrategy = input.retrievalStrategy;
  if (s.name) plan.strategyName = s.name;
  const threshold = input.scoreThreshold ?? num(s.config.score_threshold);
  if (threshold !== undefined) plan.scoreThreshold = threshold;
  return { run: true, plan };
}

export interface RagOutcome {
  chunks: RetrievedChunk[];
  strategyUsed?: string;
  /** One message per failed query search. */
  failures: string[];
}

/**
 * Flattens per-query results in query order, keeps the first of each content (by its first 200 characters),
 * sorts by score (best first, ties keep their order) and cuts to `topK`.
 */
export function mergeResults(perQuery: readonly (readonly RetrievedChunk[])[], topK: number): RetrievedChunk[] {
  const seen = new Set<string>();
  const out: RetrievedChunk[] = [];
  for (const results of perQuery) {
    for (const r of results) {
      const key = r.content.slice(0, DEDUPE_PREFIX);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(r);
    }
  }
  return out.sort((a, b) => b.score - a.score).slice(0, topK);
}

export async function runRag(
  retriever: ChatRetriever,
  namespace: string,
  project: string,
  config: ProjectConfig,
  plan: RagPlan,
  signal: AbortSignal,
): Promise<RagOutcome> {
  const settled = await Promise.allSettled(
    plan.queries.map((query) =>
      retriever.searchConfig(namespace, project, config, {
        query,
        database: plan.database,
        retrievalStrategy: plan.retrievalStrategy ?? null,
        topK: plan.topK,
        scoreThreshold: plan.scoreThreshold ?? null,
        signal,
      }),
    ),
  );
  const lists: RetrievedChunk[][] = [];
  const failures: string[] = [];
  let strategyUsed: string | undefined;
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') {
      lists.push(s.value.results);
      strategyUsed ??= s.value.strategyUsed;
    } else {
      failures.push(`query ${i + 1}: ${errorMessage(s.reason)}`);
    }
  });
  const out: RagOutcome = { chunks: mergeResults(lists, plan.topK), failures };
  if (strategyUsed) out.strategyUsed = strategyUsed;
  return out;
}
