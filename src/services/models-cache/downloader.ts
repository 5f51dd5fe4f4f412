/**
 * A model download in two steps: `planDownload` asks the hub what to fetch (GGUF repos: only the requested
 * quantisation; other repos: the whole snapshot of `main`) and how much of it is missing from the cache;
 * `runDownload` fetches the missing blobs one file at a time, links them into `snapshots/<commit>/`, writes
 * `refs/<revision>` last, and reports progress as the SSE events of decision 0001.
 */
import { badRequest, notFound } from '../../core/errors.js';
import { downloadBlob } from './blob-download.js';
import { exists, partialSize, RepoCache } from './cache-layout.js';
import type { HubClient, Sibling } from './hub-client.js';
import { chooseGgufFiles, isGguf, parseModelName, type ModelRef } from './model-spec.js';

export interface PlannedFile {
  /** Repo-relative path. */
  path: string;
  size: number | null;
  sha256?: string;
  /** git blob id, for files kept in git rather than LFS. */
  blobId?: string;
}

export interface DownloadPlan {
  /** The name as asked for (e.g. `org/repo:Q4_K_M`). */
  modelName: string;
  ref: ModelRef;
  revision: string;
  commit: string;
  files: PlannedFile[];
  totalBytes: number;
  /** Bytes not yet in the cache (partial downloads count for what they hold). */
  missingBytes: number;
  /** A requested quantisation was not in the repo and an automatic choice was made. */
  quantFallback: boolean;
}

interface FileProgress {
  /** The file (repo-relative path). */
  desc: string;
  total: number | null;
  /** Bytes of the file on disk so far (`downloaded` repeats it, in the reference's name). */
  n: number;
  downloaded: number;
  percent: number | null;
}

export type DownloadEvent =
  | { event: 'warning'; message: string }
  | { event: 'start'; desc: string; total: number | null; n: number }
  | ({ event: 'progress' } & FileProgress)
  | ({ event: 'end' } & FileProgress)
  | { event: 'complete'; model_name: string; local_dir: string }
  | { event: 'done'; local_dir: string }
  | { event: 'error'; message: string };

export interface TransferSettings {
  requestTimeoutMs: number;
  stallTimeoutMs: number;
  retries: number;
  retryDelayMs?: number;
  /** Minimum time between two progress events of one file (default 100 ms, i.e. at most 10 per second). */
  progressIntervalMs?: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  onEvent?: (e: DownloadEvent) => void;
}

export interface DownloadResult {
  /** `snapshots/<commit>` of the repo. */
  localDir: string;
  /** Local paths of the planned files, in plan order (for GGUF: the file to load first). */
  files: string[];
}

export const DEFAULT_REVISION = 'main';

export async function planDownload(hub: HubClient, cacheDir: string, modelName: string, signal?: AbortSignal): Promise<DownloadPlan> {
  const ref = parseModelName(modelName);
  const info = await hub.repoInfo(ref.repoId, DEFAULT_REVISION, signal);
  const byName = new Map(info.siblings.map((s) => [s.rfilename, s]));
  let chosen: Sibling[];
  let quantFallback = false;
  if (ref.file) {
    const s = byName.get(ref.file);
    if (!s) throw notFound(`File '${ref.file}' is not in ${ref.repoId} (revision ${DEFAULT_REVISION})`);
    chosen = [s];
  } else if (info.siblings.some((s) => isGguf(s.rfilename))) {
    const choice = chooseGgufFiles([...byName.keys()], ref.quant);
    quantFallback = ref.quant !== undefined && !choice.matched;
    chosen = choice.files.map((f) => byName.get(f)!);
  } else {
    if (ref.quant) throw badRequest(`${ref.repoId} has no GGUF files, so it has no quantisation '${ref.quant}' to choose`);
    chosen = info.siblings;
  }
  if (chosen.length === 0) throw badRequest(`${ref.repoId} has no files to download`);
  const repo = new RepoCache(cacheDir, ref.repoId);
  const files = chosen.map(toPlannedFile);
  let totalBytes = 0;
  let missingBytes = 0;
  for (const f of files) {
    totalBytes += f.size ?? 0;
    missingBytes += await missing(repo, info.sha, f);
  }
  return { modelName, ref, revision: DEFAULT_REVISION, commit: info.sha, files, totalBytes, missingBytes, quantFallback };
}

function toPlannedFile(s: Sibling): PlannedFile {
  const size = s.lfs?.size ?? s.size;
  const blobId = s.blobId;
  return {
    path: s.rfilename,
    size: typeof size === 'number' && size >= 0 ? size : null,
    sha256: typeof s.lfs?.sha256 === 'string' ? s.lfs.sha256 : undefined,
    blobId: typeof blobId === 'string' ? blobId : undefined,
  };
}

async function missing(repo: RepoCache, commit: string, f: PlannedFile): Promise<number> {
  if (await exists(repo.snapshotFile(commit, f.path))) return 0;
  const blobName = f.sha256 ?? f.blobId;
  if (blobName && (await exists(repo.blobPath(blobName)))) return 0;
  const partial = blobName ? await partialSize(`${repo.blobPath(blobName)}.incomplete`) : 0;
  return Math.max(0, (f.size ?? 0) - partial);
}

export async function runDownload(hub: HubClient, cacheDir: string, plan: DownloadPlan, t: TransferSettings, o: RunOptions = {}): Promise<DownloadResult> {
  const repo = new RepoCache(cacheDir, plan.ref.repoId);
  const emit = o.onEvent ?? (() => undefined);
  const files: string[] = [];
  for (const f of plan.files) {
    const meta = await hub.fileMetadata(plan.ref.repoId, plan.commit, f.path, o.signal);
    const total = meta.size ?? f.size;
    const blobPath = repo.blobPath(meta.etag);
    const already = (await exists(blobPath)) ? (total ?? 0) : await partialSize(`${blobPath}.incomplete`);
    emit({ event: 'start', desc: f.path, total, n: already });
    const progress = throttledProgress(f.path, total, emit, t.progressIntervalMs ?? 100);
    await downloadBlob(
      hub,
      { url: meta.location, size: total, sha256: f.sha256 ?? (/^[0-9a-f]{64}$/.test(meta.etag) ? meta.etag : undefined), gitSha1: f.sha256 ? undefined : gitSha1Of(f, meta.etag), label: f.path },
      blobPath,
      { signal: o.signal, onProgress: progress.update, headersTimeoutMs: t.requestTimeoutMs, stallTimeoutMs: t.stallTimeoutMs, retries: t.retries, retryDelayMs: t.retryDelayMs },
    );
    const n = total ?? (await partialSize(blobPath));
    emit({ event: 'end', desc: f.path, total, n, downloaded: n, percent: total ? 100 : null });
    files.push(await repo.linkSnapshotFile(plan.commit, f.path, meta.etag));
  }
  await repo.writeRef(plan.revision, plan.commit);
  const localDir = repo.snapshotDir(plan.commit);
  emit({ event: 'complete', model_name: plan.modelName, local_dir: localDir });
  emit({ event: 'done', local_dir: localDir });
  return { localDir, files };
}

function gitSha1Of(f: PlannedFile, etag: string): string | undefined {
  if (f.blobId && /^[0-9a-f]{40}$/.test(f.blobId)) return f.blobId;
  return /^[0-9a-f]{40}$/.test(etag) ? etag : undefined;
}

function throttledProgress(desc: string, total: number | null, emit: (e: DownloadEvent) => void, intervalMs: number) {
  let last = 0;
  return {
    update(n: number) {
      const now = Date.now();
      if (now - last < intervalMs) return;
      last = now;
      emit({ event: 'progress', desc, total, n, downloaded: n, percent: total ? Math.round((n / total) * 1000) / 10 : null });
    },
  };
}
