/**
 * Disk-space pre-check for downloads, as the original server does it: a download is refused when it does not
 * fit, or when less than 100 MB would be free; it warns when less than 10% of the disk would stay free. Both
 * the cache's disk and the system disk (`/`) count; the smaller free space is what is available.
 */
import { statfs } from 'node:fs/promises';
import { dirname, parse } from 'node:path';

export interface DiskInfo {
  total_bytes: number;
  used_bytes: number;
  free_bytes: number;
  path: string;
  percent_free: number;
}

export interface SpaceReport {
  can_download: boolean;
  warning: boolean;
  message: string;
  available_bytes: number;
  required_bytes: number;
  cache_info: DiskInfo;
  system_info: DiskInfo;
}

export type DiskProbe = (path: string) => Promise<DiskInfo>;

export const CRITICAL_FREE_BYTES = 100 * 1024 * 1024;
export const WARNING_PERCENT_FREE = 10;

/** statfs of the path, or of its nearest existing parent (the cache may not exist yet). */
export const statfsProbe: DiskProbe = async (path) => {
  let p = path;
  for (;;) {
    try {
      const s = await statfs(p);
      const total = s.blocks * s.bsize;
      const free = s.bavail * s.bsize;
      return { total_bytes: total, used_bytes: (s.blocks - s.bfree) * s.bsize, free_bytes: free, path: p, percent_free: total > 0 ? round1((free / total) * 100) : 0 };
    } catch (e) {
      const parent = dirname(p);
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || parent === p) throw e;
      p = parent;
    }
  }
};

const gb = (n: number) => `${(n / 1024 ** 3).toFixed(2)} GB`;
const round1 = (n: number) => Math.round(n * 10) / 10;

/** Whether `requiredBytes` more can be written under `cacheDir`. */
export async function assessSpace(requiredBytes: number, cacheDir: string, probe: DiskProbe = statfsProbe): Promise<SpaceReport> {
  const [cache, system] = await Promise.all([probe(cacheDir), probe(parse(cacheDir).root || '/')]);
  const available = Math.min(cache.free_bytes, system.free_bytes);
  const base = { available_bytes: available, required_bytes: requiredBytes, cache_info: cache, system_info: system };
  if (requiredBytes > available || (requiredBytes > 0 && available - requiredBytes < CRITICAL_FREE_BYTES)) {
    return {
      ...base,
      can_download: false,
      warning: false,
      message: `Insufficient disk space. Required: ${gb(requiredBytes)}, Available: ${gb(available)} (at least 100 MB must stay free). Please free up space before downloading.`,
    };
  }
  const remaining = available - requiredBytes;
  const percentLeft = Math.min(...[cache, system].map((d) => (d.total_bytes > 0 ? (remaining / d.total_bytes) * 100 : 0)));
  if (percentLeft < WARNING_PERCENT_FREE) {
    return {
      ...base,
      can_download: true,
      warning: true,
      message: `Downloading this model (${gb(requiredBytes)}) will leave ${gb(remaining)} free (${round1(percentLeft)}% free), below the ${WARNING_PERCENT_FREE}% threshold. This could affect LlamaFarm's capabilities.`,
    };
  }
  return { ...base, can_download: true, warning: false, message: `Sufficient space available (${gb(available)} free)` };
}
