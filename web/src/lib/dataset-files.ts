/**
 * A dataset's files with their state: `GET .../datasets/{d}` (data-loop API) or, on a server without it, the
 * dataset list's `details.file_details` (status "uploaded" until this page sees a task say otherwise).
 */
import { ApiError, api, p } from '../api/client';
import type { DatasetDetail, DatasetFile, FileEvent } from '../api/dataloop';

interface ListDetails {
  datasets: { name: string; database: string; data_processing_strategy: string; files: string[]; details?: { file_details?: { hash: string; original_filename: string; size: number; timestamp: number }[] } }[];
}

export async function loadDatasetDetail(ns: string, project: string, dataset: string): Promise<DatasetDetail & { legacy: boolean }> {
  try {
    const got = await api.get<{ dataset?: DatasetDetail } & Partial<DatasetDetail>>(p`/v1/projects/${ns}/${project}/datasets/${dataset}`);
    const d = (got.dataset ?? got) as DatasetDetail;
    if (Array.isArray(d.files) && (d.files.length === 0 || typeof d.files[0] === 'object')) return { ...d, legacy: false };
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404 || err.message !== 'Not Found') throw err;
  }
  const list = await api.get<ListDetails>(p`/v1/projects/${ns}/${project}/datasets?include_extra_details=true`);
  const d = list.datasets.find((x) => x.name === dataset);
  if (!d) throw new ApiError(404, `Dataset ${dataset} not found`);
  const details = d.details?.file_details ?? d.files.map((hash) => ({ hash, original_filename: hash.slice(0, 12), size: 0, timestamp: 0 }));
  return {
    name: d.name,
    database: d.database,
    data_processing_strategy: d.data_processing_strategy,
    files: details.map((f) => ({ hash: f.hash, filename: f.original_filename, status: 'uploaded', size: f.size, uploaded_at: f.timestamp || null })),
    legacy: true,
  };
}

/** Applies what a task said about a file to its row (live status wins over the stored one while a task runs). */
export function mergeFile(f: DatasetFile, e: FileEvent | undefined): DatasetFile & { live?: FileEvent['status'] } {
  if (!e) return f;
  const status = e.status === 'stored' ? 'processed' : e.status === 'failed' ? 'failed' : e.status === 'skipped' ? f.status : 'processing';
  return { ...f, status, live: e.status, chunks: e.chunks ?? f.chunks, error: e.error ?? (status === 'failed' ? f.error : null) };
}
