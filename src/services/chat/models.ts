/**
 * Which configured model answers (decision 0007, "Multi-Model Support"): the request's `model` is a configured
 * model *name*; absent → `runtime.default_model` → the first model. An unknown name is a 400 listing the names.
 */
import { configuredModels, defaultModelName } from '../../config/models.js';
import type { ModelConfig, ProjectConfig } from '../../config/schema.js';
import { badRequest } from '../../core/errors.js';
import { redactSecrets } from '../../config/secrets.js';

export function selectModel(config: ProjectConfig, requested?: string): ModelConfig {
  const models = configuredModels(config);
  if (models.length === 0) {
    throw badRequest(
      'This project has no chat model yet (runtime.models is empty; retrieval works without one). To chat, add a model under runtime.models ' +
        'in llamafarm.yaml or with PUT /v1/projects/{namespace}/{project}: a local GGUF file or a Hugging Face id such as ' +
        "{name: default, provider: universal, model: unsloth/Qwen3-1.7B-GGUF:Q4_K_M} (fetch it first with `lf models pull`), or a model served by Ollama " +
        '(provider: ollama) or any OpenAI-compatible server (provider: openai, base_url).',
    );
  }
  const name = requested ?? defaultModelName(config);
  const model = models.find((m) => m.name === name);
  if (!model) throw badRequest(`Model '${name}' not found. Available: ${models.map((m) => m.name).join(', ')}`);
  return model;
}

export interface ListedModel extends Record<string, unknown> {
  name: string;
  provider: string;
  model: string;
  default: boolean;
}

/**
 * `GET /models`: every configured field of each model in config order, the fields with schema defaults filled
 * in (as the original dumps them), and `default` on the default model — the first one when no
 * `default_model` is set (decision 0007). Secrets (`api_key`…) are redacted (decision 0111).
 */
export function listModels(config: ProjectConfig): ListedModel[] {
  const def = defaultModelName(config);
  return configuredModels(config).map((m) => ({
    prompts: [],
    tools: [],
    tool_call_strategy: 'native_api',
    ...stripNulls(redactSecrets(m)),
    name: m.name,
    provider: m.provider,
    model: m.model,
    default: m.name === def,
  }));
}

function stripNulls(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));
}
