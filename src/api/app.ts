/**
 * The Fastify app: error mapping, OpenAPI (`/openapi.json`) and Swagger UI (`/docs`), CORS, and one route file
 * per resource. Routes stay thin: they validate, call a service, and shape the answer.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import multipart from '@fastify/multipart';
import type { Options as AjvOptions } from 'ajv';
import type { AppContext } from '../services/context.js';
import { ProjectConfigSchema } from '../config/schema.js';
import { clientErrorHandler, frameworkErrors, installErrorHandling } from './error-handler.js';
import { lazySchemaController } from './lazy-compilers.js';
import { installMcpToolScopes, installSecurity } from './security/index.js';
import { keyRoutes } from './routes/keys.js';
import { systemRoutes } from './routes/system.js';
import { projectRoutes } from './routes/projects.js';
import { eventLogRoutes } from './routes/event-logs.js';
import { datasetRoutes } from './routes/datasets.js';
import { taskRoutes } from './routes/tasks.js';
import { exampleRoutes } from './routes/examples.js';
import { ragRoutes } from './routes/rag.js';
import { chatRoutes } from './routes/chat.js';
import { modelRoutes } from './routes/models.js';
import { installMcpServer, MCP_PATH } from './mcp/index.js';
import { swaggerUiSpecification } from './swagger-ui-spec.js';
import { promptRoutes } from './routes/prompts.js';
import { ragQualityRoutes } from './routes/rag-quality.js';
import { portabilityRoutes } from './routes/portability.js';
import { webAppRoutes } from './web-app.js';

export type RouteModule = (app: FastifyInstance, ctx: AppContext) => void | Promise<void>;

/** Every resource's routes, in the order they appear in the OpenAPI document. */
export const ROUTE_MODULES: RouteModule[] = [systemRoutes, projectRoutes, datasetRoutes, taskRoutes, ragRoutes, chatRoutes, eventLogRoutes, exampleRoutes, modelRoutes, promptRoutes, ragQualityRoutes, portabilityRoutes, keyRoutes];

/** Request validation options (Fastify's ajv), shared with the MCP tools so both validate alike. */
export const AJV_OPTIONS: AjvOptions = { allErrors: true, removeAdditional: false, coerceTypes: 'array', useDefaults: true, strictNumbers: true };

export interface BuildAppOptions {
  extraRoutes?: RouteModule[];
}

export async function buildApp(ctx: AppContext, o: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: ctx.log as unknown as FastifyBaseLogger,
    bodyLimit: 16 * 1024 * 1024,
    // A trailing slash answers as without it (the original's FastAPI routes end in `/`; its clients call them so).
    routerOptions: { maxParamLength: 2048, ignoreTrailingSlash: true },
    ajv: { customOptions: AJV_OPTIONS },
    // Route schemas compile on first use (cold start), with Fastify's own compilers and options.
    schemaController: lazySchemaController() as never,
    // Requests in flight get this long to finish on shutdown before sockets are closed.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // Router and HTTP parser errors answer `{detail}` too (error-handler.ts).
    frameworkErrors,
    clientErrorHandler,
  });
  installErrorHandling(app);
  // Origin/Host guards, API keys, rate limits: before any route (security/index.ts).
  await installSecurity(app, ctx);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'LlamaFarm API', version: ctx.settings.version, description: 'Local-first AI platform: projects, datasets, RAG and OpenAI-compatible chat.' },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key (LF_API_KEY or POST /v1/keys); also accepted as X-API-Key' } },
        schemas: { LlamaFarmConfig: { ...(ProjectConfigSchema as object), $id: undefined } as never },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', transformSpecification: (doc) => swaggerUiSpecification(doc as Record<string, any>) });
  await app.register(multipart, { limits: { fileSize: ctx.settings.maxUploadBytes, files: 1, fields: 10 } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await webAppRoutes(app, ctx);
  // Before the routes: it captures the ones tagged `mcp` as they are added.
  const mcp = installMcpServer(app, { serverInfo: { name: 'llamafarm', version: ctx.settings.version }, ajvOptions: AJV_OPTIONS });
  installMcpToolScopes(app, MCP_PATH, mcp.operations);
  for (const mod of [...ROUTE_MODULES, ...(o.extraRoutes ?? [])]) await mod(app, ctx);
  return app;
}
