/** Process settings from the environment, overridable by CLI flags (flags win; decision A13). */
import os from 'node:os';
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';

export interface Settings {
  dataDir: string;
  host: string;
  port: number;
  logLevel: string;
  /** Template used when `config_template` is omitted. */
  configTemplate: string;
  maxUploadBytes: number;
  /** Where `/v1/system/version-check` reads the latest release (GitHub releases API shape). */
  releasesUrl: string;
  version: string;
  /** `LF_API_KEY`: one admin key from the environment (more keys live in the metadata store). */
  apiKey?: string;
  /** `LF_ALLOWED_ORIGINS`: browser origins allowed besides the server's own and loopback ones (`*` = any). */
  allowedOrigins: string[];
  /** `LF_ALLOWED_HOSTS`: `Host` names accepted besides loopback ones (e.g. behind a reverse proxy). */
  allowedHosts: string[];
  /** `LF_ALLOW_UNAUTHENTICATED=1`: allow a non-loopback bind with no key configured. */
  allowUnauthenticated: boolean;
  /** `LF_RATE_LIMIT` (e.g. `120/minute`): requests per key (or per address without a key) per window; off when unset. */
  rateLimit?: RateLimitSetting;
  /** `LF_MCP_ALLOW_STDIO=1`: configs arriving over the API may add or change commands (stdio MCP servers). */
  mcpAllowStdio: boolean;
  /** `LF_OUTBOUND_ALLOW`: when set, configs may only make the server call these hosts / CIDRs (comma list). */
  outboundAllow: string[];
}

export interface RateLimitSetting {
  max: number;
  windowMs: number;
}

export type SettingsOverrides = Partial<Settings>;

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got '${raw}'`);
  return Math.floor(n);
}

const RATE_WINDOWS: Record<string, number> = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** `120/minute` (also `/second`, `/hour`, `/day`, `/s`, `/m`, `/h`, `/d`) → a rate limit; empty → none. */
export function parseRateLimit(raw: string | undefined): RateLimitSetting | undefined {
  if (raw === undefined || raw.trim() === '' || raw.trim() === 'off') return undefined;
  const m = /^\s*(\d+)\s*\/\s*(second|minute|hour|day|s|m|h|d)\s*$/i.exec(raw);
  const unit = m && Object.keys(RATE_WINDOWS).find((u) => u === m[2].toLowerCase() || u[0] === m[2].toLowerCase());
  if (!m || !unit || Number(m[1]) < 1) throw new Error(`LF_RATE_LIMIT must look like 120/minute (per second, minute, hour or day), got '${raw}'`);
  return { max: Number(m[1]), windowMs: RATE_WINDOWS[unit] };
}

function listFromEnv(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

function flagFromEnv(raw: string | undefined): boolean {
  return raw !== undefined && ['1', 'true', 'yes', 'on'].includes(raw.trim().toLowerCase());
}

export function loadSettings(overrides: SettingsOverrides = {}, env: NodeJS.ProcessEnv = process.env): Settings {
  const dataDir = overrides.dataDir ?? env.LF_DATA_DIR ?? resolve(os.homedir(), '.llamafarm');
  const s: Settings = {
    dataDir: resolve(dataDir),
    host: env.HOST || '127.0.0.1',
    port: intFromEnv('PORT', 8000),
    logLevel: env.LF_LOG_LEVEL || 'info',
    configTemplate: env.LF_CONFIG_TEMPLATE || 'default',
    maxUploadBytes: intFromEnv('LF_MAX_UPLOAD_BYTES', 512 * 1024 * 1024),
    releasesUrl: env.LF_RELEASES_URL || 'https://api.github.com/repos/llama-farm/llamafarm/releases/latest',
    version: packageVersion(),
    apiKey: env.LF_API_KEY?.trim() || undefined,
    allowedOrigins: listFromEnv(env.LF_ALLOWED_ORIGINS),
    allowedHosts: listFromEnv(env.LF_ALLOWED_HOSTS),
    allowUnauthenticated: flagFromEnv(env.LF_ALLOW_UNAUTHENTICATED),
    rateLimit: parseRateLimit(env.LF_RATE_LIMIT),
    mcpAllowStdio: flagFromEnv(env.LF_MCP_ALLOW_STDIO),
    outboundAllow: listFromEnv(env.LF_OUTBOUND_ALLOW),
  };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (s as unknown as Record<string, unknown>)[k] = v;
  s.dataDir = resolve(s.dataDir);
  if (!Number.isInteger(s.port) || s.port < 0 || s.port > 65535) throw new Error(`invalid port ${s.port}`);
  return s;
}
