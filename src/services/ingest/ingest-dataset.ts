/**
 * The `ingest_dataset` task (decision A8): every file of a dataset through `ingestFile`, one after another, with
 * progress in `meta` by stage and by file. The task succeeds when it ran to the end (failed files are counted
 * with their reasons) and fails when it could not run or every file failed.
 */
import type { ProjectsService } from '../projects.js';
import type { DataLayout } from '../../storage/layout.js';
import { DatasetFileStore } from '../../storage/dataset-files.js';
import { TaskFailure, type TaskHandler } from '../../adapters/queues/types.js';
import { summarizeErrors } from '../../core/error-groups.js';
import { describeDownload, downloadProgress } from '../models-cache/download-progress.js';
import { ingestFile, type FileDetail, type FileIngestDeps, type IngestStage } from './ingest-file.js';

export const INGEST_DATASET = 'ingest_dataset';

export interface IngestResult {
  [key: string]: unknown;
  processed_files: number;
  skipped_files: number;
  failed_files: number;
  stored_count: number;
  skipped_count: number;
  /** The original's `[success, detail]` pairs, in file order (its clients destructure them; behavior.md §3.5). */
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
  return async ({ payload, scope, signal, progress }) => {
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
    const statuses = metas.map((m) => ({ file_hash: m.hash, filename: m.original_file_name, state: 'pending' as string, stage: null as IngestStage | null }));
    const details: FileDetail[] = [];
    let at: { i: number; stage: IngestStage | 'done' } = { i: 0, stage: 'parse' };
    const report = (i: number, stage: IngestStage | 'done', message: string, force = false) => {
      at = { i, stage };
      const downloads = downloadProgress.snapshot();
      return progress(
        {
          ...(downloads.length ? { downloads } : {}),
          current: i,
          total: metas.length,
          progress: metas.length ? Math.floor((100 * i) / metas.length) : 100,
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
          onStage: (stage) => {
            statuses[i].stage = stage;
            report(i, stage, `${stage} ${meta.original_file_name} (${i + 1}/${metas.length})`);
          },
        });
        details.push(detail);
        statuses[i].state = detail.status === 'failed' ? 'failure' : 'success';
        statuses[i].stage = null;
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
