/** Examples API (original §3.8; decisions 0002, 0003): list the shipped demo projects and import them. */
import Type from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../services/context.js';
import { errors, ResourceName } from '../schemas.js';

const ExampleParams = Type.Object({ example_id: Type.String({ minLength: 1, description: 'Example id (from GET /v1/examples)' }) });

const ExampleSummary = Type.Object(
  {
    id: Type.String(),
    slug: Type.String(),
    title: Type.String(),
    description: Type.Optional(Type.String()),
    primaryModel: Type.Optional(Type.String()),
    tags: Type.Array(Type.String()),
    dataset_count: Type.Optional(Type.Integer()),
    data_size_bytes: Type.Integer(),
    data_size_human: Type.Optional(Type.String({ description: 'e.g. 2.0MB; left out when the size is 0' })),
    project_size_bytes: Type.Integer({ description: 'manifest + config file' }),
    project_size_human: Type.Optional(Type.String()),
    updated_at: Type.String({ description: 'Example folder mtime, local time without zone' }),
  },
  { additionalProperties: true },
);
const ExamplesList = Type.Object({ examples: Type.Array(ExampleSummary) });

const ExampleDataset = Type.Object(
  {
    example_id: Type.String(),
    example_title: Type.String(),
    name: Type.String(),
    strategy: Type.Optional(Type.String()),
    database: Type.Optional(Type.String()),
    kind: Type.Optional(Type.String({ description: 'pdf, csv, markdown, images or json, guessed from the globs' })),
    ingest: Type.Array(Type.String()),
    size_bytes: Type.Integer(),
    size_human: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);
const ExampleDatasets = Type.Object({ datasets: Type.Array(ExampleDataset) });

const ImportResult = Type.Object({ project: Type.String(), namespace: Type.String(), datasets: Type.Array(Type.String()), task_ids: Type.Array(Type.String()) });
const Process = Type.Boolean({ default: true, description: 'Start processing each dataset (task ids are returned)' });
const IncludeStrategies = Type.Boolean({ default: true, description: "Merge the example's databases and processing strategies into the project by name (existing entries win)" });

export function exampleRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['examples'];

  const list = async () => ({ examples: await ctx.examples.list() });
  r.get('/v1/examples', { schema: { operationId: 'examples_list', tags, summary: 'List the example projects with their sizes', response: { 200: ExamplesList } } }, list);

  r.get(
    '/v1/examples/datasets',
    {
      schema: {
        operationId: 'examples_datasets_list',
        tags,
        summary: "Every example's datasets in one list",
        response: { 200: ExampleDatasets },
      },
    },
    async () => ({ datasets: await ctx.examples.allDatasets() }),
  );

  r.get(
    '/v1/examples/:example_id/datasets',
    {
      schema: {
        operationId: 'example_datasets_list',
        tags,
        summary: "An example's datasets (404 unknown example; 400 when a glob leaves the example's folder)",
        params: ExampleParams,
        response: { 200: ExampleDatasets, ...errors(400, 404) },
      },
    },
    async (req) => ({ datasets: await ctx.examples.datasets(req.params.example_id) }),
  );

  r.post(
    '/v1/examples/:example_id/import-project',
    {
      schema: {
        operationId: 'example_import_project',
        tags,
        summary: 'Import the example as a new project (409 when the project exists), copying and processing its datasets',
        params: ExampleParams,
        body: Type.Object({ namespace: ResourceName('Namespace'), name: ResourceName('Name of the new project'), process: Process }),
        response: { 200: ImportResult, ...errors(400, 404, 409, 422) },
      },
    },
    async (req) => ctx.examples.importProject(req.params.example_id, req.body),
  );

  r.post(
    '/v1/examples/:example_id/import-data',
    {
      schema: {
        operationId: 'example_import_data',
        tags,
        summary: "Import the example's datasets (and, by default, its databases and strategies) into an existing project",
        params: ExampleParams,
        body: Type.Object({ namespace: ResourceName('Namespace'), project: ResourceName('Existing project'), include_strategies: IncludeStrategies, process: Process }),
        response: { 200: ImportResult, ...errors(400, 404, 422) },
      },
    },
    async (req) => ctx.examples.importData(req.params.example_id, req.body),
  );

  r.post(
    '/v1/examples/:example_id/import-dataset',
    {
      schema: {
        operationId: 'example_import_dataset',
        tags,
        summary: 'Import one dataset of the example into an existing project, optionally under another name',
        params: ExampleParams,
        body: Type.Object({
          namespace: ResourceName('Namespace'),
          project: ResourceName('Existing project'),
          dataset: Type.String({ minLength: 1, description: "The dataset's name in the example" }),
          target_dataset: Type.Optional(ResourceName('Name of the dataset in the project (default: the example dataset name)')),
          include_strategies: IncludeStrategies,
          process: Process,
        }),
        response: {
          200: Type.Object({ project: Type.String(), namespace: Type.String(), dataset: Type.String(), file_count: Type.Integer(), task_id: Type.Optional(Type.String()) }),
          ...errors(400, 404, 422),
        },
      },
    },
    async (req) => ctx.examples.importDataset(req.params.example_id, req.body),
  );
}
