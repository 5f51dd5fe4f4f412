/**
 * The `ingest_dataset` task (decision 0008): every file of a dataset through `ingestFile`, one after another, with
 * progress in `meta` by stage and by file. The task succeeds when it ran to the end (failed files are counted
 * with their reasons) and fails when it could not run or every file failed.
 */
import type { ProjectsService } from '../projects.js';
import type { DataLayout } from '../../storage/layout.js';
import { DatasetFileStore } from '../../storage/dataset-files.js';
import { TaskFailure, type TaskHandler } from '../../adapters/queues/types.js';
import { summarizeErrors } from '../../core/error-groups.js';
import { describeDownload, downloadProgress } from '../models-cache/download-progress.js';
import { ingestFile, type FileDetail, type FileIngestDeps, type IngestStage, type StageProgress } from './ingest-file.js';
import { otherHolders } from './ownership.js';
import { fileProgressEntry, fileStatusAfter, fileStatusOfStage, recordFileState } from '../tasks/file-progress.js';

export const INGEST_DATASET = 'ingest_dataset';

/** A file with more chunks than this has its stage changes written at once. */
const LARGE_FILE_CHUNKS = 64;

export interface IngestResult {
  [key: string]: unknown;
  processed_files: number;
  skipped_files: number;
  failed_files: number;
  stored_count: number;
  skipped_count: number;
  /** The original's `[success, detail]` pairs, in file order (its clients destructure them; original §3.5). */
  details: [boolean, FileDetail][];
  /** The same outcomes as plain objects, one per file: what `lf`, the web app and the tests read. */
  files: FileDetail[];
}

export function summarize(details: FileDetail[]): IngestResult {
  return {
    processed_files: details.filter((d) => d.status === 'success').length,
    skipped_files: details.filter((d) => d.status === 'skipped').length,
    failed_files: details.filter((d) => d.status === 'failed').length,
    stored_count: details.reduce((a, d) => a + d.stored_count, 0),
    skipped_count: details.reduce((a, d) => a + d.skipped_count, 0),
    details: details.map((d) => [d.status !== 'failed', d]),
    files: details,
  };
}

export function ingestDatasetHandler(deps: FileIngestDeps & { projects: ProjectsService; layout: DataLayout }): TaskHandler {
  return async ({ id, payload, scope, signal, progress }) => {
    const { namespace, project } = scope;
    const dataset = String(payload.dataset ?? scope.dataset);
    const config = await deps.projects.loadConfig(namespace, project);
    const ds = (config.datasets ?? []).find((d) => d.name === dataset);
    if (!ds) throw new TaskFailure(`Dataset ${dataset} not found`);
    const strategy = (config.rag?.data_processing_strategies ?? []).find((s) => s.name === ds.data_processing_strategy);
    if (!strategy) throw new TaskFailure(`Data processing strategy '${ds.data_processing_strategy}' not found`);
    const db = (config.rag?.databases ?? []).find((d) => d.name === ds.database);
    if (!db) throw new TaskFailure(`Database '${ds.database}' not found`);

    const files = new DatasetFileStore(deps.layout.datasetDir(namespace, project, dataset));
    const wanted = Array.isArray(payload.file_hashes) ? new Set(payload.file_hashes as string[]) : undefined;
    const metas = (await files.list()).filter((m) => !wanted || wanted.has(m.hash));
    const holders = await otherHolders(deps.layout, namespace, project, config, db.name, dataset, metas.map((m) => m.hash));
    const statuses = metas.map((m) => ({ ...fileProgressEntry(m.hash, m.original_file_name), chunks_done: null as number | null, chunks_total: null as number | null }));
    const fileStates = deps.layout.datasetDir(namespace, project, dataset);
    const details: FileDetail[] = [];
    // Within a file, embedding counts for most of the work: the file's share of the bar moves with its chunks.
    const fraction = (i: number) => {
      const s = statuses[i];
      return s && s.state === 'processing' && s.stage === 'embed' && s.chunks_total ? (s.chunks_done ?? 0) / s.chunks_total : 0;
    };
    let at: { i: number; stage: IngestStage | 'done' } = { i: 0, stage: 'parse' };
    const report = (i: number, stage: IngestStage | 'done', message: string, force = false) => {
      at = { i, stage };
      const downloads = downloadProgress.snapshot();
      return progress(
        {
          ...(downloads.length ? { downloads } : {}),
          current: i,
          total: metas.length,
          progress: metas.length ? Math.floor((100 * (i + fraction(i))) / metas.length) : 100,
          stage,
          message,
          files: statuses,
          stored_count: details.reduce((a, d) => a + d.stored_count, 0),
          skipped_count: details.reduce((a, d) => a + d.skipped_count, 0),
        },
        force,
      );
    };
    // A model fetched on first use (the embedder's) shows in `meta` while it downloads, not as a silent stall.
    const downloadTimer = setInterval(() => {
      const [d] = downloadProgress.snapshot();
      if (d) void report(at.i, at.stage, `${describeDownload(d)} (first use) before ${metas[at.i]?.original_file_name ?? 'processing'}`);
    }, 1000);
    downloadTimer.unref();
    try {
      for (let i = 0; i < metas.length; i++) {
        const meta = metas[i];
        statuses[i].state = 'processing';
        statuses[i].status = 'parsing';
        await recordFileState(fileStates, meta.hash, id, undefined);
        // Per-file reports are throttled by the queue (the first and the last are written at once): forcing each one
        // would write the whole `files` list twice per file, quadratic in a dataset of thousands of small files.
        report(i, 'parse', `Processing ${meta.original_file_name} (${i + 1}/${metas.length})`, i === 0);
        const detail = await ingestFile(deps, {
          namespace,
          project,
          dataset,
          config,
          strategy,
          db,
          meta,
          rawPath: files.rawPath(meta.hash),
          signal,
          otherHolders: holders.get(meta.hash) ?? [],
          onStage: (stage, p?: StageProgress) => {
            const changed = statuses[i].stage !== stage;
            statuses[i].stage = stage;
            statuses[i].status = fileStatusOfStage(stage);
            statuses[i].chunks_done = p?.chunks_done ?? null;
            statuses[i].chunks_total = p?.chunks_total ?? null;
            if (typeof p?.chunks_total === 'number') statuses[i].chunks = p.chunks_total;
            const counts = p ? ` ${p.chunks_done}/${p.chunks_total} chunks` : '';
            // The stage of a file with many chunks is written at once (the throttle would otherwise keep showing the
            // previous stage while it embeds); small files and chunk counts within a stage are throttled.
            report(i, stage, `${stage} ${meta.original_file_name} (${i + 1}/${metas.length})${counts}`, changed && (p?.chunks_total ?? 0) > LARGE_FILE_CHUNKS);
          },
        });
        details.push(detail);
        statuses[i].state = detail.status === 'failed' ? 'failure' : 'success';
        statuses[i].stage = null;
        Object.assign(statuses[i], fileStatusAfter(detail));
        await recordFileState(fileStates, meta.hash, id, detail);
        report(i + 1, 'done', `Processed ${i + 1}/${metas.length} files`, i === metas.length - 1);
      }
    } finally {
      clearInterval(downloadTimer);
    }
    const result = summarize(details);
    if (metas.length > 0 && result.failed_files === metas.length) {
      const reasons = summarizeErrors(details.map((d) => ({ item: d.filename, error: d.error ?? 'unknown error' })));
      throw new TaskFailure(`${result.failed_files} of ${metas.length} files failed: ${reasons}`, result);
    }
    return result;
  };
}
