/**
 * Where the models cache lives and how it reaches the hub, from the same environment variables the Python
 * `huggingface_hub` reads (decision 0011): `HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`;
 * `HF_ENDPOINT` (default the public hub); `HF_TOKEN` (or the older `HUGGING_FACE_HUB_TOKEN`); `HF_HUB_OFFLINE`;
 * `HF_HUB_ETAG_TIMEOUT` / `HF_HUB_DOWNLOAD_TIMEOUT` (seconds). `LF_AUTO_DOWNLOAD` (default on) lets model
 * resolution download a missing model on first use.
 */
import os from 'node:os';
import { resolve } from 'node:path';

export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';

export interface ModelsCacheSettings {
  /** The hub cache folder holding `models--org--name` folders. */
  cacheDir: string;
  /** Hub base URL, without a trailing slash. */
  endpoint: string;
  /** Bearer token sent to the hub host only (never to redirect targets on other hosts). */
  token?: string;
  /** Model resolution may download a model that is not cached. */
  autoDownload: boolean;
  /** `HF_HUB_OFFLINE=1`: never reach the hub at all. */
  offline: boolean;
  /** Bound on each metadata call (repo info, file HEAD) and on waiting for a download's response headers. */
  requestTimeoutMs: number;
  /** Longest silence allowed while a download's body is flowing. */
  stallTimeoutMs: number;
  /** How many times an interrupted transfer is resumed (HTTP Range) before the download fails. */
  retries: number;
}

type Env = Record<string, string | undefined>;

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? resolve(os.homedir(), p.slice(2)) : resolve(p);
}

/** `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub` (`$XDG_CACHE_HOME` honoured as hf does). */
export function hubCacheDir(env: Env = process.env): string {
  if (env.HF_HUB_CACHE) return expandHome(env.HF_HUB_CACHE);
  if (env.HF_HOME) return resolve(expandHome(env.HF_HOME), 'hub');
  const cacheHome = env.XDG_CACHE_HOME ? expandHome(env.XDG_CACHE_HOME) : resolve(os.homedir(), '.cache');
  return resolve(cacheHome, 'huggingface', 'hub');
}

/** true unless the variable says 0/false/no/off. */
export function envFlag(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value.trim() === '') return fallback;
  return !['0', 'false', 'no', 'off'].includes(value.trim().toLowerCase());
}

function secondsToMs(value: string | undefined, fallbackMs: number): number {
  const n = Number(value);
  return value && Number.isFinite(n) && n > 0 ? Math.round(n * 1000) : fallbackMs;
}

export function modelsCacheSettingsFromEnv(env: Env = process.env): ModelsCacheSettings {
  const token = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined;
  return {
    cacheDir: hubCacheDir(env),
    endpoint: (env.HF_ENDPOINT || DEFAULT_HF_ENDPOINT).replace(/\/+$/, ''),
    token,
    autoDownload: envFlag(env.LF_AUTO_DOWNLOAD, true),
    offline: envFlag(env.HF_HUB_OFFLINE, false),
    requestTimeoutMs: secondsToMs(env.HF_HUB_ETAG_TIMEOUT, 10_000),
    stallTimeoutMs: secondsToMs(env.HF_HUB_DOWNLOAD_TIMEOUT, 30_000),
    retries: 3,
  };
}
