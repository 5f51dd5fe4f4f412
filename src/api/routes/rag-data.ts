/** RAG API, the data loop (issue 17): stats, documents of a database, chunking preview, re-index. */
import Type from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../services/context.js';
import { errors, FreeObject, ProjectParams } from '../schemas.js';
import { RagInspector } from '../../services/rag/inspect.js';
import { PreviewService } from '../../services/rag/preview.js';
import { startReindex } from '../../services/rag/reindex.js';
import { taskUri } from './dataset-data.js';

const DatabaseParams = Type.Object({ ...ProjectParams.properties, database: Type.String({ description: 'Database name' }) });
const Nullable = <T extends ReturnType<typeof Type.Integer> | ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export function ragDataRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const base = '/v1/projects/:namespace/:project/rag';
  const inspector = new RagInspector({ projects: ctx.projects, layout: ctx.layout, resources: ctx.resources });
  const previews = new PreviewService({ projects: ctx.projects, layout: ctx.layout, maxUploadBytes: ctx.settings.maxUploadBytes });

  r.get(
    `${base}/stats`,
    {
      schema: {
        operationId: 'rag_stats',
        tags: ['rag', 'mcp'],
        summary: 'What a database holds: documents, chunks, bytes on disk, embedder, dimension, index type, last update',
        params: ProjectParams,
        querystring: Type.Object({ database: Type.Optional(Type.String({ description: 'Default: rag.default_database, else the first' })) }),
        response: {
          200: Type.Object({
            database: Type.String(),
            store_type: Type.String(),
            documents: Nullable(Type.Integer()),
            chunks: Type.Integer(),
            bytes_on_disk: Type.Integer(),
            embedder: Nullable(Type.String()),
            configured_embedder: Nullable(Type.String()),
            dimension: Type.Integer(),
            index_type: Type.String(),
            last_update: Nullable(Type.String()),
          }),
          ...errors(404, 422),
        },
      },
    },
    async (req) => inspector.stats(req.params.namespace, req.params.project, req.query.database),
  );

  r.get(
    `${base}/databases/:database/documents`,
    {
      schema: {
        operationId: 'rag_database_documents',
        tags: ['rag', 'mcp'],
        summary: 'One row per source file stored in the database, with its chunk count',
        params: DatabaseParams,
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }), offset: Type.Integer({ minimum: 0, default: 0 }) }),
        response: {
          200: Type.Object({
            database: Type.String(),
            total: Type.Integer(),
            limit: Type.Integer(),
            offset: Type.Integer(),
            documents: Type.Array(Type.Object({ file_hash: Type.String(), filename: Type.String(), dataset: Nullable(Type.String()), chunks: Type.Integer() })),
          }),
          ...errors(404, 422),
        },
      },
    },
    async (req) => inspector.documents(req.params.namespace, req.params.project, req.params.database, req.query.limit, req.query.offset),
  );

  r.post(
    `${base}/databases/:database/preview`,
    {
      bodyLimit: Math.ceil((ctx.settings.maxUploadBytes * 4) / 3) + 64 * 1024,
      schema: {
        operationId: 'rag_database_preview',
        tags: ['rag', 'mcp'],
        summary: 'Parse and chunk a stored file ({dataset_id, file_hash}) or base64 bytes ({file_content, filename}) without storing anything',
        params: DatabaseParams,
        body: Type.Object({
          dataset_id: Type.Optional(Type.String()),
          file_hash: Type.Optional(Type.String()),
          file_content: Type.Optional(Type.String({ description: 'Base64 bytes of a file' })),
          filename: Type.Optional(Type.String()),
          data_processing_strategy: Type.Optional(Type.String()),
          chunk_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
          chunk_overlap: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
          chunk_strategy: Type.Optional(Type.String()),
        }),
        response: {
          200: Type.Object({
            database: Type.String(),
            filename: Type.String(),
            parser: Nullable(Type.String()),
            data_processing_strategy: Nullable(Type.String()),
            chunks: Type.Array(
              Type.Object({
                chunk_index: Type.Integer(),
                content: Type.String(),
                start_position: Nullable(Type.Integer()),
                end_position: Nullable(Type.Integer()),
                char_count: Type.Integer(),
                word_count: Type.Integer(),
                metadata: FreeObject,
              }),
            ),
            stats: Type.Object({ chunks: Type.Integer(), avg_chars: Type.Number(), min: Type.Integer(), max: Type.Integer() }),
            warnings: Type.Array(Type.String()),
          }),
          ...errors(400, 404, 413, 422),
        },
      },
    },
    async (req) => previews.preview(req.params.namespace, req.params.project, req.params.database, req.body),
  );

  r.post(
    `${base}/databases/:database/reindex`,
    {
      schema: {
        operationId: 'rag_database_reindex',
        tags: ['rag'],
        summary: "Re-embed every stored chunk with the database's configured embedder into a new table, then switch atomically (old vectors answer meanwhile)",
        params: DatabaseParams,
        response: { 202: Type.Object({ message: Type.String(), task_id: Type.String(), task_uri: Type.String() }), ...errors(400, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const { namespace, project, database } = req.params;
      const taskId = await startReindex(ctx, namespace, project, database);
      return reply.code(202).send({ message: 'Accepted', task_id: taskId, task_uri: taskUri(req, namespace, project, taskId) });
    },
  );
}
