/** Reading the runtime section: the multi-model form, or the legacy flat form read as one model named `default`. */
import type { ModelConfig, ProjectConfig } from './schema.js';

export function configuredModels(c: Pick<ProjectConfig, 'runtime'>): ModelConfig[] {
  const r = c.runtime;
  if (r.models && r.models.length) return r.models;
  if (r.provider && r.model) {
    const m: ModelConfig = { name: 'default', provider: r.provider, model: r.model };
    if (r.base_url) m.base_url = r.base_url;
    if (r.api_key) m.api_key = r.api_key;
    if (r.instructor_mode) m.instructor_mode = r.instructor_mode;
    const params = { ...(r.model_api_parameters ?? {}) };
    if (r.temperature !== undefined && params.temperature === undefined) params.temperature = r.temperature;
    if (Object.keys(params).length) m.model_api_parameters = params;
    if (r.extra_body) m.extra_body = r.extra_body;
    return [m];
  }
  return [];
}

/** The default model name: `default_model` when set, else the first model (decision 0007). */
export function defaultModelName(c: Pick<ProjectConfig, 'runtime'>): string | undefined {
  const models = configuredModels(c);
  if (c.runtime.default_model && models.some((m) => m.name === c.runtime.default_model)) return c.runtime.default_model;
  return models[0]?.name;
}
