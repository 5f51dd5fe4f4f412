/** Reading strategy config values: a value of the wrong type or range is a StrategyConfigError naming the key. */
import { StrategyConfigError, type StrategyConfig } from './types.js';

export function num(type: string, config: StrategyConfig, key: string, fallback: number, o: { min?: number; max?: number; integer?: boolean } = {}): number {
  const raw = config[key];
  if (raw === undefined || raw === null) return fallback;
  const v = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new StrategyConfigError(`${type}: config "${key}" must be a number`);
  if (o.integer && !Number.isInteger(v)) throw new StrategyConfigError(`${type}: config "${key}" must be an integer`);
  if (o.min !== undefined && v < o.min) throw new StrategyConfigError(`${type}: config "${key}" must be >= ${o.min}`);
  if (o.max !== undefined && v > o.max) throw new StrategyConfigError(`${type}: config "${key}" must be <= ${o.max}`);
  return v;
}

export function optNum(type: string, config: StrategyConfig, key: string, o: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
  return config[key] === undefined || config[key] === null ? undefined : num(type, config, key, 0, o);
}

export function bool(type: string, config: StrategyConfig, key: string, fallback: boolean): boolean {
  const v = config[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw new StrategyConfigError(`${type}: config "${key}" must be true or false`);
  return v;
}

export function str(type: string, config: StrategyConfig, key: string): string | undefined {
  const v = config[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new StrategyConfigError(`${type}: config "${key}" must be a string`);
  return v;
}

export function oneOf<T extends string>(type: string, config: StrategyConfig, key: string, allowed: readonly T[], fallback: T): T {
  const v = str(type, config, key);
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v)) throw new StrategyConfigError(`${type}: config "${key}" must be one of ${allowed.join(', ')}`);
  return v as T;
}

export function obj(type: string, config: StrategyConfig, key: string): Record<string, unknown> | undefined {
  const v = config[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new StrategyConfigError(`${type}: config "${key}" must be an object`);
  return v as Record<string, unknown>;
}
