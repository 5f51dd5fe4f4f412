/**
 * A dataset as a person steering it sees it: each file with its processing status (uploaded, processing,
 * processed, failed with the reason), chunks, parser, size and times; and the chunk actions on it
 * (`delete_file_chunks`, `delete_dataset_chunks`).
 */
import type { TaskQueue } from '../../adapters/queues/types.js';
import type { VectorStore } from '../../adapters/stores/types.js';
import { DatasetFileStore } from '../../storage/dataset-files.js';
import { FileStateStore, type FileStatus } from './file-state.js';

export interface DatasetFileView {
  hash: string;
  filename: string;
  status: FileStatus;
  chunks: number;
  parser: string | null;
  size: number;
  mime_type: string;
  /** Seconds since the epoch. */
  uploaded_at: number;
  processed_at: number | null;
  error: string | null;
  task_id: string | null;
}

export async function datasetFileViews(datasetDir: string, queue: TaskQueue): Promise<DatasetFileView[]> {
  const [metas, states] = await Promise.all([new DatasetFileStore(datasetDir).list(), new FileStateStore(datasetDir).all()]);
  const liveTasks = new Map<string, boolean>();
  const isLive = async (id: string) => {
    if (!liveTasks.has(id)) {
      const t = await queue.get(id).catch(() => undefined);
      liveTasks.set(id, t !== undefined && t.state !== 'SUCCESS' && t.state !== 'FAILURE');
    }
    return liveTasks.get(id)!;
  };
  const out: DatasetFileView[] = [];
  for (const m of metas) {
    const s = states.get(m.hash);
    let status: FileStatus = s?.status ?? 'uploaded';
    // A "processing" file whose task ended without finishing it (crash, cancel) is back to its earlier state.
    if (status === 'processing' && !(s?.task_id && (await isLive(s.task_id)))) status = s?.processed_at ? 'processed' : 'uploaded';
    out.push({
      hash: m.hash,
      filename: m.original_file_name,
      status,
      chunks: s?.chunks ?? 0,
      parser: s?.parser ?? null,
      size: m.size,
      mime_type: m.mime_type,
      uploaded_at: m.timestamp,
      processed_at: s?.processed_at ?? null,
      error: status === 'failed' ? (s?.error ?? null) : null,
      task_id: s?.task_id ?? null,
    });
  }
  return out;
}

/** Removes one file's chunks from the dataset's database; the file stays, back to "uploaded". */
export async function deleteFileChunks(store: VectorStore | undefined, datasetDir: string, dataset: string, hash: string): Promise<number> {
  const deleted = store ? await store.deleteWhere({ file_hash: hash, dataset }) : 0;
  await new FileStateStore(datasetDir).remove(hash);
  return deleted;
}

/** Removes every chunk of the dataset; its files stay, all back to "uploaded". */
export async function deleteDatasetChunks(store: VectorStore | undefined, datasetDir: string, dataset: string): Promise<number> {
  const deleted = store ? await store.deleteWhere({ dataset }) : 0;
  const states = new FileStateStore(datasetDir);
  for (const hash of (await states.all()).keys()) await states.remove(hash);
  return deleted;
}
