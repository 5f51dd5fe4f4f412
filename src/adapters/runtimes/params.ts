/**
 * Request parameters as a runtime applies them: the model's `model_api_parameters` are defaults, the request's
 * own fields win. `extra_body` keys that configure model loading (n_ctx, n_threads, ...) are not request fields.
 */
import type { ChatRequest, ModelConfig } from './types.js';

export interface SamplingParams {
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  min_p?: number;
  seed?: number;
  stop?: string[];
  presence_penalty?: number;
  frequency_penalty?: number;
}

const NUMERIC_KEYS = ['max_tokens', 'temperature', 'top_p', 'top_k', 'min_p', 'seed', 'presence_penalty', 'frequency_penalty'] as const;

/** llama.cpp load options that may sit in `extra_body`; never sent as request fields. */
export const LOAD_OPTION_KEYS = new Set([
  'n_ctx',
  'n_batch',
  'n_ubatch',
  'n_gpu_layers',
  'n_threads',
  'n_parallel',
  'flash_attn',
  'use_mmap',
  'use_mlock',
  'cache_type_k',
  'cache_type_v',
]);

export function samplingParams(config: Pick<ModelConfig, 'model_api_parameters'>, req: ChatRequest): SamplingParams {
  const defaults = config.model_api_parameters ?? {};
  const out: SamplingParams = {};
  for (const k of NUMERIC_KEYS) {
    const v = req[k as keyof ChatRequest] ?? defaults[k] ?? (k === 'max_tokens' ? defaults.max_completion_tokens : undefined);
    if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  }
  const stop = toStopList(req.stop ?? defaults.stop);
  if (stop.length) out.stop = stop;
  return out;
}

function toStopList(v: unknown): string[] {
  if (typeof v === 'string') return v ? [v] : [];
  if (Array.isArray(v)) return v.filter((s): s is string => typeof s === 'string' && s.length > 0);
  return [];
}

export function withoutLoadOptions(o: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o ?? {})) if (!LOAD_OPTION_KEYS.has(k)) out[k] = v;
  return out;
}

/** A positive integer from a config value or env string, else undefined. */
export function positiveInt(v: unknown): number | undefined {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
}
