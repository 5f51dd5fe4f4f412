/** Reading loosely typed `config` objects from llamafarm.yaml entries (values may be missing or mistyped). */
export type Config = Record<string, unknown>;

export function configNumber(cfg: Config | undefined, key: string, fallback: number): number {
  const v = cfg?.[key];
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
}

export function configOptionalNumber(cfg: Config | undefined, key: string): number | undefined {
  const n = configNumber(cfg, key, Number.NaN);
  return Number.isNaN(n) ? undefined : n;
}

export function configString(cfg: Config | undefined, key: string): string | undefined {
  const v = cfg?.[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function configBool(cfg: Config | undefined, key: string, fallback: boolean): boolean {
  const v = cfg?.[key];
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return fallback;
}

export function configStringList(cfg: Config | undefined, key: string): string[] | undefined {
  const v = cfg?.[key];
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) return undefined;
  return v.filter((x): x is string => typeof x === 'string');
}
