/**
 * One dataset: upload (drag and drop, per-file progress), Process with an auto-process toggle, live per-file
 * progress from the task events stream with Cancel, the files with their status, chunks and errors.
 */
import { useEffect, useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, p } from '../api/client';
import { keys } from '../api/hooks';
import type { DatasetActionsResponse, DatasetFileDeleteResponse } from '../api/types';
import type { CancelResponse, FileEvent } from '../api/dataloop';
import { loadDatasetDetail, mergeFile } from '../lib/dataset-files';
import { followTask, TERMINAL, type TaskRecord } from '../lib/task-stream';
import { UploadZone, type UploadRow } from '../components/UploadZone';
import { FileList, type FileRow } from '../components/FileList';
import { Badge, Dialog, EmptyState, ErrorNote, Loading, Notice, ProgressBar, statusTone } from '../components/ui';
import { useProjectParams } from './ProjectLayout';

const AUTO_KEY = 'lf-auto-process';

const FINAL_FILE_STATUSES: string[] = ['stored', 'failed', 'skipped'];

function useTask(ns: string, project: string, taskId: string | null, onFinished: () => void) {
  const [meta, setMeta] = useState<Record<string, unknown> | null>(null);
  const [files, setFiles] = useState<Map<string, FileEvent>>(new Map());
  const [done, setDone] = useState<TaskRecord | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [mode, setMode] = useState<'stream' | 'polling' | null>(null);
  useEffect(() => {
    setMeta(null);
    setFiles(new Map());
    setDone(null);
    setError(null);
    if (!taskId) return;
    return followTask(ns, project, taskId, {
      onProgress: setMeta,
      onFile: (e) => setFiles((m) => new Map(m).set(e.hash, { ...m.get(e.hash), ...e })),
      onDone: (t) => {
        setDone(t);
        onFinished();
      },
      onError: setError,
      onMode: setMode,
    });
  }, [ns, project, taskId]);
  return { meta, files, done, error, mode, running: !!taskId && !done && !error };
}

export default function DatasetPage() {
  const { ns, project } = useProjectParams();
  const { dataset = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const taskId = search.get('task');
  const qc = useQueryClient();
  const detailKey = keys.dataset(ns, project, dataset);
  const detail = useQuery({ queryKey: detailKey, queryFn: () => loadDatasetDetail(ns, project, dataset) });
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: detailKey });
    void qc.invalidateQueries({ queryKey: keys.datasets(ns, project) });
  };
  const task = useTask(ns, project, taskId, refresh);
  const [auto, setAuto] = useState(() => localStorage.getItem(AUTO_KEY) === 'true');
  const [removing, setRemoving] = useState<FileRow | null>(null);
  const setTask = (id: string | null) => setSearch(id ? { task: id } : {}, { replace: true });

  const process = useMutation({
    mutationFn: () => api.post<DatasetActionsResponse>(p`/v1/projects/${ns}/${project}/datasets/${dataset}/actions`, { action_type: 'process' }),
    onSuccess: (r) => setTask(r.task_id ?? null),
  });
  const reprocess = useMutation({
    mutationFn: (f: FileRow) => api.post<DatasetActionsResponse>(p`/v1/projects/${ns}/${project}/datasets/${dataset}/actions`, { action_type: 'reprocess', file_hash: f.hash }),
    onSuccess: (r) => setTask(r.task_id ?? null),
  });
  const cancel = useMutation({
    mutationFn: () => api.del<CancelResponse>(p`/v1/projects/${ns}/${project}/tasks/${taskId ?? ''}`),
  });
  const remove = useMutation({
    mutationFn: (f: FileRow) => api.del<DatasetFileDeleteResponse>(p`/v1/projects/${ns}/${project}/datasets/${dataset}/data/${f.hash}` + '?remove_from_disk=true'),
    onSuccess: () => {
      setRemoving(null);
      refresh();
    },
  });

  const rows: FileRow[] = useMemo(
    () =>
      (detail.data?.files ?? []).map((f) => {
        const e = task.files.get(f.hash);
        // Once the run has ended, a file it left unfinished (cancelled mid-parse) shows what the server says.
        return mergeFile(f, task.done && e && !FINAL_FILE_STATUSES.includes(e.status) ? undefined : e);
      }),
    [detail.data, task.files, task.done],
  );
  const progress = typeof task.meta?.progress === 'number' ? (task.meta.progress as number) / 100 : task.done ? 1 : 0;
  const base = `/projects/${encodeURIComponent(ns)}/${encodeURIComponent(project)}`;

  function afterUpload(uploaded: UploadRow[]) {
    refresh();
    if (auto && uploaded.some((r) => r.state === 'stored') && !task.running) process.mutate();
  }

  if (detail.isLoading) return <Loading what="dataset" />;
  if (detail.error) return <ErrorNote error={detail.error} title="Could not open this dataset" />;
  const d = detail.data!;
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end gap-3">
        <div className="mr-auto">
          <Link className="link text-sm" to={`${base}/data`}>
            ← Datasets
          </Link>
          <h2 className="text-xl font-semibold">{d.name}</h2>
          <p className="muted text-sm">
            Database <strong>{d.database}</strong> · strategy <strong>{d.data_processing_strategy}</strong> · {d.files.length} file(s)
          </p>
        </div>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={auto} onChange={(e) => (setAuto(e.target.checked), localStorage.setItem(AUTO_KEY, String(e.target.checked)))} />
          Process after upload
        </label>
        <button className="btn btn-primary" onClick={() => process.mutate()} disabled={task.running || process.isPending || d.files.length === 0}>
          Process
        </button>
      </div>

      <UploadZone ns={ns} project={project} dataset={dataset} onAllDone={afterUpload} />
      <ErrorNote error={process.error ?? reprocess.error} title="Could not start processing" />

      {taskId && (
        <section aria-labelledby="task-title" className="card space-y-2">
          <div className="flex items-center gap-3">
            <h3 id="task-title" className="mr-auto font-semibold">
              Processing {task.done ? <Badge tone={statusTone(isCancelled(task.done) ? 'REVOKED' : task.done.state)}>{isCancelled(task.done) ? 'cancelled' : task.done.state.toLowerCase()}</Badge> : <Badge tone="info">running</Badge>}
            </h3>
            {task.running && (
              <button className="btn" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
                Cancel
              </button>
            )}
            {!task.running && (
              <button className="btn" onClick={() => setTask(null)}>
                Dismiss
              </button>
            )}
          </div>
          <ProgressBar value={progress} label="Processing progress" />
          <p className="muted text-sm" aria-live="polite">
            {task.done ? (isCancelled(task.done) ? summary(task.done) : (task.done.error ?? summary(task.done))) : String(task.meta?.message ?? 'Waiting for a worker…')}
          </p>
          {task.mode === 'polling' && <p className="muted text-xs">This server has no live task events; progress is checked every second.</p>}
          <ErrorNote error={task.error} />
          <ErrorNote error={cancel.error} title="Could not cancel" />
          {cancel.data && (
            <Notice>
              {cancel.data.message}
              {cancel.data.reverted_files?.length ? ` Chunks removed again from: ${cancel.data.reverted_files.map((f) => f.filename).join(', ')}.` : ''}
            </Notice>
          )}
        </section>
      )}

      <section aria-labelledby="files-title" className="space-y-2">
        <h3 id="files-title" className="font-semibold">
          Files
        </h3>
        {d.legacy && d.files.length > 0 && <p className="muted text-xs">This server does not report per-file state; the status shown comes from the processing runs seen on this page.</p>}
        {d.files.length === 0 ? (
          <EmptyState title="No files in this dataset">Drop documents above or press Upload. Then press Process to parse, chunk and embed them.</EmptyState>
        ) : (
          <FileList files={rows} inspectBase={`${base}/data/${encodeURIComponent(dataset)}/files`} busy={task.running} onReprocess={(f) => reprocess.mutate(f)} onRemove={setRemoving} />
        )}
      </section>

      {removing && (
        <Dialog open title={`Remove “${removing.filename}”?`} onClose={() => setRemoving(null)}>
          <p className="text-sm">The file and its chunks are removed from this dataset and its database.</p>
          <div className="mt-3">
            <ErrorNote error={remove.error} />
          </div>
          <div className="mt-4 flex justify-end gap-2">
            <button className="btn" onClick={() => setRemoving(null)} autoFocus>
              Cancel
            </button>
            <button className="btn btn-danger" onClick={() => remove.mutate(removing)} disabled={remove.isPending}>
              Remove
            </button>
          </div>
        </Dialog>
      )}
    </div>
  );
}

function isCancelled(t: TaskRecord): boolean {
  return t.cancelled || t.state === 'REVOKED';
}

function summary(t: TaskRecord): string {
  if (isCancelled(t)) return 'Cancelled.';
  const r = t.result as { processed_files?: number; skipped_files?: number; failed_files?: number; stored_count?: number } | null;
  if (!r || !TERMINAL.includes(t.state)) return t.state;
  return `Done: ${r.processed_files ?? 0} processed, ${r.skipped_files ?? 0} skipped, ${r.failed_files ?? 0} failed; ${r.stored_count ?? 0} chunks stored.`;
}
