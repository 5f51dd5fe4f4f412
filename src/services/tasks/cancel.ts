/**
 * Cancelling one task (`DELETE .../tasks/{id}`, the original server's route): queued tasks end at once, running
 * ones are aborted wherever they run (any backend, any replica) and waited for. The task ends REVOKED with its
 * last progress in `meta`. By default the chunks the task wrote are removed again (`revert`); with
 * `revert=false` the files already stored stay and are listed.
 */
import type { TaskQueue, TaskRecord } from '../../adapters/queues/types.js';
import type { ProjectsService } from '../projects.js';
import type { RagResources } from '../rag/resources.js';
import type { DataLayout } from '../../storage/layout.js';
import type { TasksService } from '../tasks.js';
import { conflict } from '../../core/errors.js';
import { FileStateStore } from '../datasets/file-state.js';
import type { FileProgress } from './file-progress.js';
import { isFinished, taskView, type TaskViewState } from './view.js';

export interface CancelledFile {
  hash: string;
  filename: string;
  deleted_chunks?: number;
  chunks?: number;
}

export interface CancelAnswer {
  message: string;
  task_id: string;
  cancelled: true;
  state: TaskViewState;
  reverted_files: CancelledFile[];
  /** With `revert=false`: the files this task stored, which stay. */
  kept_files: CancelledFile[];
}

export const CANCEL_REASON = 'cancelled by request (DELETE .../tasks/{id})';

export class TaskCanceller {
  constructor(
    private readonly deps: { queue: TaskQueue; tasks: TasksService; projects: ProjectsService; resources: RagResources; layout: DataLayout },
  ) {}

  async cancel(namespace: string, project: string, id: string, revert: boolean): Promise<CancelAnswer> {
    const before = await this.deps.tasks.record(namespace, project, id);
    if (isFinished(before)) throw alreadyFinished(before);
    await this.deps.queue.cancelWhere({ namespace, project, id }, CANCEL_REASON);
    const after = (await this.deps.queue.get(id)) ?? before;
    if (!after.cancelled && isFinished(after)) throw alreadyFinished(after);
    const files = progressFiles(after);
    // Files with new rows from this task, and the one caught while writing: those are this task's chunks.
    const written = files.filter((f) => f.stored_count > 0 || f.stage === 'store');
    const unfinished = files.filter((f) => f.status === 'parsing' || f.status === 'embedding');
    const dataset = after.dataset ?? (typeof after.payload.dataset === 'string' ? after.payload.dataset : undefined);
    const reverted: CancelledFile[] = [];
    if (dataset) {
      const states = new FileStateStore(this.deps.layout.datasetDir(namespace, project, dataset));
      if (revert && written.length > 0) {
        const store = await this.datasetStore(namespace, project, dataset);
        for (const f of written) {
          const deleted = store ? await store.deleteWhere({ file_hash: f.file_hash, dataset }).catch(() => 0) : 0;
          reverted.push({ hash: f.file_hash, filename: f.filename, deleted_chunks: deleted });
          await states.remove(f.file_hash);
        }
      }
      // A file caught midway has no lasting state: it is back to "uploaded".
      for (const f of unfinished) await states.remove(f.file_hash);
    }
    const kept = revert ? [] : files.filter((f) => f.status === 'stored').map((f) => ({ hash: f.file_hash, filename: f.filename, chunks: f.chunks }));
    return {
      message: `Task ${id} cancelled` + (revert ? (reverted.length ? `; removed the chunks of ${reverted.length} file(s)` : '') : `; ${kept.length} stored file(s) kept`),
      task_id: id,
      cancelled: true,
      state: taskView(after).state === 'FAILURE' ? 'REVOKED' : taskView(after).state,
      reverted_files: reverted,
      kept_files: kept,
    };
  }

  private async datasetStore(namespace: string, project: string, dataset: string) {
    const config = await this.deps.projects.loadConfig(namespace, project).catch(() => undefined);
    const ds = (config?.datasets ?? []).find((d) => d.name === dataset);
    const db = (config?.rag?.databases ?? []).find((d) => d.name === ds?.database);
    if (!db) return undefined;
    return this.deps.resources.store(namespace, project, db).catch(() => undefined);
  }
}

function alreadyFinished(t: TaskRecord) {
  return conflict(`Task ${t.id} already finished (${taskView(t).state}); only a queued or running task can be cancelled`);
}

function progressFiles(t: TaskRecord): FileProgress[] {
  const files = t.meta?.files;
  if (!Array.isArray(files)) return [];
  return (files as Partial<FileProgress>[])
    .filter((f) => typeof f.file_hash === 'string')
    .map((f) => ({
      file_hash: f.file_hash!,
      filename: String(f.filename ?? ''),
      state: String(f.state ?? ''),
      stage: f.stage ?? null,
      status: f.status ?? 'queued',
      chunks: typeof f.chunks === 'number' ? f.chunks : 0,
      stored_count: typeof f.stored_count === 'number' ? f.stored_count : 0,
      error: typeof f.error === 'string' ? f.error : null,
    }));
}
