/**
 * The Fastify app: error mapping, OpenAPI (`/openapi.json`) and Swagger UI (`/docs`), CORS, and one route file
 * per resource. Routes stay thin: they validate, call a service, and shape the answer.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import multipart from '@fastify/multipart';
import type { Options as AjvOptions } from 'ajv';
import type { AppContext } from '../services/context.js';
import { ProjectConfigSchema } from '../config/schema.js';
import { installErrorHandling } from './error-handler.js';
import { systemRoutes } from './routes/system.js';
import { projectRoutes } from './routes/projects.js';
import { eventLogRoutes } from './routes/event-logs.js';
import { datasetRoutes } from './routes/datasets.js';
import { taskRoutes } from './routes/tasks.js';
import { exampleRoutes } from './routes/examples.js';
import { ragRoutes } from './routes/rag.js';
import { chatRoutes } from './routes/chat.js';
import { modelRoutes } from './routes/models.js';
import { installMcpServer } from './mcp/index.js';
import { webAppRoutes } from './web-app.js';

export type RouteModule = (app: FastifyInstance, ctx: AppContext) => void | Promise<void>;

/** Every resource's routes, in the order they appear in the OpenAPI document. */
export const ROUTE_MODULES: RouteModule[] = [systemRoutes, projectRoutes, datasetRoutes, taskRoutes, ragRoutes, chatRoutes, eventLogRoutes, exampleRoutes, modelRoutes];

/** Request validation options (Fastify's ajv), shared with the MCP tools so both validate alike. */
export const AJV_OPTIONS: AjvOptions = { allErrors: true, removeAdditional: false, coerceTypes: 'array', useDefaults: true };

export interface BuildAppOptions {
  extraRoutes?: RouteModule[];
}

export async function buildApp(ctx: AppContext, o: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: ctx.log as unknown as FastifyBaseLogger,
    bodyLimit: 16 * 1024 * 1024,
    routerOptions: { maxParamLength: 2048 },
    ajv: { customOptions: AJV_OPTIONS },
    // Requests in flight get this long to finish on shutdown before sockets are closed.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  installErrorHandling(app);
  await app.register(cors, { origin: true, exposedHeaders: ['X-Session-ID'], methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'LlamaFarm API', version: ctx.settings.version, description: 'Local-first AI platform: projects, datasets, RAG and OpenAI-compatible chat.' },
      components: { schemas: { LlamaFarmConfig: { ...(ProjectConfigSchema as object), $id: undefined } as never } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(multipart, { limits: { fileSize: ctx.settings.maxUploadBytes, files: 1, fields: 10 } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await webAppRoutes(app, ctx);
  // Before the routes: it captures the ones tagged `mcp` as they are added.
  installMcpServer(app, { serverInfo: { name: 'llamafarm', version: ctx.settings.version }, ajvOptions: AJV_OPTIONS });
  for (const mod of [...ROUTE_MODULES, ...(o.extraRoutes ?? [])]) await mod(app, ctx);
  return app;
}
