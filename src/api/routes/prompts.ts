/** Prompts API (issue 18): the named prompt sets of the project's config, tagged `mcp` for agents. */
import Type from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../services/context.js';
import { PromptMessageSchema } from '../../config/schema.js';
import { STRATEGY_NAME_PATTERN } from '../../core/names.js';
import { PromptsService } from '../../services/prompts.js';
import { errors, ProjectParams } from '../schemas.js';

const PromptParams = Type.Object({ ...ProjectParams.properties, name: Type.String({ description: 'Prompt set name' }) });
const Messages = Type.Array(PromptMessageSchema, { description: 'Messages: system/developer texts join the system prompt; others seed new sessions' });
const PromptInfo = Type.Object({
  name: Type.String(),
  messages: Messages,
  used_by: Type.Array(Type.String(), { description: 'Models whose `prompts` name this set' }),
});

export function promptRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const prompts = new PromptsService(ctx.projects);
  const base = '/v1/projects/:namespace/:project/prompts';
  const tags = ['prompts', 'mcp'];

  r.get(
    base,
    { schema: { operationId: 'prompts_list', tags, summary: "The project's prompt sets", params: ProjectParams, response: { 200: Type.Object({ total: Type.Integer(), prompts: Type.Array(PromptInfo) }), ...errors(404, 422) } } },
    async (req) => {
      const list = await prompts.list(req.params.namespace, req.params.project);
      return { total: list.length, prompts: list };
    },
  );

  r.post(
    base,
    {
      schema: {
        operationId: 'prompt_create',
        tags,
        summary: 'Add a prompt set (409 if the name exists; the config is validated before it is saved)',
        params: ProjectParams,
        body: Type.Object({ name: Type.String({ pattern: STRATEGY_NAME_PATTERN, description: 'Lower-case letters, digits and _' }), messages: Messages }),
        response: { 200: Type.Object({ prompt: PromptInfo }), ...errors(404, 409, 422) },
      },
    },
    async (req) => ({ prompt: await prompts.create(req.params.namespace, req.params.project, req.body) }),
  );

  r.get(
    `${base}/:name`,
    { schema: { operationId: 'prompt_get', tags, summary: 'One prompt set', params: PromptParams, response: { 200: Type.Object({ prompt: PromptInfo }), ...errors(404, 422) } } },
    async (req) => ({ prompt: await prompts.get(req.params.namespace, req.params.project, req.params.name) }),
  );

  r.put(
    `${base}/:name`,
    {
      schema: {
        operationId: 'prompt_update',
        tags,
        summary: "Replace a prompt set's messages",
        params: PromptParams,
        body: Type.Object({ messages: Messages }),
        response: { 200: Type.Object({ prompt: PromptInfo }), ...errors(404, 422) },
      },
    },
    async (req) => ({ prompt: await prompts.update(req.params.namespace, req.params.project, req.params.name, req.body.messages) }),
  );

  r.delete(
    `${base}/:name`,
    {
      schema: {
        operationId: 'prompt_delete',
        tags,
        summary: 'Delete a prompt set (409 naming the models that still use it)',
        params: PromptParams,
        response: { 200: Type.Object({ message: Type.String(), prompt: PromptInfo }), ...errors(404, 409, 422) },
      },
    },
    async (req) => ({ message: `Prompt '${req.params.name}' deleted`, prompt: await prompts.delete(req.params.namespace, req.params.project, req.params.name) }),
  );
}
