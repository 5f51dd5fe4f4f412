/**
 * The models cache (decision 0011): list, download (with the disk-space pre-check), validate, delete, and model
 * resolution for the `universal` runtime and `UniversalEmbedder` (`resolveModelFile`: a local path, or a cached
 * hub model, downloaded on first use when `LF_AUTO_DOWNLOAD` allows).
 */
import { badRequest, LfError, notFound, unavailable } from '../../core/errors.js';
import { RepoCache, scanCache, type CachedRepo } from './cache-layout.js';
import { assessSpace, statfsProbe, type DiskProbe, type SpaceReport } from './disk-space.js';
import { downloadProgress, type ProgressLog } from './download-progress.js';
import { planDownload, runDownload, type DownloadEvent, type DownloadPlan, type DownloadResult, type RunOptions } from './downloader.js';
import { HubClient } from './hub-client.js';
import { parseModelName, tryParseModelName } from './model-spec.js';
import { existingLocalFile, findCachedModelFile, looksLikePath } from './resolve.js';
import { modelsCacheSettingsFromEnv, type ModelsCacheSettings } from './settings.js';

/** One cached model (decision 0001: the reference's keys and the original server's). */
export interface CachedModel {
  model_id: string;
  name: string;
  id: string;
  size_bytes: number;
  size: number;
  size_human: string;
  last_modified: string;
  revisions: string[];
  path: string;
}

export interface DeletedModel {
  model_name: string;
  revisions_deleted: number;
  size_freed: number;
  path: string;
}

export interface PreparedDownload {
  plan: DownloadPlan;
  space: SpaceReport;
}

export interface ResolveOptions {
  /** Download a model that is not cached (default: the service's `autoDownload`, i.e. `LF_AUTO_DOWNLOAD`). */
  autoDownload?: boolean;
  signal?: AbortSignal;
  onProgress?: (e: DownloadEvent) => void;
}

export interface ServiceExtras {
  /** Disk usage probe (tests replace it); default statfs. */
  diskProbe?: DiskProbe;
  retryDelayMs?: number;
  progressIntervalMs?: number;
}

export class ModelsCacheService {
  readonly hub: HubClient;
  private readonly resolving = new Map<string, Promise<string>>();

  constructor(
    readonly settings: ModelsCacheSettings,
    private readonly extras: ServiceExtras = {},
  ) {
    this.hub = new HubClient({ endpoint: settings.endpoint, token: settings.token, timeoutMs: settings.requestTimeoutMs });
  }

  static fromEnv(env: Record<string, string | undefined> = process.env, extras?: ServiceExtras): ModelsCacheService {
    return new ModelsCacheService(modelsCacheSettingsFromEnv(env), extras);
  }

  get cacheDir(): string {
    return this.settings.cacheDir;
  }

  async list(): Promise<CachedModel[]> {
    return (await scanCache(this.cacheDir)).map(toCachedModel);
  }

  /** Deletes every revision of a repo (a `:QUANT` suffix or a file path in the name is ignored). */
  async delete(modelName: string): Promise<DeletedModel> {
    const ref = tryParseModelName(modelName);
    const id = ref?.repoId ?? modelName;
    const repo = ref ? new RepoCache(this.cacheDir, ref.repoId) : undefined;
    const cached = await repo?.describe();
    if (!repo || !cached) throw notFound(`Model '${id}' not found in cache. Use GET /v1/models to see available models.`);
    const dirs = await repo.snapshotCount();
    const freed = await repo.remove();
    return { model_name: id, revisions_deleted: dirs, size_freed: freed, path: repo.dir };
  }

  /** Plans a download and checks the disk; throws 400 when it cannot fit (nothing is written). */
  async prepareDownload(modelName: string, signal?: AbortSignal): Promise<PreparedDownload> {
    this.ensureOnline(modelName);
    const plan = await planDownload(this.hub, this.cacheDir, modelName, signal);
    const space = await assessSpace(plan.missingBytes, this.cacheDir, this.extras.diskProbe ?? statfsProbe);
    if (!space.can_download) throw badRequest(space.message);
    return { plan, space };
  }

  /** The pre-check alone: `{can_download, warning, message, available_bytes, required_bytes, cache_info, system_info}`. */
  async validateDownload(modelName: string, signal?: AbortSignal): Promise<SpaceReport> {
    this.ensureOnline(modelName);
    const plan = await planDownload(this.hub, this.cacheDir, modelName, signal);
    return assessSpace(plan.missingBytes, this.cacheDir, this.extras.diskProbe ?? statfsProbe);
  }

  async download(plan: DownloadPlan, o: RunOptions = {}): Promise<DownloadResult> {
    return runDownload(
      this.hub,
      this.cacheDir,
      plan,
      {
        requestTimeoutMs: this.settings.requestTimeoutMs,
        stallTimeoutMs: this.settings.stallTimeoutMs,
        retries: this.settings.retries,
        retryDelayMs: this.extras.retryDelayMs,
        progressIntervalMs: this.extras.progressIntervalMs,
      },
      o,
    );
  }

  /**
   * The local file for a model spec: an existing path as-is; `org/repo:QUANT`, `org/repo/file.gguf` or
   * `org/repo` from the cache, downloaded first when allowed. Errors say how to fetch the model.
   */
  async resolveModelFile(spec: string, o: ResolveOptions = {}): Promise<string> {
    const name = spec.trim();
    const local = existingLocalFile(name);
    if (local) return local;
    if (looksLikePath(name)) throw notFound(`Model file not found: ${name}`);
    const ref = tryParseModelName(name);
    if (!ref) {
      throw badRequest(`Model '${name}' is neither an existing file nor a Hugging Face model id (org/repo:QUANT, org/repo/file.gguf or org/repo)`);
    }
    const cached = await findCachedModelFile(this.cacheDir, ref);
    if (cached) return cached;
    const auto = o.autoDownload ?? this.settings.autoDownload;
    if (!auto || this.settings.offline) {
      const why = this.settings.offline ? 'the hub is off limits (HF_HUB_OFFLINE=1)' : 'automatic downloads are off (LF_AUTO_DOWNLOAD=0)';
      throw unavailable(`Model ${name} is not cached and ${why}. Fetch it with: lf models pull ${name}  (or POST /v1/models/download)`);
    }
    // One download per spec at a time; later callers share it.
    let pending = this.resolving.get(name);
    if (!pending) {
      pending = this.fetchForResolution(name, o).finally(() => this.resolving.delete(name));
      this.resolving.set(name, pending);
    }
    return pending;
  }

  private async fetchForResolution(name: string, o: ResolveOptions): Promise<string> {
    try {
      const { plan, space } = await this.prepareDownload(name, o.signal);
      if (space.warning) o.onProgress?.({ event: 'warning', message: space.message });
      const result = await this.download(plan, { signal: o.signal, onEvent: o.onProgress });
      return result.files[0];
    } catch (e) {
      if (e instanceof LfError && e.kind === 'bad_request') throw unavailable(`Model ${name} could not be downloaded: ${e.message}`);
      throw e;
    }
  }

  private ensureOnline(modelName: string): void {
    parseModelName(modelName);
    if (this.settings.offline) throw unavailable(`Downloads are disabled (HF_HUB_OFFLINE=1); cannot fetch ${modelName}`);
  }
}

function toCachedModel(r: CachedRepo): CachedModel {
  const revisions = [...new Set(r.snapshots.flatMap((s) => s.refs))];
  return {
    model_id: r.repoId,
    name: r.repoId,
    id: r.repoId,
    size_bytes: r.sizeBytes,
    size: r.sizeBytes,
    size_human: humanSize(r.sizeBytes),
    last_modified: r.lastModified.toISOString(),
    revisions,
    path: r.path,
  };
}

/** Decimal units as the reference shows them: 90000000 → "90MB", 1185344 → "1.2MB". */
export function humanSize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  const shown = v >= 10 || i === 0 ? Math.round(v) : Math.round(v * 10) / 10;
  return `${shown}${units[i]}`;
}

let shared: ModelsCacheService | undefined;

/** The process-wide models cache, configured from the environment on first use. */
export function sharedModelsCache(): ModelsCacheService {
  shared ??= ModelsCacheService.fromEnv();
  return shared;
}

/** `resolveModelFile` on the process-wide cache (for runtimes and embedders). */
export function resolveModelFile(spec: string, o: ResolveOptions = {}): Promise<string> {
  return sharedModelsCache().resolveModelFile(spec, o);
}

/**
 * A `resolveModelPath` for the universal runtime / `UniversalEmbedder` factories. A first-use download is
 * tracked (`downloadProgress`: task `meta`, `lf`) and logged as it goes.
 */
export function modelPathResolver(service: Pick<ModelsCacheService, 'resolveModelFile'> = sharedModelsCache(), log?: ProgressLog): (name: string) => Promise<string> {
  return (name) => service.resolveModelFile(name, { onProgress: downloadProgress.track(name, log) }).finally(() => downloadProgress.finish(name));
}
