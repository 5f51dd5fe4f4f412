/** Reading embedder config values: wrong types are configuration errors (thrown at creation, naming the key). */
import { EmbedderError, type EmbedderConfig } from './types.js';

function pick(config: EmbedderConfig, keys: string[]): [string, unknown] | undefined {
  for (const key of keys) {
    const value = config[key];
    if (value !== undefined && value !== null && value !== '') return [key, value];
  }
  return undefined;
}

export function configString(type: string, config: EmbedderConfig, keys: string[]): string | undefined {
  const found = pick(config, keys);
  if (!found) return undefined;
  const [key, value] = found;
  if (typeof value !== 'string') throw new EmbedderError(`${type}: config "${key}" must be a string`, undefined, 'config');
  return value;
}

export function configNumber(
  type: string,
  config: EmbedderConfig,
  keys: string[],
  o: { min?: number; integer?: boolean } = {},
): number | undefined {
  const found = pick(config, keys);
  if (!found) return undefined;
  const [key, raw] = found;
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new EmbedderError(`${type}: config "${key}" must be a number`, undefined, 'config');
  if (o.integer && !Number.isInteger(value)) throw new EmbedderError(`${type}: config "${key}" must be an integer`, undefined, 'config');
  if (o.min !== undefined && value < o.min) throw new EmbedderError(`${type}: config "${key}" must be >= ${o.min}`, undefined, 'config');
  return value;
}

export function configBoolean(type: string, config: EmbedderConfig, keys: string[]): boolean | undefined {
  const found = pick(config, keys);
  if (!found) return undefined;
  const [key, value] = found;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new EmbedderError(`${type}: config "${key}" must be a boolean`, undefined, 'config');
}

/** Settings every remote embedder shares (decision 0005: bounded retries with backoff, per-request timeout). */
export interface RemoteSettings {
  batchSize: number;
  timeoutMs: number;
  maxRetries: number;
  /** First backoff delay; doubles per retry. */
  retryDelayMs: number;
  /** Expected vector length, when configured. */
  dimension?: number;
}

export function remoteSettings(type: string, config: EmbedderConfig, defaultBatchSize: number): RemoteSettings {
  return {
    batchSize: configNumber(type, config, ['batch_size'], { min: 1, integer: true }) ?? defaultBatchSize,
    timeoutMs: (configNumber(type, config, ['timeout'], { min: 0.001 }) ?? 60) * 1000,
    maxRetries: configNumber(type, config, ['max_retries'], { min: 0, integer: true }) ?? 3,
    retryDelayMs: (configNumber(type, config, ['retry_delay'], { min: 0 }) ?? 0.5) * 1000,
    dimension: configNumber(type, config, ['dimension', 'embedding_dimension'], { min: 1, integer: true }),
  };
}
