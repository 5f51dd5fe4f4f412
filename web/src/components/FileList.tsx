/** A dataset's files, virtualised (smooth at 10,000 rows): status, chunks, the error of a failed file, actions. */
import { useRef } from 'react';
import { Link } from 'react-router-dom';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { DatasetFile, FileEvent } from '../api/dataloop';
import { Badge, formatBytes, statusTone } from './ui';

export type FileRow = DatasetFile & { live?: FileEvent['status'] };

const ROW = 64;

export function FileList(props: { files: FileRow[]; inspectBase: string; onReprocess: (f: FileRow) => void; onRemove: (f: FileRow) => void; busy: boolean }) {
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: props.files.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 8 });
  return (
    <div ref={scroller} className="max-h-[28rem] overflow-auto rounded-lg border border-zinc-200 dark:border-zinc-800" tabIndex={0} aria-label="Files list">
      <ul aria-label="Files" style={{ height: v.getTotalSize(), position: 'relative' }}>
        {v.getVirtualItems().map((item) => {
          const f = props.files[item.index];
          const shown = f.status === 'processing' && f.live ? f.live : f.status;
          return (
            <li
              key={f.hash}
              data-file={f.filename}
              className="absolute left-0 right-0 flex items-center gap-3 border-b border-zinc-100 px-3 text-sm dark:border-zinc-800"
              style={{ top: item.start, height: ROW }}
            >
              <div className="min-w-0 flex-1">
                <p className="truncate font-medium">{f.filename}</p>
                <p className="muted truncate text-xs">
                  {formatBytes(f.size)}
                  {f.parser ? ` · ${f.parser}` : ''}
                  {f.chunks !== undefined ? ` · ${f.chunks} chunks` : ''}
                </p>
                {f.error && <p className="truncate text-xs text-red-700 dark:text-red-300" title={f.error}>{f.error}</p>}
              </div>
              <span data-testid="file-status">
                <Badge tone={statusTone(shown)}>{shown}</Badge>
              </span>
              <Link className="btn" to={`${props.inspectBase}/${f.hash}`} aria-label={`Inspect chunks of ${f.filename}`}>
                Chunks
              </Link>
              <button className="btn" onClick={() => props.onReprocess(f)} disabled={props.busy} aria-label={`Reprocess ${f.filename}`}>
                Reprocess
              </button>
              <button className="btn" onClick={() => props.onRemove(f)} aria-label={`Remove ${f.filename}`}>
                Remove
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
