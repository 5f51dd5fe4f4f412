/**
 * Provider name → runtime factory. Runtimes are cheap to create (the HTTP ones hold only settings; universal
 * shares one process-wide LRU of loaded models), so callers may create one per request or keep them.
 *
 * Defaults when the model config has no `base_url` / `api_key`:
 * - `openai`: `OPENAI_BASE_URL` or https://api.openai.com/v1, key from `OPENAI_API_KEY`;
 * - `ollama`: `OLLAMA_HOST` (default http://localhost:11434) + `/v1`, key `ollama`;
 * - `lemonade`: OpenAI-compatible at http://127.0.0.1:11534/v1;
 * - `universal`: in-process; `model` is a local .gguf path unless `resolveModelPath` says otherwise.
 */
import { OllamaRuntime, ollamaHost } from './ollama.js';
import { OpenAICompatibleRuntime } from './openai-compatible.js';
import type { ChatRuntime, ModelConfig, ProviderName } from './types.js';
import { resolveEnvRefs } from '../../config/secrets.js';
import { UniversalRuntime, disposeSharedModelCache } from './universal/universal.js';

export interface RuntimeDeps {
  /** universal: model name → local GGUF path. */
  resolveModelPath?: (name: string) => Promise<string>;
  /** Environment for defaults (tests); default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Upstream timeout in ms (non-stream call, or silence within a stream); default `LF_RUNTIME_TIMEOUT_MS` or 5 min. */
  timeoutMs?: number;
}

type Factory = (model: ModelConfig, deps: RuntimeDeps) => ChatRuntime;

export const LEMONADE_DEFAULT_BASE_URL = 'http://127.0.0.1:11534/v1';
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

const FACTORIES: Record<ProviderName, Factory> = {
  openai: (m, d) => {
    const env = d.env ?? process.env;
    return new OpenAICompatibleRuntime(m, {
      provider: 'openai',
      baseUrl: m.base_url || env.OPENAI_BASE_URL || OPENAI_DEFAULT_BASE_URL,
      apiKey: m.api_key || env.OPENAI_API_KEY,
      timeoutMs: d.timeoutMs,
    });
  },
  lemonade: (m, d) =>
    new OpenAICompatibleRuntime(m, {
      provider: 'lemonade',
      baseUrl: m.base_url || LEMONADE_DEFAULT_BASE_URL,
      apiKey: m.api_key,
      timeoutMs: d.timeoutMs,
    }),
  ollama: (m, d) =>
    new OllamaRuntime(m, {
      baseUrl: m.base_url || `${ollamaHost(d.env ?? process.env)}/v1`,
      apiKey: m.api_key || 'ollama',
      timeoutMs: d.timeoutMs,
    }),
  universal: (m, d) => new UniversalRuntime(m, { resolveModelPath: d.resolveModelPath }),
};

export const RUNTIME_PROVIDERS = Object.keys(FACTORIES) as ProviderName[];

export function createRuntime(model: ModelConfig, deps: RuntimeDeps = {}): ChatRuntime {
  const factory = FACTORIES[model.provider];
  if (!factory) throw new Error(`unknown runtime provider '${String(model.provider)}' (known: ${RUNTIME_PROVIDERS.join(', ')})`);
  // `${VAR}` references in secret fields are resolved now, at use time (decision 0111).
  return factory(resolveEnvRefs(model, deps.env ?? process.env), deps);
}

/** Frees process-wide runtime resources (the universal runtime's loaded models). */
export async function closeRuntimes(): Promise<void> {
  await disposeSharedModelCache();
}
