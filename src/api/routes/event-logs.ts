/** Event logs API (decision 0010): list with filters and pagination, and one event with its sub-events. */
import Type from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../services/context.js';
import { notFound, unprocessable } from '../../core/errors.js';
import { errors, ProjectParams } from '../schemas.js';
import { EVENT_TYPES } from '../../services/events.js';

const open = { additionalProperties: true };
const SubEvent = Type.Object({ timestamp: Type.String(), event_name: Type.String(), duration_ms: Type.Number(), data: Type.Record(Type.String(), Type.Unknown()) }, open);
const EventItem = Type.Object(
  {
    event_id: Type.String(),
    type: Type.String(),
    event_type: Type.String(),
    timestamp: Type.String(),
    summary: Type.Record(Type.String(), Type.Unknown()),
    request_id: Type.String(),
    status: Type.String(),
    duration_ms: Type.Number(),
  },
  open,
);

function parseTime(value: string | undefined, field: string): Date | undefined {
  if (value === undefined || value === '') return undefined;
  // Naive timestamps are UTC (original §3.7).
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(value) || !value.includes('T') ? value : `${value}Z`;
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T00:00:00Z` : iso);
  if (Number.isNaN(d.getTime())) throw unprocessable([{ loc: ['query', field], msg: 'Input should be a valid datetime (ISO 8601)', type: 'datetime_parsing', input: value }]);
  return d;
}

export function eventLogRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  async function requireProject(ns: string, p: string): Promise<void> {
    if (!(await ctx.projects.exists(ns, p))) throw notFound(`Project ${ns}/${p} not found`);
  }

  r.get(
    '/v1/projects/:namespace/:project/event_logs',
    {
      schema: {
        operationId: 'event_logs_list',
        tags: ['event_logs'],
        summary: 'List event logs, newest first',
        params: ProjectParams,
        querystring: Type.Object({
          type: Type.Optional(Type.Union(EVENT_TYPES.map((t) => Type.Literal(t)), { description: `One of ${EVENT_TYPES.join(', ')}` })),
          start_time: Type.Optional(Type.String({ description: 'ISO 8601; events at or after' })),
          end_time: Type.Optional(Type.String({ description: 'ISO 8601; events at or before' })),
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
          offset: Type.Integer({ minimum: 0, default: 0 }),
        }),
        response: { 200: Type.Object({ total: Type.Integer(), events: Type.Array(EventItem), limit: Type.Integer(), offset: Type.Integer() }), ...errors(404, 422) },
      },
    },
    async (req) => {
      const { namespace, project } = req.params;
      const q = req.query;
      const startTime = parseTime(q.start_time, 'start_time');
      const endTime = parseTime(q.end_time, 'end_time');
      await requireProject(namespace, project);
      const { total, events } = await ctx.events.list(namespace, project, { type: q.type || undefined, startTime, endTime, limit: q.limit, offset: q.offset });
      return { total, events, limit: q.limit, offset: q.offset };
    },
  );

  r.get(
    '/v1/projects/:namespace/:project/event_logs/:event_id',
    {
      schema: {
        operationId: 'event_log_get',
        tags: ['event_logs'],
        summary: 'One event with all its sub-events',
        params: Type.Object({ ...ProjectParams.properties, event_id: Type.String() }),
        response: {
          200: Type.Object({ ...EventItem.properties, data: Type.Record(Type.String(), Type.Unknown()), events: Type.Array(SubEvent), sub_events: Type.Array(SubEvent), error: Type.Union([Type.String(), Type.Null()]) }, open),
          ...errors(404),
        },
      },
    },
    async (req) => {
      const { namespace, project, event_id } = req.params;
      await requireProject(namespace, project);
      const ev = await ctx.events.get(namespace, project, event_id);
      if (!ev) throw notFound(`Event '${event_id}' not found in project '${namespace}/${project}'`);
      return ev;
    },
  );
}
