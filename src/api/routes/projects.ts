/** Projects API (decision 0003). Operation ids are the reference's MCP ids, tagged `mcp`. */
import Type from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../services/context.js';
import { errors, NamespaceParams, ProjectParams, ResourceName } from '../schemas.js';

const ProjectInfo = Type.Object(
  {
    namespace: Type.String(),
    name: Type.String(),
    config: Type.Record(Type.String(), Type.Unknown(), { description: 'The llamafarm.yaml content (see LlamaFarmConfig)' }),
    validation_error: Type.Optional(Type.String()),
    last_modified: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);
const ProjectEnvelope = Type.Object({ project: ProjectInfo });

export function projectRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['projects', 'mcp'];

  r.get(
    '/v1/projects/:namespace',
    {
      schema: {
        operationId: 'projects_list',
        tags,
        summary: 'List projects in a namespace',
        params: NamespaceParams,
        response: { 200: Type.Object({ total: Type.Integer(), projects: Type.Array(ProjectInfo) }), ...errors(422) },
      },
    },
    async (req) => {
      const projects = await ctx.projects.list(req.params.namespace);
      return { total: projects.length, projects };
    },
  );

  r.post(
    '/v1/projects/:namespace',
    {
      schema: {
        operationId: 'project_create',
        tags,
        summary: 'Create a project from a template (409 if it exists)',
        params: NamespaceParams,
        body: Type.Object({
          name: ResourceName('Project name: 1-64 of letters, digits, _ and -, starting with a letter or digit'),
          config_template: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'default, server, rag, or a custom template name' })),
        }),
        response: { 200: ProjectEnvelope, ...errors(400, 403, 404, 409, 422) },
      },
    },
    async (req) => ({ project: await ctx.projects.create(req.params.namespace, req.body.name, req.body.config_template) }),
  );

  r.get(
    '/v1/projects/:namespace/:project',
    {
      schema: { operationId: 'project_get', tags, summary: 'Get a project', params: ProjectParams, response: { 200: ProjectEnvelope, ...errors(404, 422) } },
    },
    async (req) => ({ project: await ctx.projects.get(req.params.namespace, req.params.project) }),
  );

  r.put(
    '/v1/projects/:namespace/:project',
    {
      schema: {
        operationId: 'project_update',
        tags,
        summary: 'Replace the project configuration (validated before anything is written)',
        description:
          'Secrets come back as ******** in every answer; sending the placeholder back keeps the stored value. A config that adds or changes a command (an MCP server with transport stdio) is refused with 403 unless the server runs with LF_MCP_ALLOW_STDIO=1; link-local and cloud-metadata addresses in URLs are a 422.',
        params: ProjectParams,
        body: Type.Object({
          config: Type.Object({}, { additionalProperties: true, description: 'The whole llamafarm.yaml as JSON; schema: components.schemas.LlamaFarmConfig' }),
        }),
        response: { 200: ProjectEnvelope, ...errors(400, 403, 404, 422) },
      },
    },
    async (req) => ({ project: await ctx.projects.update(req.params.namespace, req.params.project, req.body.config) }),
  );

  r.delete(
    '/v1/projects/:namespace/:project',
    {
      schema: {
        operationId: 'project_delete',
        tags,
        summary: 'Delete a project: config, files, vectors, sessions and events',
        params: ProjectParams,
        response: { 200: ProjectEnvelope, ...errors(404) },
      },
    },
    async (req) => ({ project: await ctx.projects.delete(req.params.namespace, req.params.project) }),
  );
}
