/** Tasks API: the status of an asynchronous task (decision A8). */
import Type from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../services/context.js';
import { errors, ProjectParams } from '../schemas.js';
import { notFound } from '../../core/errors.js';

const NullableObject = Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]);

export const TaskResponse = Type.Object(
  {
    task_id: Type.String(),
    state: Type.Union([Type.Literal('PENDING'), Type.Literal('STARTED'), Type.Literal('RETRY'), Type.Literal('SUCCESS'), Type.Literal('FAILURE')]),
    meta: NullableObject,
    result: NullableObject,
    error: Type.Union([Type.String(), Type.Null()]),
    traceback: Type.Null(),
    cancelled: Type.Boolean(),
  },
  { additionalProperties: true },
);

export function taskRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/v1/projects/:namespace/:project/tasks/:task_id',
    {
      schema: {
        operationId: 'task_get',
        tags: ['tasks', 'mcp'],
        summary: 'Status, progress and result of an asynchronous task',
        params: Type.Object({ ...ProjectParams.properties, task_id: Type.String() }),
        response: { 200: TaskResponse, ...errors(404, 422) },
      },
    },
    async (req) => {
      const { namespace, project, task_id } = req.params;
      if (!(await ctx.projects.exists(namespace, project))) throw notFound(`Project ${namespace}/${project} not found`);
      return ctx.tasks.get(namespace, project, task_id);
    },
  );
}
