/**
 * Drag-and-drop (or pick) many files; each is uploaded with its own progress bar (three at a time). Duplicates the
 * server already has are shown as skipped. Calls onAllDone with the uploads when the batch ends.
 */
import { useRef, useState } from 'react';
import { uploadFile, p } from '../api/client';
import type { DatasetDataUploadResponse } from '../api/types';
import { Badge, ProgressBar, formatBytes } from './ui';

export interface UploadRow {
  id: number;
  name: string;
  size: number;
  progress: number;
  state: 'waiting' | 'uploading' | 'stored' | 'skipped' | 'failed';
  error?: string;
  hash?: string;
}

const PARALLEL = 3;

export function UploadZone(props: { ns: string; project: string; dataset: string; onAllDone: (rows: UploadRow[]) => void }) {
  const [rows, setRows] = useState<UploadRow[]>([]);
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const nextId = useRef(1);

  const update = (id: number, patch: Partial<UploadRow>) => setRows((rs) => rs.map((r) => (r.id === id ? { ...r, ...patch } : r)));

  async function start(files: File[]) {
    if (files.length === 0) return;
    const batch: UploadRow[] = files.map((f) => ({ id: nextId.current++, name: f.name, size: f.size, progress: 0, state: 'waiting' }));
    setRows((rs) => [...batch, ...rs].slice(0, 500));
    const results = new Map<number, UploadRow>();
    let i = 0;
    const worker = async () => {
      while (i < files.length) {
        const k = i++;
        const row = batch[k];
        update(row.id, { state: 'uploading' });
        try {
          const res = await uploadFile<DatasetDataUploadResponse>(p`/v1/projects/${props.ns}/${props.project}/datasets/${props.dataset}/data`, files[k], (fr) => update(row.id, { progress: fr }));
          const done = { ...row, progress: 1, state: res.skipped ? 'skipped' : 'stored', hash: res.hash } as UploadRow;
          results.set(row.id, done);
          update(row.id, done);
        } catch (err) {
          const failed = { ...row, state: 'failed', error: err instanceof Error ? err.message : String(err) } as UploadRow;
          results.set(row.id, failed);
          update(row.id, failed);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, files.length) }, worker));
    props.onAllDone(batch.map((r) => results.get(r.id) ?? r));
  }

  return (
    <section aria-label="Upload files" className="space-y-3">
      <div
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          void start([...e.dataTransfer.files]);
        }}
        className={`flex flex-col items-center justify-center gap-2 rounded-lg border-2 border-dashed p-6 text-center text-sm ${over ? 'border-emerald-500 bg-emerald-50 dark:bg-emerald-950' : 'border-zinc-300 dark:border-zinc-700'}`}
      >
        <p>Drop files here (PDF, Word, Markdown, text, CSV, Excel, HTML, JSON), or</p>
        <button type="button" className="btn btn-primary" onClick={() => input.current?.click()}>
          Upload
        </button>
        <input
          ref={input}
          type="file"
          multiple
          className="sr-only"
          tabIndex={-1}
          aria-label="Files to upload"
          data-testid="file-input"
          onChange={(e) => {
            void start([...(e.target.files ?? [])]);
            e.target.value = '';
          }}
        />
      </div>
      {rows.length > 0 && (
        <ul className="space-y-2" aria-label="Uploads">
          {rows.slice(0, 50).map((r) => (
            <li key={r.id} className="grid grid-cols-[1fr_auto] items-center gap-x-3 gap-y-1 text-sm">
              <span className="truncate">
                {r.name} <span className="muted">({formatBytes(r.size)})</span>
              </span>
              <span>
                {r.state === 'stored' && <Badge tone="good">uploaded</Badge>}
                {r.state === 'skipped' && <Badge tone="warn">skipped: already in the dataset</Badge>}
                {r.state === 'failed' && <Badge tone="bad">failed</Badge>}
                {(r.state === 'uploading' || r.state === 'waiting') && <Badge tone="info">{r.state}</Badge>}
              </span>
              <div className="col-span-2">
                <ProgressBar value={r.progress} label={`Upload of ${r.name}`} />
              </div>
              {r.error && <p className="col-span-2 text-red-700 dark:text-red-300">{r.error}</p>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
