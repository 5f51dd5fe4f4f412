/** Datasets API (behavior.md §3.4; decisions A1, A8, A9). */
import Type from 'typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../services/context.js';
import { LfError, notFound, unprocessable } from '../../core/errors.js';
import { errors, ProjectParams, ResourceName } from '../schemas.js';

const open = { additionalProperties: true };
const DatasetParams = Type.Object({ ...ProjectParams.properties, dataset: ResourceName('Dataset name') });
const Dataset = Type.Object(
  { name: Type.String(), database: Type.String(), data_processing_strategy: Type.String(), files: Type.Array(Type.String({ description: 'SHA-256 of each file' })) },
  open,
);
const DatasetEnvelope = Type.Object({ dataset: Dataset });

/** Builds URLs from the request's own base (decision A8: `task_uri`). */
export function baseUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}

export function datasetRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['datasets', 'mcp'];
  const base = '/v1/projects/:namespace/:project/datasets';

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
        summary: 'Upload a file (multipart field `file`); stored, not processed',
        consumes: ['multipart/form-data'],
        params: DatasetParams,
        response: {
          200: Type.Object(
            {
              filename: Type.String(),
              hash: Type.String(),
              processed: Type.Boolean(),
              skipped: Type.Boolean({ description: 'The same bytes were already in the dataset' }),
              size: Type.Integer(),
              duplicate_of: Type.Optional(Type.String({ description: 'When skipped: the name of the file already holding these bytes, if it differs' })),
            },
            open,
          ),
          ...errors(404, 413, 415, 422),
        },
      },
      // Refuse before reading the body when the declared size is already over the cap (decision A9).
      onRequest: async (req) => {
        const declared = Number(req.headers['content-length']);
        if (Number.isFinite(declared) && declared > ctx.settings.maxUploadBytes + 64 * 1024) {
          throw new LfError('payload_too_large', `Upload of ${declared} bytes exceeds the limit of ${ctx.settings.maxUploadBytes} bytes (LF_MAX_UPLOAD_BYTES)`);
        }
      },
    },
    async (req) => {
      const { namespace, project, dataset } = req.params;
      if (!req.isMultipart()) throw new LfError('unsupported_media_type', 'Upload with Content-Type multipart/form-data and a field named "file"');
      const part = await req.file({ limits: { fileSize: ctx.settings.maxUploadBytes, files: 1 } });
      if (!part || part.fieldname !== 'file') {
        part?.file.resume();
        throw unprocessable([{ loc: ['body', 'file'], msg: 'Field required', type: 'missing' }]);
      }
      return ctx.datasets.upload(namespace, project, dataset, { stream: part.file, filename: part.filename, mimeType: part.mimetype });
    },
  );

  r.post(
    `${base}/:dataset/actions`,
    {
      schema: {
        operationId: 'dataset_actions',
        tags,
        summary: 'Start processing the dataset (action_type "process", alias "ingest"); poll the returned task',
        params: DatasetParams,
        body: Type.Object({ action_type: Type.Union([Type.Literal('process'), Type.Literal('ingest')]) }),
        response: { 200: Type.Object({ message: Type.String(), task_uri: Type.String(), task_id: Type.String() }), ...errors(404, 422) },
      },
    },
    async (req) => {
      const { namespace, project, dataset } = req.params;
      const taskId = await ctx.datasets.process(namespace, project, dataset);
      return { message: 'Accepted', task_uri: `${baseUrl(req)}/v1/projects/${namespace}/${project}/tasks/${taskId}`, task_id: taskId };
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
        response: { 200: Type.Object({ file_hash: Type.String(), deleted_chunks: Type.Integer() }, open), ...errors(404, 422) },
      },
    },
    async (req) => {
      const { namespace, project, dataset, file_hash } = req.params;
      if (!/^[0-9a-f]{64}$/.test(file_hash)) throw notFound(`File ${file_hash} not found`);
      return ctx.datasets.removeFile(namespace, project, dataset, file_hash, req.query.remove_from_disk);
    },
  );
}
