/** The models cache: Hugging Face hub cache layout, downloads, and model file resolution. */
export { ModelsCacheService, sharedModelsCache, resolveModelFile, modelPathResolver, humanSize } from './service.js';
export type { CachedModel, DeletedModel, PreparedDownload, ResolveOptions, ServiceExtras } from './service.js';
export type { DownloadEvent, DownloadPlan, DownloadResult } from './downloader.js';
export type { SpaceReport, DiskInfo, DiskProbe } from './disk-space.js';
export { modelsCacheSettingsFromEnv, hubCacheDir, type ModelsCacheSettings } from './settings.js';
export { parseModelName, tryParseModelName, chooseGgufFiles, type ModelRef } from './model-spec.js';
