/**
 * Starting an evaluation (issue 18 item 3): the eval set is the request's `queries` plus, with `use_judgments`
 * (default), the project's judgments grouped by query; it is resolved now and handed to the `rag_evaluate` task,
 * so later judgments do not change a running evaluation. Only queries with a relevant (>0) item count.
 */
import type { TaskQueue } from '../../adapters/queues/types.js';
import { badRequest } from '../../core/errors.js';
import type { ProjectsService } from '../projects.js';
import { EVAL_DEPTH, MAX_EVAL_CONFIGS, MAX_EVAL_QUERIES, RAG_EVALUATE, type EvalConfig, type EvalPayload, type EvalQuery } from '../eval/evaluate.js';
import { resolveDatabase } from './databases.js';
import { normaliseQuery, type JudgmentsStore } from './judgments.js';

export interface EvaluateRequest {
  database?: string | null;
  queries?: EvalQuery[] | null;
  use_judgments?: boolean;
  configs?: EvalConfig[] | null;
  k?: number;
}

export const NO_JUDGMENTS_HELP =
  'Nothing to evaluate: no query has a relevant item. Mark results of a query relevant with ' +
  'POST /v1/projects/{namespace}/{project}/rag/judgments {"query": ..., "document_id" or "chunk_id": ..., "relevance": 1-3} ' +
  '(the ids are in /rag/query results and in rag_query events), or pass "queries": [{"query": ..., "relevant": {"<id>": 1}}].';

export class EvaluationService {
  constructor(
    private readonly projects: Pick<ProjectsService, 'loadConfig'>,
    private readonly judgments: JudgmentsStore,
    private readonly queue: Pick<TaskQueue, 'enqueue'>,
  ) {}

  /** Resolves the eval set and enqueues the task; 400 with what to do when there is nothing to evaluate. */
  async start(ns: string, project: string, body: EvaluateRequest): Promise<{ task_id: string; queries: number; configs: number }> {
    const config = await this.projects.loadConfig(ns, project);
    const database = resolveDatabase(config, body.database).name;
    const byQuery = new Map<string, Record<string, number>>();
    const add = (query: string, id: string, grade: number) => {
      const q = normaliseQuery(query);
      if (!q || !id) return;
      const rel = byQuery.get(q) ?? {};
      rel[id] = grade;
      byQuery.set(q, rel);
    };
    if (body.use_judgments !== false) {
      for (const j of await this.judgments.list(ns, project, { database })) add(j.query, j.chunk_id ?? j.document_id!, j.relevance);
    }
    for (const q of body.queries ?? []) for (const [id, g] of Object.entries(q.relevant)) add(q.query, id, g);
    const queries = [...byQuery].filter(([, rel]) => Object.values(rel).some((g) => g > 0)).map(([query, relevant]) => ({ query, relevant }));
    if (!queries.length) throw badRequest(NO_JUDGMENTS_HELP);
    if (queries.length > MAX_EVAL_QUERIES) throw badRequest(`${queries.length} queries: at most ${MAX_EVAL_QUERIES} per evaluation`);
    const configs = body.configs?.length ? body.configs : [{}];
    if (configs.length > MAX_EVAL_CONFIGS) throw badRequest(`${configs.length} configs: at most ${MAX_EVAL_CONFIGS} per evaluation`);
    const payload: EvalPayload = { database, k: Math.min(body.k ?? 10, EVAL_DEPTH), queries, configs };
    const task_id = await this.queue.enqueue(RAG_EVALUATE, payload as unknown as Record<string, unknown>, { namespace: ns, project });
    return { task_id, queries: queries.length, configs: configs.length };
  }
}
