/**
 * Datasets API, the data loop (issue 17): one dataset with per-file state, bulk upload (optionally processed at
 * once), and chunk inspection of a stored file.
 */
import Type from 'typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../services/context.js';
import { LfError, errorMessage, notFound } from '../../core/errors.js';
import { errors, FreeObject, ProjectParams, ResourceName } from '../schemas.js';
import { FILE_HASH_RE } from '../../storage/dataset-files.js';

export const BULK_MAX_FILES = 100;

const open = { additionalProperties: true };
const DatasetParams = Type.Object({ ...ProjectParams.properties, dataset: ResourceName('Dataset name') });
const FileParams = Type.Object({ ...DatasetParams.properties, file_hash: Type.String({ description: 'SHA-256 of the file' }) });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const DatasetFile = Type.Object(
  {
    hash: Type.String(),
    filename: Type.String(),
    status: Type.Union([Type.Literal('uploaded'), Type.Literal('processing'), Type.Literal('processed'), Type.Literal('failed')]),
    chunks: Type.Integer(),
    parser: Nullable(Type.String()),
    size: Type.Integer(),
    mime_type: Type.String(),
    uploaded_at: Type.Number({ description: 'Seconds since the epoch' }),
    processed_at: Type.Union([Type.Number(), Type.Null()]),
    error: Nullable(Type.String()),
    task_id: Nullable(Type.String()),
  },
  open,
);

const BulkFile = Type.Object({ filename: Type.String(), hash: Nullable(Type.String()), skipped: Type.Boolean(), error: Nullable(Type.String()), size: Type.Optional(Type.Integer()) });

export function uploadCap(ctx: AppContext, files: number) {
  return async (req: FastifyRequest) => {
    const declared = Number(req.headers['content-length']);
    const cap = files * (ctx.settings.maxUploadBytes + 64 * 1024);
    if (Number.isFinite(declared) && declared > cap) {
      throw new LfError('payload_too_large', `Upload of ${declared} bytes exceeds the limit of ${files} file(s) of ${ctx.settings.maxUploadBytes} bytes (LF_MAX_UPLOAD_BYTES)`);
    }
  };
}

export function taskUri(req: FastifyRequest, ns: string, project: string, id: string): string {
  return `${req.protocol}://${req.host}/v1/projects/${ns}/${project}/tasks/${id}`;
}

export function datasetDataRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const base = '/v1/projects/:namespace/:project/datasets/:dataset';

  r.get(
    base,
    {
      schema: {
        operationId: 'dataset_get',
        tags: ['datasets', 'mcp'],
        summary: 'One dataset with each file: status (uploaded, processing, processed, failed + error), chunks, parser, size, times',
        params: DatasetParams,
        response: {
          200: Type.Object({
            dataset: Type.Object(
              {
                name: Type.String(),
                database: Type.String(),
                data_processing_strategy: Type.String(),
                files: Type.Array(DatasetFile),
                file_hashes: Type.Array(Type.String()),
                total_files: Type.Integer(),
                total_size_bytes: Type.Integer(),
              },
              open,
            ),
          }),
          ...errors(404, 422),
        },
      },
    },
    async (req) => ({ dataset: await ctx.datasets.detail(req.params.namespace, req.params.project, req.params.dataset) }),
  );

  r.post(
    `${base}/data/bulk`,
    {
      schema: {
        operationId: 'dataset_data_bulk_upload',
        tags: ['datasets'],
        summary: `Upload up to ${BULK_MAX_FILES} files (multipart fields \`files\`), each streamed and capped; auto_process=true starts processing them`,
        consumes: ['multipart/form-data'],
        params: DatasetParams,
        querystring: Type.Object({ auto_process: Type.Boolean({ default: false }) }),
        response: {
          200: Type.Object({
            files: Type.Array(BulkFile),
            uploaded: Type.Integer(),
            skipped: Type.Integer(),
            failed: Type.Integer(),
            task_id: Type.Optional(Type.String()),
            task_uri: Type.Optional(Type.String()),
          }),
          ...errors(404, 413, 415, 422),
        },
      },
      onRequest: uploadCap(ctx, BULK_MAX_FILES),
    },
    async (req) => {
      const { namespace, project, dataset } = req.params;
      if (!req.isMultipart()) throw new LfError('unsupported_media_type', 'Upload with Content-Type multipart/form-data and one field named "files" per file');
      await ctx.datasets.requireDataset(namespace, project, dataset);
      const files: { filename: string; hash: string | null; skipped: boolean; error: string | null; size?: number }[] = [];
      const added: string[] = [];
      try {
        // Over-size files are cut off (not thrown) so the upload store refuses that one file, not the request.
        const options = { limits: { fileSize: ctx.settings.maxUploadBytes, files: BULK_MAX_FILES }, throwFileSizeLimit: false };
        for await (const part of req.parts(options)) {
          if (part.type !== 'file') continue;
          if (part.fieldname !== 'files' && part.fieldname !== 'file') {
            part.file.resume();
            continue;
          }
          try {
            const up = await ctx.datasets.upload(namespace, project, dataset, { stream: part.file, filename: part.filename, mimeType: part.mimetype });
            if (!up.skipped) added.push(up.hash);
            files.push({ filename: up.filename, hash: up.hash, skipped: up.skipped, error: null, size: up.size });
          } catch (e) {
            part.file.resume();
            files.push({ filename: part.filename, hash: null, skipped: false, error: errorMessage(e) });
          }
        }
      } catch (e) {
        // The request as a whole is refused (e.g. over 100 files): what it added goes again.
        const store = ctx.datasets.files(namespace, project, dataset);
        for (const h of added) await store.remove(h).catch(() => undefined);
        throw e;
      }
      if (files.length === 0) throw new LfError('validation', [{ loc: ['body', 'files'], msg: 'Field required', type: 'missing' }]);
      const good = files.filter((f) => f.hash !== null).map((f) => f.hash!);
      const out = {
        files,
        uploaded: files.filter((f) => f.hash && !f.skipped).length,
        skipped: files.filter((f) => f.skipped).length,
        failed: files.filter((f) => f.error).length,
      };
      if (!req.query.auto_process || good.length === 0) return out;
      const taskId = await ctx.datasets.process(namespace, project, dataset, [...new Set(good)]);
      return { ...out, task_id: taskId, task_uri: taskUri(req, namespace, project, taskId) };
    },
  );

  r.get(
    `${base}/data/:file_hash/chunks`,
    {
      schema: {
        operationId: 'dataset_file_chunks',
        tags: ['datasets', 'mcp'],
        summary: 'The stored chunks of a file in order, with offsets into its parsed text (see .../text) and page',
        params: FileParams,
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }), offset: Type.Integer({ minimum: 0, default: 0 }) }),
        response: {
          200: Type.Object({
            file_hash: Type.String(),
            filename: Type.String(),
            total: Type.Integer(),
            limit: Type.Integer(),
            offset: Type.Integer(),
            chunks: Type.Array(
              Type.Object({
                chunk_id: Type.String(),
                chunk_index: Type.Integer(),
                content: Type.String(),
                start_position: Type.Union([Type.Integer(), Type.Null()]),
                end_position: Type.Union([Type.Integer(), Type.Null()]),
                page: Type.Union([Type.Integer(), Type.Null()]),
                metadata: FreeObject,
              }),
            ),
          }),
          ...errors(404, 422),
        },
      },
    },
    async (req) => {
      const { namespace, project, dataset, file_hash } = req.params;
      if (!FILE_HASH_RE.test(file_hash)) throw notFound(`File ${file_hash} not found`);
      return ctx.datasets.inspector.chunks(namespace, project, dataset, file_hash, req.query.limit, req.query.offset);
    },
  );

  r.get(
    `${base}/data/:file_hash/text`,
    {
      schema: {
        operationId: 'dataset_file_text',
        tags: ['datasets', 'mcp'],
        summary: "A file's parsed text (what chunk positions point into), with page boundaries for paged documents",
        params: FileParams,
        response: {
          200: Type.Object({
            file_hash: Type.String(),
            filename: Type.String(),
            parser: Type.String(),
            text: Type.String(),
            length: Type.Integer(),
            pages: Type.Array(Type.Object({ page: Type.Integer(), start_position: Type.Integer(), end_position: Type.Integer() })),
          }),
          ...errors(400, 404, 422),
        },
      },
    },
    async (req) => {
      const { namespace, project, dataset, file_hash } = req.params;
      if (!FILE_HASH_RE.test(file_hash)) throw notFound(`File ${file_hash} not found`);
      return ctx.datasets.inspector.text(namespace, project, dataset, file_hash);
    },
  );
}
