/**
 * A `runtime.models` entry → reranker. `universal` models without a `base_url` rank in-process (GGUF via
 * node-llama-cpp); every other model (and a universal model with a `base_url`, i.e. a separate Universal
 * Runtime server) is called over HTTP at its OpenAI-compatible base URL + `/rerank`.
 */
import type { ModelConfig } from '../../../config/schema.js';
import { resolveEnvRefs } from '../../../config/secrets.js';
import type { Reranker } from '../types.js';
import { HttpReranker } from './http.js';
import type { UniversalRerankerPool } from './universal.js';

export { HttpReranker, rerankUrl } from './http.js';
export { UniversalRerankerPool } from './universal.js';

export interface RerankerDeps {
  universal: UniversalRerankerPool;
  timeoutMs?: number;
  env?: Record<string, string | undefined>;
}

function defaultBaseUrl(model: ModelConfig, env: Record<string, string | undefined>): string {
  switch (model.provider) {
    case 'ollama': {
      const host = env.OLLAMA_HOST || 'http://localhost:11434';
      return /^https?:\/\//.test(host) ? host : `http://${host}`;
    }
    case 'lemonade':
      return 'http://127.0.0.1:11534/v1';
    default:
      return env.OPENAI_BASE_URL || 'https://api.openai.com/v1';
  }
}

export function createReranker(configured: ModelConfig, deps: RerankerDeps): Reranker {
  if (configured.provider === 'universal' && !configured.base_url) return deps.universal.reranker(configured.model);
  const env = deps.env ?? process.env;
  const model = resolveEnvRefs(configured, env);
  return new HttpReranker({
    baseUrl: model.base_url || defaultBaseUrl(model, env),
    model: model.model,
    apiKey: model.api_key || (model.provider === 'openai' ? env.OPENAI_API_KEY : undefined),
    timeoutMs: deps.timeoutMs,
  });
}
