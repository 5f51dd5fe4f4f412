/** Datasets API (original §3.4; decisions 0001, 0008, 0009). */
import type { IncomingMessage } from 'node:http';
import Type from 'typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../services/context.js';
import { LfError, notFound, unprocessable } from '../../core/errors.js';
import { errors, ProjectParams, ResourceName } from '../schemas.js';
import { datasetDataRoutes, taskUri } from './dataset-data.js';

const open = { additionalProperties: true };
const DatasetParams = Type.Object({ ...ProjectParams.properties, dataset: ResourceName('Dataset name') });
const Dataset = Type.Object(
  { name: Type.String(), database: Type.String(), data_processing_strategy: Type.String(), files: Type.Array(Type.String({ description: 'SHA-256 of each file' })) },
  open,
);
const DatasetEnvelope = Type.Object({ dataset: Dataset });

/** Builds URLs from the request's own base (decision 0008: `task_uri`). */
/** Reads the rest of a request body away (discarding it) after the handler stopped reading it. */
function drainRequest(raw: IncomingMessage | undefined): void {
  // MCP tool calls run the route in-process without a socket: nothing to drain.
  if (!raw || raw.readableEnded || raw.destroyed) return;
  raw.unpipe();
  raw.on('data', () => undefined);
  raw.on('error', () => undefined);
  raw.resume();
}

export function baseUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}

export function datasetRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['datasets', 'mcp'];
  const base = '/v1/projects/:namespace/:project/datasets';
  datasetDataRoutes(app, ctx);

  r.get(
    base,
    {
      schema: {
        operationId: 'dataset_list',
        tags,
        summary: 'List datasets (with file details by default)',
        params: ProjectParams,
        querystring: Type.Object({ include_extra_details: Type.Boolean({ default: true }) }),
        response: { 200: Type.Object({ total: Type.Integer(), datasets: Type.Array(Dataset) }), ...errors(404, 422) },
      },
    },
    async (req) => {
      const datasets = await ctx.datasets.list(req.params.namespace, req.params.project, req.query.include_extra_details);
      return { total: datasets.length, datasets };
    },
  );

  r.get(
    `${base}/strategies`,
    {
      schema: {
        operationId: 'dataset_strategies_list',
        tags,
        summary: 'Data processing strategies and databases a dataset can use',
        params: ProjectParams,
        response: { 200: Type.Object({ data_processing_strategies: Type.Array(Type.String()), databases: Type.Array(Type.String()) }), ...errors(404, 422) },
      },
    },
    async (req) => ctx.datasets.strategies(req.params.namespace, req.params.project),
  );

  r.post(
    base,
    {
      schema: {
        operationId: 'dataset_create',
        tags,
        summary: 'Create a dataset (409 if the name exists; 400 for an unknown strategy or database)',
        params: ProjectParams,
        body: Type.Object({ name: ResourceName('Dataset name'), data_processing_strategy: Type.String({ minLength: 1 }), database: Type.String({ minLength: 1 }) }),
        response: { 200: DatasetEnvelope, ...errors(400, 404, 409, 422) },
      },
    },
    async (req) => ({ dataset: await ctx.datasets.create(req.params.namespace, req.params.project, req.body) }),
  );

  r.delete(
    `${base}/:dataset`,
    {
      schema: {
        operationId: 'dataset_delete',
        tags,
        summary: 'Delete a dataset with its files and chunks (its running tasks are cancelled)',
        params: DatasetParams,
        response: { 200: DatasetEnvelope, ...errors(404, 422) },
      },
    },
    async (req) => ({ dataset: await ctx.datasets.delete(req.params.namespace, req.params.project, req.params.dataset) }),
  );

  r.post(
    `${base}/:dataset/data`,
    {
      schema: {
        operationId: 'dataset_data_upload',
        tags,
        summary: 'Upload a file (multipart field `file`); stored, and processed when auto_process=true (answers task_id)',
        consumes: ['multipart/form-data'],
        params: DatasetParams,
        querystring: Type.Object({ auto_process: Type.Boolean({ default: false }) }),
        response: {
          200: Type.Object(
            {
              filename: Type.String(),
              hash: Type.String(),
              processed: Type.Boolean(),
              skipped: Type.Boolean({ description: 'The same bytes were already in the dataset' }),
              size: Type.Integer(),
              task_id: Type.Optional(Type.String()),
              task_uri: Type.Optional(Type.String()),
              duplicate_of: Type.Optional(Type.String({ description: 'When skipped: the name of the file already holding these bytes, if it differs' })),
            },
            open,
          ),
          ...errors(404, 413, 415, 422, 503, 507),
        },
      },
      // Refuse before reading the body when the declared size is already over the cap (decision 0009).
      onRequest: async (req) => {
        const declared = Number(req.headers['content-length']);
        if (Number.isFinite(declared) && declared > ctx.settings.maxUploadBytes + 64 * 1024) {
          throw new LfError('payload_too_large', `Upload of ${declared} bytes exceeds the limit of ${ctx.settings.maxUploadBytes} bytes (LF_MAX_UPLOAD_BYTES)`);
        }
      },
    },
    async (req, reply) => {
      const { namespace, project, dataset } = req.params;
      let up: Awaited<ReturnType<typeof receiveUpload>>;
      try {
        up = await receiveUpload(req, namespace, project, dataset);
      } catch (e) {
        // The body may be left half read (a full disk fails the write mid-stream): read the rest away so the
        // client gets the answer instead of stalling on a full socket, and do not keep the connection.
        drainRequest(req.raw);
        void reply.header('connection', 'close');
        throw e;
      }
      if (!req.query.auto_process) return up;
      const taskId = await ctx.datasets.process(namespace, project, dataset, [up.hash]);
      return { ...up, task_id: taskId, task_uri: taskUri(req, namespace, project, taskId) };
    },
  );

  async function receiveUpload(req: FastifyRequest, namespace: string, project: string, dataset: string) {
    if (!req.isMultipart()) throw new LfError('unsupported_media_type', 'Upload with Content-Type multipart/form-data and a field named "file"');
    const part = await req.file({ limits: { fileSize: ctx.settings.maxUploadBytes, files: 1 } });
    if (!part || part.fieldname !== 'file') {
      part?.file.resume();
      throw unprocessable([{ loc: ['body', 'file'], msg: 'Field required', type: 'missing' }]);
    }
    return ctx.datasets.upload(namespace, project, dataset, { stream: part.file, filename: part.filename, mimeType: part.mimetype });
  }

  r.post(
    `${base}/:dataset/actions`,
    {
      schema: {
        operationId: 'dataset_actions',
        tags,
        summary:
          'process (alias ingest): process every file; reprocess: one file (file_hash); delete_file_chunks (file_hash) / delete_dataset_chunks: remove chunks, keep the files',
        params: DatasetParams,
        body: Type.Object({
          action_type: Type.Union([Type.Literal('process'), Type.Literal('ingest'), Type.Literal('reprocess'), Type.Literal('delete_file_chunks'), Type.Literal('delete_dataset_chunks')]),
          file_hash: Type.Optional(Type.String({ description: 'For reprocess and delete_file_chunks' })),
        }),
        response: {
          200: Type.Object(
            { message: Type.String(), task_uri: Type.Optional(Type.String()), task_id: Type.Optional(Type.String()), file_hash: Type.Optional(Type.String()), deleted_chunks: Type.Optional(Type.Integer()) },
            open,
          ),
          ...errors(404, 422),
        },
      },
    },
    async (req) => {
      const { namespace, project, dataset } = req.params;
      const { action_type, file_hash } = req.body;
      const needHash = () => {
        if (!file_hash) throw unprocessable([{ loc: ['body', 'file_hash'], msg: `Field required for action_type ${action_type}`, type: 'missing' }]);
        if (!/^[0-9a-f]{64}$/.test(file_hash)) throw notFound(`File ${file_hash} not found`);
        return file_hash;
      };
      if (action_type === 'delete_file_chunks') {
        const hash = needHash();
        const deleted = await ctx.datasets.deleteFileChunks(namespace, project, dataset, hash);
        return { message: `Deleted ${deleted} chunk(s) of file ${hash}`, file_hash: hash, deleted_chunks: deleted };
      }
      if (action_type === 'delete_dataset_chunks') {
        const deleted = await ctx.datasets.deleteDatasetChunks(namespace, project, dataset);
        return { message: `Deleted ${deleted} chunk(s) of dataset ${dataset}`, deleted_chunks: deleted };
      }
      const taskId = await ctx.datasets.process(namespace, project, dataset, action_type === 'reprocess' ? [needHash()] : undefined);
      return { message: 'Accepted', task_uri: taskUri(req, namespace, project, taskId), task_id: taskId };
    },
  );

  r.delete(
    `${base}/:dataset/data/:file_hash`,
    {
      schema: {
        operationId: 'dataset_file_delete',
        tags: ['datasets'],
        summary: "Remove a file and its chunks from the dataset (remove_from_disk also deletes the stored bytes)",
        params: Type.Object({ ...DatasetParams.properties, file_hash: Type.String() }),
        querystring: Type.Object({ remove_from_disk: Type.Boolean({ default: false }) }),
        response: { 200: Type.Object({ file_hash: Type.String(), deleted_chunks: Type.Integer() }, open), ...errors(404, 422, 503, 507) },
      },
    },
    async (req) => {
      const { namespace, project, dataset, file_hash } = req.params;
      if (!/^[0-9a-f]{64}$/.test(file_hash)) throw notFound(`File ${file_hash} not found`);
      return ctx.datasets.removeFile(namespace, project, dataset, file_hash, req.query.remove_from_disk);
    },
  );
}
