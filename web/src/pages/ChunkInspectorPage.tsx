/**
 * A file's parsed text beside its chunks: clicking a chunk scrolls to and highlights its span (with its page for
 * PDFs). Preview mode re-chunks with other settings without storing anything and shows stats and warnings, with
 * "Apply to the strategy". Needs the data-loop API's chunks/text/preview routes; says so when the server lacks them.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { ApiError, api, p } from '../api/client';
import { keys, useProject } from '../api/hooks';
import { CHUNKS_PAGE, type ChunksResponse, type FileText, type PreviewResponse } from '../api/dataloop';
import type { ProjectUpdateResponse } from '../api/types';
import { loadDatasetDetail } from '../lib/dataset-files';
import { EmptyState, ErrorNote, Loading, Notice } from '../components/ui';
import { useProjectParams } from './ProjectLayout';

interface Span {
  start: number;
  end: number;
  label: string;
}

/** Every stored chunk of a file, page by page (the list is virtualised, so 10,000 chunks are fine). */
async function allChunks(base: string): Promise<ChunksResponse> {
  const first = await api.get<ChunksResponse>(`${base}/chunks?limit=${CHUNKS_PAGE}&offset=0`);
  const chunks = [...first.chunks];
  while (chunks.length < first.total) {
    const next = await api.get<ChunksResponse>(`${base}/chunks?limit=${CHUNKS_PAGE}&offset=${chunks.length}`);
    if (next.chunks.length === 0) break;
    chunks.push(...next.chunks);
  }
  return { ...first, chunks, offset: 0, limit: chunks.length };
}

function isMissingRoute(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404 && err.message === 'Not Found';
}

/** The parsed text with one span marked; the mark scrolls into view when it changes. */
function SourceText({ text, span, pages }: { text: string; span: Span | null; pages?: FileText['pages'] }) {
  const mark = useRef<HTMLElement>(null);
  useEffect(() => {
    mark.current?.scrollIntoView({ block: 'center', behavior: 'smooth' });
  }, [span]);
  const page = span && pages?.find((pg) => span.start >= pg.start_position && span.start < pg.end_position)?.page;
  return (
    <div className="flex min-h-0 flex-col">
      <p className="muted mb-1 text-xs" aria-live="polite">
        {span ? `${span.label}: characters ${span.start}–${span.end}${page ? `, page ${page}` : ''}` : 'Select a chunk to see where it comes from.'}
      </p>
      <pre className="h-[32rem] overflow-auto whitespace-pre-wrap rounded-lg border border-zinc-200 p-3 font-mono text-xs leading-relaxed dark:border-zinc-800" tabIndex={0} aria-label="Parsed text">
        {span ? (
          <>
            {text.slice(0, span.start)}
            <mark ref={mark} data-testid="highlight" className="rounded bg-amber-200 text-zinc-950 dark:bg-amber-400">
              {text.slice(span.start, span.end)}
            </mark>
            {text.slice(span.end)}
          </>
        ) : (
          text
        )}
      </pre>
    </div>
  );
}

interface ChunkLike {
  key: string;
  index: number;
  content: string;
  start: number | null;
  end: number | null;
  note?: string;
}

function ChunkList({ chunks, selected, onSelect }: { chunks: ChunkLike[]; selected: string | null; onSelect: (c: ChunkLike) => void }) {
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: chunks.length, getScrollElement: () => scroller.current, estimateSize: () => 96, overscan: 6 });
  return (
    <div ref={scroller} className="h-[33.5rem] overflow-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
      <ul aria-label="Chunks" style={{ height: v.getTotalSize(), position: 'relative' }}>
        {v.getVirtualItems().map((item) => {
          const c = chunks[item.index];
          return (
            <li key={c.key} className="absolute left-0 right-0 p-1" style={{ top: item.start, height: 96 }}>
              <button
                className={`h-full w-full overflow-hidden rounded-md border p-2 text-left text-xs ${selected === c.key ? 'border-amber-500 bg-amber-50 dark:bg-amber-950' : 'border-zinc-200 hover:bg-zinc-50 dark:border-zinc-800 dark:hover:bg-zinc-800'}`}
                onClick={() => onSelect(c)}
                aria-pressed={selected === c.key}
              >
                <span className="font-semibold">Chunk {c.index + 1}</span>
                <span className="muted"> · {c.content.length} characters{c.note ? ` · ${c.note}` : ''}</span>
                <span className="mt-1 line-clamp-3 block">{c.content}</span>
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

export default function ChunkInspectorPage() {
  const { ns, project } = useProjectParams();
  const { dataset = '', hash = '' } = useParams();
  const base = p`/v1/projects/${ns}/${project}/datasets/${dataset}/data/${hash}`;
  const detail = useQuery({ queryKey: keys.dataset(ns, project, dataset), queryFn: () => loadDatasetDetail(ns, project, dataset) });
  const file = detail.data?.files.find((f) => f.hash === hash);
  const text = useQuery({ queryKey: ['file-text', ns, project, dataset, hash], queryFn: () => api.get<FileText>(`${base}/text`), retry: false });
  const chunks = useQuery({ queryKey: ['file-chunks', ns, project, dataset, hash], queryFn: () => allChunks(base), retry: false });
  const [selected, setSelected] = useState<ChunkLike | null>(null);
  const [mode, setMode] = useState<'stored' | 'preview'>('stored');
  const missing = isMissingRoute(text.error) || isMissingRoute(chunks.error);

  const stored: ChunkLike[] = useMemo(
    () => (chunks.data?.chunks ?? []).map((c) => ({ key: c.chunk_id, index: c.chunk_index, content: c.content, start: c.start_position, end: c.end_position, note: c.page ? `page ${c.page}` : undefined })),
    [chunks.data],
  );

  const span: Span | null = selected && selected.start !== null && selected.end !== null ? { start: selected.start, end: selected.end, label: `Chunk ${selected.index + 1}` } : null;
  const dsBase = `/projects/${encodeURIComponent(ns)}/${encodeURIComponent(project)}/data/${encodeURIComponent(dataset)}`;

  return (
    <div className="space-y-4">
      <div>
        <Link className="link text-sm" to={dsBase}>
          ← {dataset}
        </Link>
        <h2 className="text-xl font-semibold">{file?.filename ?? hash.slice(0, 12)}</h2>
        {file?.error && <ErrorNote error={file.error} title="This file failed" />}
      </div>
      {missing ? (
        <Notice>This server does not offer chunk inspection yet (it needs the data-loop API: the file text, chunks and preview routes). Upload and processing still work.</Notice>
      ) : (
        <>
          <div role="tablist" aria-label="Chunks to show" className="flex gap-2">
            <button role="tab" aria-selected={mode === 'stored'} className={`btn ${mode === 'stored' ? 'btn-primary' : ''}`} onClick={() => (setMode('stored'), setSelected(null))}>
              Stored chunks
            </button>
            <button role="tab" aria-selected={mode === 'preview'} className={`btn ${mode === 'preview' ? 'btn-primary' : ''}`} onClick={() => (setMode('preview'), setSelected(null))}>
              Preview other settings
            </button>
          </div>
          <ErrorNote error={text.error ?? chunks.error} />
          {mode === 'preview' && detail.data && <PreviewPanel ns={ns} project={project} dataset={dataset} hash={hash} database={detail.data.database} strategy={detail.data.data_processing_strategy} onChunks={() => setSelected(null)} onSelect={setSelected} selected={selected?.key ?? null} text={text.data} />}
          {mode === 'stored' && (
            <div className="grid gap-3 lg:grid-cols-2">
              <div>
                <h3 className="mb-1 text-sm font-semibold">Chunks ({stored.length})</h3>
                {chunks.isLoading ? <Loading what="chunks" /> : stored.length === 0 ? <EmptyState title="No stored chunks">Process the dataset to create them.</EmptyState> : <ChunkList chunks={stored} selected={selected?.key ?? null} onSelect={setSelected} />}
              </div>
              <div>
                <h3 className="mb-1 text-sm font-semibold">Parsed text</h3>
                {text.isLoading ? <Loading what="text" /> : <SourceText text={text.data?.text ?? ''} pages={text.data?.pages} span={span} />}
              </div>
            </div>
          )}
        </>
      )}
    </div>
  );
}

function PreviewPanel(props: {
  ns: string;
  project: string;
  dataset: string;
  hash: string;
  database: string;
  strategy: string;
  text: FileText | undefined;
  selected: string | null;
  onSelect: (c: ChunkLike) => void;
  onChunks: () => void;
}) {
  const [size, setSize] = useState('500');
  const [overlap, setOverlap] = useState('50');
  const [strategy, setStrategy] = useState('');
  const proj = useProject(props.ns, props.project);
  const qc = useQueryClient();
  const preview = useMutation({
    mutationFn: () =>
      api.post<PreviewResponse>(p`/v1/projects/${props.ns}/${props.project}/rag/databases/${props.database}/preview`, {
        dataset_id: props.dataset,
        file_hash: props.hash,
        chunk_size: Number(size) || undefined,
        chunk_overlap: Number(overlap) || 0,
        chunk_strategy: strategy || undefined,
      }),
    onSuccess: props.onChunks,
  });
  // "Apply to the strategy": writes chunk_size/chunk_overlap (and chunk_strategy) into every parser of the
  // dataset's processing strategy that has a chunking config, through the ordinary PUT.
  const apply = useMutation({
    mutationFn: () => {
      const config = structuredClone(proj.data!.project.config) as { rag?: { data_processing_strategies?: { name: string; parsers?: { config?: Record<string, unknown> }[] }[] } };
      const st = config.rag?.data_processing_strategies?.find((s) => s.name === props.strategy);
      if (!st) throw new Error(`Strategy ${props.strategy} is not in the configuration`);
      for (const parser of st.parsers ?? []) {
        parser.config = { ...(parser.config ?? {}), chunk_size: Number(size), chunk_overlap: Number(overlap), ...(strategy ? { chunk_strategy: strategy } : {}) };
      }
      return api.put<ProjectUpdateResponse>(p`/v1/projects/${props.ns}/${props.project}`, { config });
    },
    onSuccess: (res) => qc.setQueryData(keys.project(props.ns, props.project), res),
  });
  const chunks: ChunkLike[] = (preview.data?.chunks ?? []).map((c) => ({ key: `p${c.chunk_index}`, index: c.chunk_index, content: c.content, start: c.start_position, end: c.end_position, note: `${c.word_count} words` }));
  const sel = chunks.find((c) => c.key === props.selected);
  const span = sel && sel.start !== null && sel.end !== null ? { start: sel.start, end: sel.end, label: `Preview chunk ${sel.index + 1}` } : null;
  return (
    <div className="space-y-3">
      <form
        className="flex flex-wrap items-end gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          preview.mutate();
        }}
      >
        <div>
          <label className="label" htmlFor="pv-size">
            Chunk size
          </label>
          <input id="pv-size" className="input w-28" type="number" min={1} value={size} onChange={(e) => setSize(e.target.value)} />
        </div>
        <div>
          <label className="label" htmlFor="pv-overlap">
            Overlap
          </label>
          <input id="pv-overlap" className="input w-28" type="number" min={0} value={overlap} onChange={(e) => setOverlap(e.target.value)} />
        </div>
        <div>
          <label className="label" htmlFor="pv-strategy">
            Chunking
          </label>
          <select id="pv-strategy" className="input w-40" value={strategy} onChange={(e) => setStrategy(e.target.value)}>
            <option value="">As configured</option>
            {['characters', 'sentences', 'paragraphs', 'sections', 'tokens', 'rows', 'documents'].map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        <button className="btn btn-primary" type="submit" disabled={preview.isPending}>
          Preview
        </button>
        <button className="btn" type="button" onClick={() => apply.mutate()} disabled={!preview.data || apply.isPending || !proj.data}>
          Apply to the strategy
        </button>
      </form>
      <ErrorNote error={preview.error} title="Preview failed" />
      <ErrorNote error={apply.error} title="Could not apply" />
      {apply.isSuccess && <Notice>Saved to strategy {props.strategy}. Reprocess the files to use it.</Notice>}
      {preview.data && (
        <>
          <p className="text-sm">
            {preview.data.stats.chunks} chunks · average {Math.round(preview.data.stats.avg_chars)} characters · shortest {preview.data.stats.min} · longest {preview.data.stats.max}
          </p>
          {preview.data.warnings.map((w) => (
            <Notice key={w}>{w}</Notice>
          ))}
          <div className="grid gap-3 lg:grid-cols-2">
            <ChunkList chunks={chunks} selected={props.selected} onSelect={props.onSelect} />
            <SourceText text={props.text?.text ?? ''} pages={props.text?.pages} span={span} />
          </div>
        </>
      )}
    </div>
  );
}
