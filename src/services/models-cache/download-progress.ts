/**
 * First-use model downloads (a template's embedder or chat model fetched on demand) made visible: each one in
 * flight is tracked here, logged as it goes (start, then at most every 5 s, then done), and read by running
 * tasks for their `meta` (so `lf` shows "downloading <model> 45% …" instead of a silent wait).
 */
import type { DownloadEvent } from './downloader.js';

export interface ActiveDownload {
  model: string;
  file: string | null;
  downloaded_bytes: number;
  total_bytes: number | null;
  percent: number | null;
}

export interface ProgressLog {
  info(obj: Record<string, unknown>, msg?: string): void;
}

const LOG_EVERY_MS = 5000;

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** One line for people: `downloading org/repo:Q8_0 45% (120.0 MiB/260.0 MiB)`. */
export function describeDownload(d: ActiveDownload): string {
  const size = d.total_bytes ? ` (${mib(d.downloaded_bytes)}/${mib(d.total_bytes)})` : d.downloaded_bytes ? ` (${mib(d.downloaded_bytes)})` : '';
  return `downloading ${d.model}${d.percent !== null ? ` ${Math.floor(d.percent)}%` : ''}${size}`;
}

export class DownloadProgress {
  private readonly active = new Map<string, ActiveDownload>();

  /** The downloads in flight, oldest first. */
  snapshot(): ActiveDownload[] {
    return [...this.active.values()].map((d) => ({ ...d }));
  }

  /** An `onProgress` for `resolveModelFile(model, …)`: tracks the download and logs it. */
  track(model: string, log?: ProgressLog): (e: DownloadEvent) => void {
    let lastLog = 0;
    return (e) => {
      const now = Date.now();
      if (e.event === 'start') {
        this.active.set(model, { model, file: e.desc, downloaded_bytes: e.n, total_bytes: e.total, percent: e.total ? (100 * e.n) / e.total : null });
        log?.info({ model, file: e.desc, total_bytes: e.total }, `downloading ${model} (first use)`);
        lastLog = now;
      } else if (e.event === 'progress' || e.event === 'end') {
        const d: ActiveDownload = { model, file: e.desc, downloaded_bytes: e.downloaded, total_bytes: e.total, percent: e.percent };
        this.active.set(model, d);
        if (e.event === 'end' || now - lastLog >= LOG_EVERY_MS) {
          log?.info({ ...d }, describeDownload(d));
          lastLog = now;
        }
      } else if (e.event === 'done' || e.event === 'complete') {
        if (this.active.delete(model)) log?.info({ model }, `downloaded ${model}`);
      } else if (e.event === 'error') {
        this.active.delete(model);
        log?.info({ model, error: e.message }, `download of ${model} failed`);
      }
    };
  }

  /** Forget a download whose resolution ended (success or failure) without a final event. */
  finish(model: string): void {
    this.active.delete(model);
  }
}

/** The process-wide tracker. */
export const downloadProgress = new DownloadProgress();
