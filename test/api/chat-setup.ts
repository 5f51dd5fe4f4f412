/** Shared setup of the chat API tests: projects whose models point at a fake upstream (or stories260K). */
import type { FastifyInstance } from 'fastify';
import { createOfflineProject } from '../helpers/projects.js';

export interface ChatProjectOptions {
  /** Base URL of an OpenAI-compatible upstream (`<fake.url>/v1`). */
  baseUrl?: string;
  /** Provider model ids; the first is the model named `default`, others `m1`, `m2`, ... */
  models?: string[];
  defaultModel?: string | null;
  /** Config prompts (prompt sets); default: one system prompt. */
  prompts?: unknown[];
  /** Keep the template's RAG databases (HashingEmbedder); otherwise the project has none. */
  rag?: boolean;
  /** Replace the runtime section entirely. */
  runtime?: Record<string, unknown>;
}

export const SYSTEM_PROMPT = 'You are a test assistant.';

export async function createChatProject(app: FastifyInstance, ns: string, name: string, o: ChatProjectOptions = {}): Promise<any> {
  const config = await createOfflineProject(app, ns, name, { template: 'rag' });
  const ids = o.models ?? ['fake-model'];
  config.runtime = o.runtime ?? {
    models: ids.map((model, i) => ({ name: i === 0 ? 'default' : `m${i}`, provider: 'openai', model, base_url: o.baseUrl, api_key: 'sk-test' })),
    ...(o.defaultModel === null ? {} : { default_model: o.defaultModel ?? 'default' }),
  };
  config.prompts = o.prompts ?? [{ name: 'default', messages: [{ role: 'system', content: SYSTEM_PROMPT }] }];
  if (!o.rag) {
    delete config.rag.databases;
    delete config.rag.default_database;
    config.datasets = [];
  }
  const put = await app.inject({ method: 'PUT', url: `/v1/projects/${ns}/${name}`, payload: { config } });
  if (put.statusCode !== 200) throw new Error(`configure chat project failed: ${put.body}`);
  return JSON.parse(put.body).project.config;
}

/** The `data:` payloads of an SSE body (comments skipped), `[DONE]` included as a string. */
export function sseData(body: string): any[] {
  const out: any[] = [];
  for (const block of body.split('\n\n')) {
    const lines = block.split('\n').filter((l) => l.startsWith('data: '));
    if (!lines.length) continue;
    const data = lines.map((l) => l.slice(6)).join('\n');
    out.push(data === '[DONE]' ? data : JSON.parse(data));
  }
  return out;
}
