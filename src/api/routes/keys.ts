/**
 * API keys (issue #13, decision 0101): create (the secret is in this answer only), list (never secrets), revoke
 * (at once, on every replica: keys live in the metadata store). Admin scope only; not MCP tools.
 */
import Type from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../services/context.js';
import { KEY_SCOPES } from '../../services/api-keys.js';
import { errors } from '../schemas.js';

const Scope = Type.Enum([...KEY_SCOPES], {
  description: 'read: GET routes · use: read + chat completions, RAG queries and task events · admin: everything, incl. keys',
});
const KeyInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scope: Scope,
  prefix: Type.String({ description: 'The first characters of the secret' }),
  created_at: Type.String(),
});

export function keyRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['keys'];
  const auth = { security: [{ bearer: [] }] };

  r.post(
    '/v1/keys',
    {
      schema: {
        operationId: 'keys_create',
        tags,
        ...auth,
        summary: 'Create an API key (the secret is returned once, here)',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }), scope: Scope }, { additionalProperties: false }),
        response: { 201: Type.Object({ ...KeyInfo.properties, key: Type.String({ description: 'The secret: shown only in this answer' }) }), ...errors(401, 403, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await ctx.apiKeys.create(req.body.name, req.body.scope)),
  );

  r.get(
    '/v1/keys',
    {
      schema: {
        operationId: 'keys_list',
        tags,
        ...auth,
        summary: 'List the stored API keys (never their secrets)',
        response: { 200: Type.Object({ total: Type.Integer(), keys: Type.Array(KeyInfo), env_key: Type.Boolean({ description: 'LF_API_KEY is set' }) }), ...errors(401, 403) },
      },
    },
    async () => {
      const keys = await ctx.apiKeys.list();
      return { total: keys.length, keys, env_key: ctx.settings.apiKey !== undefined };
    },
  );

  r.delete(
    '/v1/keys/:key_id',
    {
      schema: {
        operationId: 'keys_delete',
        tags,
        ...auth,
        summary: 'Revoke an API key (refused from then on, on every replica)',
        params: Type.Object({ key_id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: Type.Object({ id: Type.String(), revoked: Type.Boolean() }), ...errors(401, 403, 404, 409) },
      },
    },
    async (req) => {
      await ctx.apiKeys.revoke(req.params.key_id);
      return { id: req.params.key_id, revoked: true };
    },
  );
}
