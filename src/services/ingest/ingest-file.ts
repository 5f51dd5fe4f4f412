/**
 * Ingesting one stored file into a database for one dataset: skip it when its rows for this dataset, parser
 * settings and embedder are all stored (before parsing, decision 0121) → prepare (parse/chunk/extract, in a
 * worker; chunks without content words dropped) → embed (batched, with progress) → upsert (idempotent chunk ids
 * owned by the dataset, decision 0120) — with a `rag_processing` event carrying the sub-events of original §3.7.
 * A chunk that embeds to an all-zero vector is skipped with a warning; a failure fails this file with its reason
 * and leaves none of its rows from this run in the store.
 */
import type { Logger } from 'pino';
import type { DatabaseConfig, DataProcessingStrategyConfig } from '../../config/schema.js';
import type { EventLog } from '../events.js';
import type { FileMeta } from '../../storage/dataset-files.js';
import type { StoredChunk, VectorStore } from '../../adapters/stores/types.js';
import { embeddingStrategyOf, type RagResources } from '../rag/resources.js';
import type { PreparedFile, PrepareInput } from './prepare.js';
import { IN_WORKER_EMBEDDERS } from './placement.js';
import { publicErrorMessage } from '../../core/error-text.js';
import { fileSignatures, ownershipMetadata, removeFileRows, removeStaleRows, storedState } from './ownership.js';

export type IngestStage = 'parse' | 'chunk' | 'embed' | 'store';

export interface FileDetail {
  file_hash: string;
  filename: string;
  status: 'success' | 'skipped' | 'failed';
  parser?: string;
  extractors?: string[];
  chunks: number;
  chunk_size?: number;
  embedder?: string;
  stored_count: number;
  skipped_count: number;
  error: string | null;
  reason: string | null;
  /** Why a file whose chunks were stored before was processed again (settings changed, ...). */
  reprocessed_because?: string;
  /** What was left out without failing the file (chunks without content words, all-zero vectors, ...). */
  warnings?: string[];
}

/** Progress of the current stage: chunks embedded (or stored) so far out of the file's total. */
export interface StageProgress {
  chunks_done: number;
  chunks_total: number;
}

export interface FileIngestDeps {
  resources: RagResources;
  events: EventLog;
  prepare: (input: PrepareInput) => Promise<PreparedFile>;
  log: Logger;
}

export interface FileIngestJob {
  namespace: string;
  project: string;
  dataset: string;
  config: unknown;
  strategy: DataProcessingStrategyConfig;
  db: DatabaseConfig;
  meta: FileMeta;
  rawPath: string;
  signal: AbortSignal;
  /** Other datasets on the same database that hold this file (their rows are never touched). */
  otherHolders?: string[];
  onStage?: (stage: IngestStage, progress?: StageProgress) => void;
}

const UPSERT_BATCH = 512;
/** Texts per embed call: small enough that progress moves on a large file, large enough to batch well. */
const EMBED_BATCH = 64;
/** Per-chunk warnings kept in a file's result (the rest are counted). */
const MAX_WARNINGS = 20;

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
}

function isAllZero(v: Float32Array): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return false;
  return true;
}

function capWarnings(warnings: string[]): string[] {
  return warnings.length <= MAX_WARNINGS ? warnings : [...warnings.slice(0, MAX_WARNINGS), `... and ${warnings.length - MAX_WARNINGS} more`];
}

async function embedWithProgress(
  embedder: { embed(texts: string[], o?: { signal?: AbortSignal }): Promise<Float32Array[]> },
  texts: string[],
  job: FileIngestJob,
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  job.onStage?.('embed', { chunks_done: 0, chunks_total: texts.length });
  for (let i = 0; i < texts.length; i += EMBED_BATCH) {
    throwIfAborted(job.signal);
    out.push(...(await embedder.embed(texts.slice(i, i + EMBED_BATCH), { signal: job.signal })));
    job.onStage?.('embed', { chunks_done: Math.min(i + EMBED_BATCH, texts.length), chunks_total: texts.length });
  }
  return out;
}

/** `work`, or the abort reason as soon as `signal` aborts (the work itself is not stopped). */
function untilAborted<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason instanceof Error ? signal.reason : new Error('cancelled'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

export async function ingestFile(deps: FileIngestDeps, job: FileIngestJob): Promise<FileDetail> {
  const { meta, db } = job;
  const ev = deps.events.start({ namespace: job.namespace, project: job.project, type: 'rag_processing', requestId: `proc_${meta.hash.slice(0, 12)}`, config: job.config });
  const detail: FileDetail = { file_hash: meta.hash, filename: meta.original_file_name, status: 'failed', chunks: 0, stored_count: 0, skipped_count: 0, error: null, reason: null };
  ev.sub('file_ingestion_start', { filename: meta.original_file_name, size_bytes: meta.size, content_type: meta.mime_type, dataset_name: job.dataset, database: db.name, strategy: job.strategy.name });
  let store: VectorStore | undefined;
  let wrote = false;
  try {
    const strategy = embeddingStrategyOf(db);
    if (!strategy) throw new Error(`Database '${db.name}' has no embedding strategy`);
    const embedder = deps.resources.embedder(db);
    detail.embedder = strategy.type;
    store = await deps.resources.store(job.namespace, job.project, db);
    await deps.resources.guardEmbedder(store, db, { type: strategy.type, model: embedder.model, dimension: embedder.dimension }, false);

    const sig = fileSignatures(job.strategy, { type: strategy.type, model: embedder.model, config: strategy.config });
    const state = await storedState(store, meta.hash, job.dataset, sig);
    if (state.stored) {
      detail.status = 'skipped';
      detail.reason = 'duplicate';
      detail.chunks = state.chunks;
      detail.skipped_count = state.chunks;
      ev.sub('processing_complete', { status: detail.status, total_chunks: state.chunks, stored_chunks: 0, skipped_chunks: state.chunks, not_parsed: 'already stored with the same parser settings and embedder' });
      ev.complete({ filename: meta.original_file_name, dataset: job.dataset });
      return detail;
    }
    if (state.why) detail.reprocessed_because = state.why;

    job.onStage?.('parse');
    // A cancel answers at once: a long parse in the worker thread finishes there and its result is dropped.
    const prepared = await untilAborted(job.signal, deps.prepare({
      path: job.rawPath,
      filename: meta.original_file_name,
      mimeType: meta.mime_type,
      size: meta.size,
      fileHash: meta.hash,
      dataset: job.dataset,
      parsers: job.strategy.parsers,
      extractors: job.strategy.extractors ?? [],
      ...(IN_WORKER_EMBEDDERS.has(strategy.type) ? { embedder: { type: strategy.type, config: strategy.config ?? {} } } : {}),
    }));
    throwIfAborted(job.signal);
    const warnings = [...prepared.warnings];
    detail.parser = prepared.parser;
    if (prepared.warnings.length) detail.warnings = prepared.warnings;
    detail.extractors = prepared.extractors;
    detail.chunks = prepared.chunks.length;
    ev.sub('file_parsed', { filename: meta.original_file_name, parsers: [prepared.parser], mime_type: meta.mime_type, documents: prepared.documentCount });
    if (prepared.chunks.length === 0) {
      throw new Error(prepared.droppedChunks > 0
        ? `${meta.original_file_name} holds no content words (only page numbers or separators)`
        : `No documents extracted from ${meta.original_file_name}`);
    }
    const sizes = prepared.chunks.map((c) => c.text.length);
    detail.chunk_size = Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length);
    job.onStage?.('chunk', { chunks_done: prepared.chunks.length, chunks_total: prepared.chunks.length });
    ev.sub('chunks_created', { chunk_count: prepared.chunks.length, avg_chunk_size: detail.chunk_size, file_hash: meta.hash.slice(0, 16) });

    const vectors = prepared.vectors ?? (await embedWithProgress(embedder, prepared.chunks.map((c) => c.text), job));
    if (vectors.length !== prepared.chunks.length) throw new Error(`embedder returned ${vectors.length} vectors for ${prepared.chunks.length} chunks`);
    const dimension = vectors[0]?.length ?? 0;
    ev.sub('embeddings_generated', { embedding_count: vectors.length, embedder: strategy.type, embedding_dimension: dimension });
    throwIfAborted(job.signal);
    await deps.resources.guardEmbedder(store, db, { type: strategy.type, model: prepared.embedder?.model ?? embedder.model, dimension }, true);

    const rows: StoredChunk[] = [];
    prepared.chunks.forEach((c, i) => {
      if (isAllZero(vectors[i])) {
        warnings.push(`chunk ${String(c.metadata.chunk_index ?? i)} skipped: it embeds to an all-zero vector (${JSON.stringify(c.text.slice(0, 40))})`);
        return;
      }
      rows.push({ id: c.id, text: c.text, vector: vectors[i], metadata: { ...c.metadata, source: meta.original_file_name, ...ownershipMetadata(job.dataset, meta.hash, sig) } });
    });
    if (rows.length === 0) throw new Error(`every chunk of ${meta.original_file_name} embeds to an all-zero vector (nothing the embedder recognises)`);
    // `total_chunks` is what this run stores: a later run tells a complete file from a half-stored one by it.
    for (const r of rows) r.metadata.total_chunks = rows.length;

    job.onStage?.('store', { chunks_done: 0, chunks_total: rows.length });
    for (let i = 0; i < rows.length; i += UPSERT_BATCH) {
      throwIfAborted(job.signal);
      wrote = true;
      const r = await store.upsert(rows.slice(i, i + UPSERT_BATCH));
      detail.stored_count += r.stored;
      detail.skipped_count += r.skipped;
      job.onStage?.('store', { chunks_done: Math.min(i + UPSERT_BATCH, rows.length), chunks_total: rows.length });
    }
    await removeStaleRows(store, meta.hash, job.dataset, sig, job.otherHolders ?? []);
    ev.sub('chunks_stored', { database: db.name, stored_count: detail.stored_count, skipped_count: detail.skipped_count, storage_type: db.type });
    detail.status = 'success';
    if (warnings.length) detail.warnings = capWarnings(warnings);
    ev.sub('processing_complete', { status: detail.status, total_chunks: rows.length, stored_chunks: detail.stored_count, skipped_chunks: detail.skipped_count });
    ev.complete({ filename: meta.original_file_name, dataset: job.dataset });
  } catch (e) {
    detail.status = 'failed';
    detail.error = publicErrorMessage(e);
    detail.stored_count = 0;
    if (wrote && store) {
      // A failed file has no rows in the store: remove what this run wrote (and stale rows of the file with it).
      try {
        await removeFileRows(store, meta.hash, job.dataset, (job.otherHolders ?? []).length > 0);
      } catch (cleanup) {
        deps.log.warn({ file: meta.original_file_name, err: (cleanup as Error).message }, 'could not remove the chunks of a failed file');
      }
    }
    ev.fail(e, { filename: meta.original_file_name, dataset: job.dataset });
    if (job.signal.aborted) throw e;
    deps.log.warn({ file: meta.original_file_name, err: detail.error }, 'file ingestion failed');
  }
  return detail;
}
