/** Tasks API: the status of an asynchronous task (decision 0008), its live events, and cancelling it. */
import Type from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../services/context.js';
import { errors, ProjectParams } from '../schemas.js';
import { notFound } from '../../core/errors.js';
import { TaskCanceller } from '../../services/tasks/cancel.js';
import { TaskEventHub } from '../../services/tasks/events.js';
import { eventStreams } from '../sse.js';

const NullableObject = Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]);
const TaskParams = Type.Object({ ...ProjectParams.properties, task_id: Type.String() });

export const TaskStateSchema = Type.Union([
  Type.Literal('PENDING'),
  Type.Literal('STARTED'),
  Type.Literal('RETRY'),
  Type.Literal('SUCCESS'),
  Type.Literal('FAILURE'),
  Type.Literal('REVOKED'),
]);

export const TaskResponse = Type.Object(
  {
    task_id: Type.String(),
    state: TaskStateSchema,
    meta: NullableObject,
    result: NullableObject,
    error: Type.Union([Type.String(), Type.Null()]),
    traceback: Type.Null(),
    cancelled: Type.Boolean(),
  },
  { additionalProperties: true },
);

const CancelledFile = Type.Object({ hash: Type.String(), filename: Type.String(), deleted_chunks: Type.Optional(Type.Integer()), chunks: Type.Optional(Type.Integer()) });
const CancelResponse = Type.Object({
  message: Type.String(),
  task_id: Type.String(),
  cancelled: Type.Boolean(),
  state: TaskStateSchema,
  reverted_files: Type.Array(CancelledFile),
  kept_files: Type.Array(CancelledFile),
});

/** Milliseconds between heartbeat comments on an idle events stream (keeps proxies from closing it). */
export const EVENTS_HEARTBEAT_MS = 15_000;

export function taskRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const hub = new TaskEventHub(ctx.queue, { pollMs: Number(process.env.LF_TASK_EVENTS_POLL_MS) || 250 });
  const canceller = new TaskCanceller({ queue: ctx.queue, tasks: ctx.tasks, projects: ctx.projects, resources: ctx.resources, layout: ctx.layout });
  const streams = eventStreams(app);
  const requireProject = async (namespace: string, project: string) => {
    if (!(await ctx.projects.exists(namespace, project))) throw notFound(`Project ${namespace}/${project} not found`);
  };

  r.get(
    '/v1/projects/:namespace/:project/tasks/:task_id',
    {
      schema: {
        operationId: 'task_get',
        tags: ['tasks', 'mcp'],
        summary: 'Status, progress and result of an asynchronous task',
        params: TaskParams,
        response: { 200: TaskResponse, ...errors(404, 422) },
      },
    },
    async (req) => {
      const { namespace, project, task_id } = req.params;
      await requireProject(namespace, project);
      return ctx.tasks.get(namespace, project, task_id);
    },
  );

  r.delete(
    '/v1/projects/:namespace/:project/tasks/:task_id',
    {
      schema: {
        operationId: 'task_cancel',
        tags: ['tasks', 'mcp'],
        summary: 'Cancel a queued or running task (it ends REVOKED); its stored chunks are removed unless revert=false. 409 when already finished',
        params: TaskParams,
        querystring: Type.Object({ revert: Type.Boolean({ default: true, description: 'Remove the chunks this task wrote' }) }),
        response: { 200: CancelResponse, ...errors(404, 409, 422) },
      },
    },
    async (req) => {
      const { namespace, project, task_id } = req.params;
      await requireProject(namespace, project);
      return canceller.cancel(namespace, project, task_id, req.query.revert);
    },
  );

  r.get(
    '/v1/projects/:namespace/:project/tasks/:task_id/events',
    {
      schema: {
        operationId: 'task_events',
        tags: ['tasks'],
        summary: 'Server-Sent Events: `progress` (meta), `file` ({hash, filename, status, chunks, error}), then one terminal `state` event',
        produces: ['text/event-stream'],
        params: TaskParams,
        response: { ...errors(404, 422) },
      },
    },
    async (req, reply) => {
      const { namespace, project, task_id } = req.params;
      await requireProject(namespace, project);
      const record = await ctx.tasks.record(namespace, project, task_id);
      const stream = streams.open(reply, Number(process.env.LF_SSE_HEARTBEAT_MS) || EVENTS_HEARTBEAT_MS);
      const detach = hub.subscribe(record, { send: (event, data) => stream.send(event, data), end: () => stream.end() });
      stream.onClose(detach);
    },
  );
}
