/**
 * Models Cache API (decision 0011): the Hugging Face hub cache used by the `universal` runtime. Downloads stream
 * Server-Sent Events (`data: <json>\n\n`): per file `start` / `progress` / `end`, then `complete` and `done`;
 * `error` when a started download fails (the status is already 200). Refusals found before streaming (bad name,
 * unknown model, not enough disk) are ordinary error responses. A client that disconnects aborts the transfer;
 * the partial file stays for the next attempt.
 */
import { PassThrough } from 'node:stream';
import Type from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../services/context.js';
import { badRequest, errorMessage } from '../../core/errors.js';
import { sharedModelsCache, type ModelsCacheService } from '../../services/models-cache/service.js';
import type { DownloadEvent } from '../../services/models-cache/downloader.js';
import { errors } from '../schemas.js';

const PROVIDERS = ['openai', 'ollama', 'lemonade', 'universal'] as const;
const Provider = Type.Enum([...PROVIDERS], { default: 'universal', description: 'Model provider; only `universal` has a models cache' });
const ProviderQuery = Type.Object({ provider: Type.Optional(Provider) });
const ModelName = Type.String({ minLength: 1, maxLength: 512, description: 'org/repo, org/repo:QUANT (GGUF quantisation) or org/repo/file' });

const CachedModel = Type.Object(
  {
    model_id: Type.String(),
    name: Type.String(),
    id: Type.String(),
    size_bytes: Type.Integer(),
    size: Type.Integer(),
    size_human: Type.String(),
    last_modified: Type.String(),
    revisions: Type.Array(Type.String()),
    path: Type.String(),
  },
  { additionalProperties: true },
);

const DiskInfo = Type.Object({ total_bytes: Type.Number(), used_bytes: Type.Number(), free_bytes: Type.Number(), path: Type.String(), percent_free: Type.Number() });

const SSE_RESPONSE = {
  description:
    'text/event-stream of `data: <json>` events: optional first `{"event":"warning","message"}`; per file `{"event":"start","desc","total","n"}`, ' +
    '`{"event":"progress","desc","total","n","downloaded","percent"}` (at most 10 per second) and `{"event":"end",...}`; then ' +
    '`{"event":"complete","model_name","local_dir"}` and `{"event":"done","local_dir"}`, or `{"event":"error","message"}`.',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
};

function ensureUniversal(provider: string | undefined): void {
  if (provider && provider !== 'universal') {
    throw badRequest(`Provider '${provider}' has no models cache: only 'universal' models are downloaded and cached by LlamaFarm (${provider} manages its own models)`);
  }
}

/** The routes over a given models cache (tests pass their own). */
export function modelRoutesWith(service: ModelsCacheService) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['models'];

    r.get(
      '/v1/models',
      {
        schema: {
          operationId: 'models_cache_list',
          tags,
          summary: 'List models cached on disk (Hugging Face hub cache)',
          querystring: ProviderQuery,
          response: { 200: Type.Object({ data: Type.Array(CachedModel) }), ...errors(400, 422) },
        },
      },
      async (req) => {
        ensureUniversal(req.query.provider);
        return { data: await service.list() };
      },
    );

    r.post(
      '/v1/models/download',
      {
        schema: {
          operationId: 'models_cache_download',
          tags,
          summary: 'Download a model into the cache, streaming progress as Server-Sent Events',
          body: Type.Object({ provider: Type.Optional(Provider), model_name: ModelName }),
          response: { 200: SSE_RESPONSE, ...errors(400, 403, 404, 422, 502, 503) },
        },
      },
      async (req, reply) => {
        ensureUniversal(req.body.provider);
        const { plan, space } = await service.prepareDownload(req.body.model_name);
        const stream = new PassThrough();
        const abort = new AbortController();
        // Fastify destroys the stream when the client goes away: stop the transfer (the partial file stays).
        stream.on('close', () => abort.abort());
        const send = (e: DownloadEvent) => {
          if (!stream.destroyed) stream.write(`data: ${JSON.stringify(e)}\n\n`);
        };
        void (async () => {
          if (space.warning) send({ event: 'warning', message: space.message });
          try {
            await service.download(plan, { signal: abort.signal, onEvent: send });
          } catch (e) {
            if (!abort.signal.aborted) {
              req.log.warn({ err: e, model: plan.modelName }, 'model download failed');
              send({ event: 'error', message: `Download failed: ${errorMessage(e)}` });
            }
          } finally {
            stream.end();
          }
        })();
        return reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache').header('x-accel-buffering', 'no').send(stream);
      },
    );

    r.post(
      '/v1/models/validate-download',
      {
        schema: {
          operationId: 'models_cache_validate_download',
          tags,
          summary: 'Check whether a model download fits on disk (nothing is downloaded)',
          body: Type.Object({ provider: Type.Optional(Provider), model_name: ModelName }),
          response: {
            200: Type.Object(
              {
                can_download: Type.Boolean(),
                warning: Type.Boolean(),
                message: Type.String(),
                available_bytes: Type.Number(),
                required_bytes: Type.Number(),
                cache_info: DiskInfo,
                system_info: DiskInfo,
              },
              { additionalProperties: true },
            ),
            ...errors(400, 403, 404, 422, 502, 503),
          },
        },
      },
      async (req) => {
        ensureUniversal(req.body.provider);
        return service.validateDownload(req.body.model_name);
      },
    );

    r.delete(
      '/v1/models/*',
      {
        schema: {
          operationId: 'models_cache_delete',
          tags,
          summary: 'Delete every cached revision of a model (the path may contain "/"; a ":QUANT" suffix is ignored)',
          params: Type.Object({ '*': Type.String({ description: 'The model id, e.g. org/repo' }) }),
          querystring: ProviderQuery,
          response: {
            200: Type.Object({ model_name: Type.String(), revisions_deleted: Type.Integer(), size_freed: Type.Integer(), path: Type.String() }),
            ...errors(400, 404, 422),
          },
        },
      },
      async (req) => {
        ensureUniversal(req.query.provider);
        return service.delete(req.params['*']);
      },
    );
  };
}

/** Models Cache API over the process-wide cache (`HF_HUB_CACHE` / `HF_HOME`, `HF_ENDPOINT`, `HF_TOKEN`). */
export function modelRoutes(app: FastifyInstance, _ctx: AppContext): void {
  modelRoutesWith(sharedModelsCache())(app);
}
