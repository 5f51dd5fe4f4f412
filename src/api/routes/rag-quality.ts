/**
 * Retrieval quality (issue 18 items 2-3): relevance judgments (the project's eval set, JSONL in its data dir) and
 * evaluation as a task. Query history needs no route of its own: it is the `rag_query` events
 * (`GET .../event_logs?type=rag_query`).
 */
import Type from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../services/context.js';
import { JudgmentsStore, MAX_JUDGED_QUERY_CHARS } from '../../services/rag/judgments.js';
import { EvaluationService } from '../../services/rag/evaluation.js';
import { EVAL_DEPTH, MAX_EVAL_CONFIGS, MAX_EVAL_QUERIES } from '../../services/eval/evaluate.js';
import { errors, FreeObject, ProjectParams } from '../schemas.js';

const Id = Type.String({ minLength: 1, maxLength: 512 });
const Judgment = Type.Object({
  id: Type.String(),
  query: Type.String(),
  document_id: Type.Optional(Type.String()),
  chunk_id: Type.Optional(Type.String()),
  relevance: Type.Integer(),
  database: Type.Optional(Type.String()),
  created_at: Type.String(),
});
const JudgmentBody = Type.Object({
  query: Type.String({ minLength: 1, maxLength: MAX_JUDGED_QUERY_CHARS, pattern: '\\S' }),
  document_id: Type.Optional(Type.Union([Id, Type.Null()])),
  chunk_id: Type.Optional(Type.Union([Id, Type.Null()])),
  relevance: Type.Integer({ minimum: 0, maximum: 3, description: '0 not relevant, 1 somewhat, 2 relevant, 3 highly relevant' }),
  database: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
const EvalConfig = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 64 })),
    retrieval_strategy: Type.Optional(Type.String()),
    top_k: Type.Optional(Type.Integer({ minimum: 1, maximum: EVAL_DEPTH })),
    hybrid_alpha: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    rerank_model: Type.Optional(Type.String()),
    query_expansion: Type.Optional(Type.Boolean()),
    score_threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    metadata_filters: Type.Optional(FreeObject),
  },
  { additionalProperties: false },
);
const EvaluateBody = Type.Object({
  database: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  queries: Type.Optional(
    Type.Array(Type.Object({ query: Type.String({ minLength: 1, maxLength: MAX_JUDGED_QUERY_CHARS }), relevant: Type.Record(Type.String(), Type.Integer({ minimum: 0, maximum: 3 })) }), {
      maxItems: MAX_EVAL_QUERIES,
    }),
  ),
  use_judgments: Type.Boolean({ default: true, description: "Add the project's judgments to `queries`" }),
  configs: Type.Optional(Type.Array(EvalConfig, { maxItems: MAX_EVAL_CONFIGS, description: 'Compared side by side; default: the database default strategy' })),
  k: Type.Integer({ minimum: 1, maximum: EVAL_DEPTH, default: 10 }),
});

export function ragQualityRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const judgments = new JudgmentsStore(ctx.layout, ctx.projects);
  const evaluation = new EvaluationService(ctx.projects, judgments, ctx.queue);
  const base = '/v1/projects/:namespace/:project/rag';
  const tags = ['rag', 'mcp'];

  r.post(
    `${base}/judgments`,
    {
      schema: {
        operationId: 'rag_judgment_create',
        tags,
        summary: 'Judge a result of a query (relevance 0-3, by document_id or chunk_id); judging the same pair again replaces it',
        params: ProjectParams,
        body: JudgmentBody,
        response: { 200: Type.Object({ judgment: Judgment, replaced: Type.Boolean() }), ...errors(400, 404, 422) },
      },
    },
    async (req) => judgments.add(req.params.namespace, req.params.project, req.body),
  );

  r.get(
    `${base}/judgments`,
    {
      schema: {
        operationId: 'rag_judgments_list',
        tags,
        summary: "The project's judgments (its eval set)",
        params: ProjectParams,
        querystring: Type.Object({ query: Type.Optional(Type.String()), database: Type.Optional(Type.String()) }),
        response: { 200: Type.Object({ total: Type.Integer(), judgments: Type.Array(Judgment) }), ...errors(404, 422) },
      },
    },
    async (req) => {
      const list = await judgments.list(req.params.namespace, req.params.project, { ...(req.query.query !== undefined ? { query: req.query.query } : {}), ...(req.query.database ? { database: req.query.database } : {}) });
      return { total: list.length, judgments: list };
    },
  );

  r.delete(
    `${base}/judgments`,
    {
      schema: {
        operationId: 'rag_judgments_delete',
        tags,
        summary: 'Delete every judgment, or those of one `query`',
        params: ProjectParams,
        querystring: Type.Object({ query: Type.Optional(Type.String()) }),
        response: { 200: Type.Object({ deleted: Type.Integer() }), ...errors(404, 422) },
      },
    },
    async (req) => ({ deleted: await judgments.deleteAll(req.params.namespace, req.params.project, req.query.query) }),
  );

  r.delete(
    `${base}/judgments/:judgment_id`,
    {
      schema: {
        operationId: 'rag_judgment_delete',
        tags,
        summary: 'Delete one judgment',
        params: Type.Object({ ...ProjectParams.properties, judgment_id: Type.String() }),
        response: { 200: Type.Object({ judgment: Judgment }), ...errors(404, 422) },
      },
    },
    async (req) => ({ judgment: await judgments.delete(req.params.namespace, req.params.project, req.params.judgment_id) }),
  );

  r.post(
    `${base}/evaluate`,
    {
      schema: {
        operationId: 'rag_evaluate',
        tags,
        summary: 'Evaluate retrieval on the judged queries under one or more configs (a task; poll tasks/{task_id})',
        description:
          'The task result gives per config nDCG@k, Recall@k, Recall@100, MRR@k, latency p50/p95 and, per query, the rank of each relevant id. ' +
          '400 when no query has a relevant judgment.',
        params: ProjectParams,
        body: EvaluateBody,
        response: { 202: Type.Object({ task_id: Type.String(), queries: Type.Integer(), configs: Type.Integer() }), ...errors(400, 404, 422) },
      },
    },
    async (req, reply) => {
      const started = await evaluation.start(req.params.namespace, req.params.project, req.body);
      return reply.code(202).send(started);
    },
  );
}
