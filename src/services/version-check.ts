/**
 * `/v1/system/version-check` (decision 0012): asks the configured releases URL (GitHub releases API shape) with a
 * 3 s bound, caches the answer for 6 hours, and offline answers the cached value or a clear 503.
 */
import { LfError, unavailable } from '../core/errors.js';

export interface VersionInfo {
  current_version: string;
  latest_version: string;
  name: string;
  release_notes: string;
  release_url: string;
  published_at: string | null;
  from_cache: boolean;
  update_available: boolean;
  install: { mac_linux: string; windows: string };
}

const INSTALL = {
  mac_linux: 'curl -fsSL https://raw.githubusercontent.com/llama-farm/llamafarm/main/install.sh | bash',
  windows: 'winget install LlamaFarm.CLI',
};

function parseVersion(v: string): number[] {
  return v.replace(/^v/, '').split(/[.-]/).slice(0, 3).map((x) => Number.parseInt(x, 10) || 0);
}

export function isNewer(latest: string, current: string): boolean {
  const a = parseVersion(latest);
  const b = parseVersion(current);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return false;
}

export class VersionCheckService {
  private cached: { at: number; info: Omit<VersionInfo, 'from_cache'> } | undefined;
  private inflight: Promise<Omit<VersionInfo, 'from_cache'>> | undefined;

  constructor(
    private readonly url: string,
    private readonly currentVersion: string,
    private readonly opts: { timeoutMs?: number; ttlMs?: number } = {},
  ) {}

  private async fetchLatest(): Promise<Omit<VersionInfo, 'from_cache'>> {
    const res = await fetch(this.url, {
      headers: { Accept: 'application/vnd.github+json', 'User-Agent': 'llamafarm-server' },
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 3000),
    });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`releases source answered ${res.status}`);
    }
    const r = (await res.json()) as Record<string, unknown>;
    if (r.draft === true || r.prerelease === true) throw new LfError('upstream', 'latest release is marked as draft or prerelease');
    const tag = String(r.tag_name ?? '');
    if (!tag) throw new Error('releases source answered without tag_name');
    return {
      current_version: this.currentVersion,
      latest_version: tag,
      name: String(r.name ?? tag),
      release_notes: String(r.body ?? ''),
      release_url: String(r.html_url ?? ''),
      published_at: typeof r.published_at === 'string' ? r.published_at : null,
      update_available: isNewer(tag, this.currentVersion),
      install: INSTALL,
    };
  }

  async check(): Promise<VersionInfo> {
    const ttl = this.opts.ttlMs ?? 6 * 3600 * 1000;
    if (this.cached && Date.now() - this.cached.at < ttl) return { ...this.cached.info, from_cache: true };
    try {
      this.inflight ??= this.fetchLatest().finally(() => (this.inflight = undefined));
      const info = await this.inflight;
      this.cached = { at: Date.now(), info };
      return { ...info, from_cache: false };
    } catch (e) {
      if (e instanceof LfError) throw e;
      if (this.cached) return { ...this.cached.info, from_cache: true };
      throw unavailable(`Unable to reach the releases source (${(e as Error).message}); no cached version information`, e);
    }
  }
}
