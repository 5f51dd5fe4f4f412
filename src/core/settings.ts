/** Process settings from the environment, overridable by CLI flags (flags win; decision 0013). */
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
  /** Bounds on work per request and per file (README "Limits"). */
  limits: Limits;
}

export interface RateLimitSetting {
  max: number;
  windowMs: number;
}

/**
 * Bounds on the work one request or one file may cause, so hostile input fails fast with a message naming the
 * limit instead of stalling the event loop or exhausting memory. Each is an environment variable.
 */
export interface Limits {
  /** `/rag/query` `query` and each chat `rag_queries` item, in characters (LF_MAX_QUERY_CHARS). */
  maxQueryChars: number;
  /** All chat message contents of one request together, in characters (LF_MAX_CHAT_CHARS). */
  maxChatChars: number;
  /** Bytes a zip package (DOCX, XLSX) may inflate to (LF_MAX_DECOMPRESSED_BYTES). */
  maxDecompressedBytes: number;
  /** Entries in a zip package (LF_MAX_ZIP_ENTRIES). */
  maxZipEntries: number;
  /** Table rows (CSV, XLSX) read from one file (LF_MAX_ROWS_PER_FILE). */
  maxRowsPerFile: number;
  /** PDF pages read from one file (LF_MAX_PDF_PAGES). */
  maxPdfPages: number;
  /** Ms a `/health` component result is reused (LF_HEALTH_CACHE_MS). */
  healthCacheMs: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxQueryChars: 8000,
  maxChatChars: 400_000,
  maxDecompressedBytes: 256 * 1024 * 1024,
  maxZipEntries: 10_000,
  maxRowsPerFile: 200_000,
  maxPdfPages: 5000,
  healthCacheMs: 1500,
});

const LIMIT_ENV: Record<keyof Limits, string> = {
  maxQueryChars: 'LF_MAX_QUERY_CHARS',
  maxChatChars: 'LF_MAX_CHAT_CHARS',
  maxDecompressedBytes: 'LF_MAX_DECOMPRESSED_BYTES',
  maxZipEntries: 'LF_MAX_ZIP_ENTRIES',
  maxRowsPerFile: 'LF_MAX_ROWS_PER_FILE',
  maxPdfPages: 'LF_MAX_PDF_PAGES',
  healthCacheMs: 'LF_HEALTH_CACHE_MS',
};

/** The limits from the environment (worker threads call this too: they inherit the process environment). */
export function loadLimits(env: NodeJS.ProcessEnv = process.env): Limits {
  const out = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(LIMIT_ENV) as (keyof Limits)[]) out[key] = intFromEnv(LIMIT_ENV[key], DEFAULT_LIMITS[key], env);
  return out;
}

/** The environment variable that sets a limit (for messages naming it). */
export function limitEnvName(key: keyof Limits): string {
  return LIMIT_ENV[key];
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

function intFromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
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
    port: intFromEnv('PORT', 8000, env),
    logLevel: env.LF_LOG_LEVEL || 'info',
    configTemplate: env.LF_CONFIG_TEMPLATE || 'default',
    maxUploadBytes: intFromEnv('LF_MAX_UPLOAD_BYTES', 512 * 1024 * 1024, env),
    releasesUrl: env.LF_RELEASES_URL || 'https://api.github.com/repos/llama-farm/llamafarm/releases/latest',
    version: packageVersion(),
    apiKey: env.LF_API_KEY?.trim() || undefined,
    allowedOrigins: listFromEnv(env.LF_ALLOWED_ORIGINS),
    allowedHosts: listFromEnv(env.LF_ALLOWED_HOSTS),
    allowUnauthenticated: flagFromEnv(env.LF_ALLOW_UNAUTHENTICATED),
    rateLimit: parseRateLimit(env.LF_RATE_LIMIT),
    mcpAllowStdio: flagFromEnv(env.LF_MCP_ALLOW_STDIO),
    outboundAllow: listFromEnv(env.LF_OUTBOUND_ALLOW),
    limits: loadLimits(env),
  };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (s as unknown as Record<string, unknown>)[k] = v;
  s.dataDir = resolve(s.dataDir);
  if (!Number.isInteger(s.port) || s.port < 0 || s.port > 65535) throw new Error(`invalid port ${s.port}`);
  return s;
}
