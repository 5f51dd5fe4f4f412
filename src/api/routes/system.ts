/** System routes: `/`, `/info`, `/health`, `/health/liveness`, `/v1/system/version-check`. */
import Type from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../services/context.js';
import { errors } from '../schemas.js';

const open = { additionalProperties: true };
const HealthStatus = Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('unhealthy')]);

export function systemRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get('/', { schema: { operationId: 'root', tags: ['system'], summary: 'Hello', response: { 200: Type.Object({ message: Type.String() }) } } }, async () => ({
    message: 'Hello, World!',
  }));

  r.get(
    '/info',
    {
      schema: {
        operationId: 'system_info',
        tags: ['system'],
        summary: 'Server version and data directory',
        response: { 200: Type.Object({ version: Type.String(), data_directory: Type.String() }, open) },
      },
    },
    async () => ({ version: ctx.settings.version, data_directory: ctx.settings.dataDir }),
  );

  r.get(
    '/health',
    {
      schema: {
        operationId: 'health',
        tags: ['health'],
        summary: 'Overall health (always 200; the body says what is wrong)',
        response: {
          200: Type.Object(
            {
              status: HealthStatus,
              summary: Type.String(),
              services: Type.Record(Type.String(), HealthStatus),
              components: Type.Array(
                Type.Object({ name: Type.String(), status: HealthStatus, message: Type.String(), latency_ms: Type.Number(), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }, open),
              ),
              timestamp: Type.Integer(),
              seeds: Type.Array(Type.String(), { description: 'Built-in seed projects (none yet); present for the original\'s clients' }),
            },
            open,
          ),
        },
      },
    },
    async () => ctx.health.report(),
  );

  r.get(
    '/health/liveness',
    { schema: { operationId: 'health_liveness', tags: ['health'], summary: 'Liveness probe', response: { 200: Type.Object({ status: Type.Literal('alive') }) } } },
    async () => ({ status: 'alive' as const }),
  );

  r.get(
    '/v1/system/version-check',
    {
      schema: {
        operationId: 'version_check',
        tags: ['system'],
        summary: 'Check for a newer release (cached 6 h; answers within about 3 s)',
        response: {
          200: Type.Object(
            {
              current_version: Type.String(),
              latest_version: Type.String(),
              name: Type.String(),
              release_notes: Type.String(),
              release_url: Type.String(),
              published_at: Type.Union([Type.String(), Type.Null()]),
              from_cache: Type.Boolean(),
              update_available: Type.Boolean(),
              install: Type.Object({ mac_linux: Type.String(), windows: Type.String() }),
            },
            open,
          ),
          ...errors(502, 503),
        },
      },
    },
    async () => ctx.versionCheck.check(),
  );
}
