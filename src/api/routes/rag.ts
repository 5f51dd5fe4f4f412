/** RAG API (original §3.6; decisions 0001, 0002, 0005, 0006): query, health and the databases of a project. */
import Type, { type Static, type TSchema } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../services/context.js';
import type { MetadataFilter } from '../../adapters/stores/types.js';
import { errors, FreeObject, ProjectParams } from '../schemas.js';
import { STRATEGY_NAME_PATTERN } from '../../core/names.js';
import { loadLimits } from '../../core/settings.js';

/** A query past this many characters is not a query (LF_MAX_QUERY_CHARS, read at start). */
const MAX_QUERY_CHARS = loadLimits().maxQueryChars;
import { ragDataRoutes } from './rag-data.js';
import { recordRagQuery } from '../../services/rag/query-log.js';

const open = { additionalProperties: true };
/**
 * Optional and nullable (clients send `null` for "not set"). OpenAPI 3.0's `nullable` rather than a union with
 * null: with type coercion on, a union would turn 0 into null.
 */
const nullable = <T extends TSchema>(schema: T) => Type.Optional(Type.Unsafe<Static<T> | null>({ ...schema, nullable: true }));

const DatabaseParams = Type.Object({ ...ProjectParams.properties, database: Type.String({ description: 'Database name' }) });

const QueryBody = Type.Object({
  query: Type.String({ minLength: 1, maxLength: MAX_QUERY_CHARS, pattern: '\\S', description: `The search text (at most ${MAX_QUERY_CHARS} characters)` }),
  database: nullable(Type.String({ description: 'Database name; default: rag.default_database, else the first database' })),
  data_processing_strategy: nullable(Type.String({ description: 'Accepted and ignored' })),
  retrieval_strategy: nullable(Type.String({ description: "A strategy name of the database (or a strategy type); unknown names use the database's default" })),
  top_k: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
  score_threshold: nullable(Type.Number({ minimum: 0, maximum: 1, description: 'Keep results with score >= this (scores are in [0, 1] for every strategy)' })),
  metadata_filters: nullable(
    Type.Record(Type.String(), Type.Unknown(), { description: 'Per key: a value (equality), a list (membership), or {$eq,$ne,$in,$nin,$gt,$gte,$lt,$lte}; all must hold' }),
  ),
  distance_metric: nullable(Type.String({ description: 'Informational (LanceDB measures cosine)' })),
  hybrid_alpha: nullable(Type.Number({ minimum: 0, maximum: 1, description: 'Hybrid strategies: weight of vector search (full text gets 1 - alpha)' })),
  rerank_model: nullable(Type.String({ description: 'Cross-encoder strategies: a runtime.models name to rerank with' })),
  query_expansion: Type.Boolean({ default: false }),
  max_tokens: nullable(Type.Integer({ minimum: 1, maximum: 8192, description: 'Token budget (about 4 characters each) for the returned contents' })),
});

const QueryResult = Type.Object(
  { content: Type.String(), score: Type.Number(), metadata: FreeObject, chunk_id: Type.String(), document_id: Type.Optional(Type.String()) },
  open,
);
const QueryResponse = Type.Object({
  query: Type.String(),
  results: Type.Array(QueryResult),
  total_results: Type.Integer(),
  processing_time_ms: Type.Number(),
  retrieval_strategy_used: Type.String(),
  database_used: Type.String(),
});

const ComponentHealth = Type.Object({ name: Type.String(), status: Type.String(), latency: Type.Number(), message: Type.String() });
const HealthResponse = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('unhealthy')]),
  database: Type.Optional(Type.String()),
  components: Type.Record(Type.String(), ComponentHealth),
  last_check: Type.String({ description: 'ISO-8601 UTC' }),
  issues: Type.Union([Type.Array(Type.String()), Type.Null()]),
});

const StrategyList = Type.Array(FreeObject);
const DatabaseInfo = Type.Object(
  {
    name: Type.String(),
    type: Type.String(),
    is_default: Type.Boolean(),
    embedding_strategies: Type.Array(Type.Object({ name: Type.String(), type: Type.String(), priority: Type.Number(), is_default: Type.Boolean() })),
    retrieval_strategies: Type.Array(Type.Object({ name: Type.String(), type: Type.String(), is_default: Type.Boolean() })),
  },
  open,
);
const DatabaseDetail = Type.Object(
  {
    name: Type.String(),
    type: Type.String(),
    config: FreeObject,
    embedding_strategies: StrategyList,
    retrieval_strategies: StrategyList,
    default_embedding_strategy: Type.Optional(Type.String()),
    default_retrieval_strategy: Type.Optional(Type.String()),
    dependent_datasets: Type.Array(Type.String()),
  },
  open,
);
const DatabaseFields = {
  config: Type.Optional(FreeObject),
  embedding_strategies: Type.Optional(StrategyList),
  retrieval_strategies: Type.Optional(StrategyList),
  default_embedding_strategy: Type.Optional(Type.String()),
  default_retrieval_strategy: Type.Optional(Type.String()),
};

/** The request's search settings as the query history records them (nulls and unset fields left out). */
function querySettings(b: Static<typeof QueryBody>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['top_k', 'score_threshold', 'metadata_filters', 'hybrid_alpha', 'rerank_model', 'query_expansion', 'max_tokens', 'retrieval_strategy'] as const) {
    if (b[k] !== null && b[k] !== undefined) out[k] = b[k];
  }
  return out;
}

export function ragRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const base = '/v1/projects/:namespace/:project/rag';
  ragDataRoutes(app, ctx);

  r.post(
    `${base}/query`,
    {
      schema: {
        operationId: 'rag_query',
        tags: ['rag', 'mcp'],
        summary: "Search a project's RAG database",
        description:
          'Scores are in [0, 1], higher is better, for every strategy. Unknown `retrieval_strategy` names run the database default; ' +
          '`retrieval_strategy_used` names the strategy that ran.',
        params: ProjectParams,
        body: QueryBody,
        response: { 200: QueryResponse, ...errors(400, 404, 422, 500, 502, 503) },
      },
    },
    async (req) => {
      const t0 = performance.now();
      const b = req.body;
      const out = await ctx.retrieval.search(req.params.namespace, req.params.project, {
        query: b.query,
        database: b.database,
        retrievalStrategy: b.retrieval_strategy,
        topK: b.top_k,
        scoreThreshold: b.score_threshold,
        metadataFilters: (b.metadata_filters ?? undefined) as MetadataFilter | undefined,
        hints: {
          ...(b.hybrid_alpha != null ? { hybridAlpha: b.hybrid_alpha } : {}),
          ...(b.rerank_model ? { rerankModel: b.rerank_model } : {}),
          ...(b.distance_metric ? { distanceMetric: b.distance_metric } : {}),
          ...(b.max_tokens != null ? { maxTokens: b.max_tokens } : {}),
          queryExpansion: b.query_expansion,
        },
      });
      const elapsed = performance.now() - t0;
      recordRagQuery(ctx.events, {
        namespace: req.params.namespace,
        project: req.params.project,
        query: b.query,
        database: out.databaseUsed,
        strategy: out.strategyUsed,
        settings: querySettings(b),
        results: out.results,
        latencyMs: elapsed,
        origin: 'api',
      });
      return {
        query: b.query,
        results: out.results,
        total_results: out.results.length,
        processing_time_ms: Math.round(elapsed * 100) / 100,
        retrieval_strategy_used: out.strategyUsed,
        database_used: out.databaseUsed,
      };
    },
  );

  r.get(
    `${base}/health`,
    {
      schema: {
        operationId: 'rag_health',
        tags: ['rag'],
        summary: 'Health of a RAG database: config, connectivity, a test search and a test embedding (always 200)',
        params: ProjectParams,
        querystring: Type.Object({ database: Type.Optional(Type.String()) }),
        response: { 200: HealthResponse, ...errors(404, 422) },
      },
    },
    async (req) => ctx.retrieval.health(req.params.namespace, req.params.project, req.query.database),
  );

  r.get(
    `${base}/databases`,
    {
      schema: {
        operationId: 'databases_list',
        tags: ['rag'],
        summary: 'List RAG databases with their strategies',
        params: ProjectParams,
        response: { 200: Type.Object({ databases: Type.Array(DatabaseInfo), default_database: Type.Optional(Type.String()) }), ...errors(400, 404, 422) },
      },
    },
    async (req) => ctx.databases.list(req.params.namespace, req.params.project),
  );

  r.get(
    `${base}/databases/:database`,
    {
      schema: {
        operationId: 'database_get',
        tags: ['rag', 'mcp'],
        summary: 'Get a RAG database with its config and the datasets that use it',
        params: DatabaseParams,
        response: { 200: DatabaseDetail, ...errors(404, 422) },
      },
    },
    async (req) => ctx.databases.get(req.params.namespace, req.params.project, req.params.database),
  );

  r.post(
    `${base}/databases`,
    {
      schema: {
        operationId: 'database_create',
        tags: ['rag', 'mcp'],
        summary: 'Create a RAG database (201; 409 if the name exists; 400 for an invalid type or strategy)',
        params: ProjectParams,
        body: Type.Object({ name: Type.String({ pattern: STRATEGY_NAME_PATTERN, description: 'Lower case letters, digits and _, starting with a letter' }), type: Type.String({ minLength: 1 }), ...DatabaseFields }),
        response: { 201: Type.Object({ database: DatabaseInfo }), ...errors(400, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const database = await ctx.databases.create(req.params.namespace, req.params.project, req.body);
      return reply.code(201).send({ database });
    },
  );

  r.patch(
    `${base}/databases/:database`,
    {
      schema: {
        operationId: 'database_update',
        tags: ['rag', 'mcp'],
        summary: 'Update a RAG database: each given field replaces the old one (name and type cannot change: 422)',
        params: DatabaseParams,
        body: Type.Object({
          name: Type.Optional(Type.Unknown({ description: 'Immutable: sending it is a 422' })),
          type: Type.Optional(Type.Unknown({ description: 'Immutable: sending it is a 422' })),
          config: nullable(FreeObject),
          embedding_strategies: nullable(StrategyList),
          retrieval_strategies: nullable(StrategyList),
          default_embedding_strategy: nullable(Type.String()),
          default_retrieval_strategy: nullable(Type.String()),
        }),
        response: { 200: DatabaseDetail, ...errors(400, 404, 422) },
      },
    },
    async (req) => ctx.databases.update(req.params.namespace, req.params.project, req.params.database, req.body),
  );

  r.delete(
    `${base}/databases/:database`,
    {
      schema: {
        operationId: 'database_delete',
        tags: ['rag', 'mcp'],
        summary: 'Delete a RAG database (409 while datasets use it); delete_collection=false keeps its stored vectors',
        params: DatabaseParams,
        querystring: Type.Object({ delete_collection: Type.Boolean({ default: true }) }),
        response: { 200: Type.Object({ message: Type.String(), database: DatabaseDetail, collection_deleted: Type.Boolean() }), ...errors(404, 409, 422) },
      },
    },
    async (req) => ctx.databases.delete(req.params.namespace, req.params.project, req.params.database, req.query.delete_collection),
  );
}
