/**
 * Ingesting one stored file into a database: prepare (parse/chunk/extract, in a worker) → embed (batched) →
 * upsert (idempotent chunk ids) — with a `rag_processing` event carrying the sub-events of behavior.md §3.7.
 * A failure fails this file with its reason; it never stores zero vectors or partial garbage.
 */
import type { Logger } from 'pino';
import type { DatabaseConfig, DataProcessingStrategyConfig } from '../../config/schema.js';
import type { EventLog } from '../events.js';
import type { FileMeta } from '../../storage/dataset-files.js';
import type { StoredChunk } from '../../adapters/stores/types.js';
import { embeddingStrategyOf, type RagResources } from '../rag/resources.js';
import type { PreparedFile, PrepareInput } from './prepare.js';
import { IN_WORKER_EMBEDDERS } from './placement.js';

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
  onStage?: (stage: IngestStage, info?: Record<string, unknown>) => void;
}

const UPSERT_BATCH = 512;

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
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
  try {
    const strategy = embeddingStrategyOf(db);
    if (!strategy) throw new Error(`Database '${db.name}' has no embedding strategy`);
    const embedder = deps.resources.embedder(db);
    detail.embedder = strategy.type;
    const store = await deps.resources.store(job.namespace, job.project, db);
    await deps.resources.guardEmbedder(store, db, { type: strategy.type, model: embedder.model, dimension: embedder.dimension }, false);

    job.onStage?.('parse');
    // A cancel answers at once: a long parse in the worker thread finishes there and its result is dropped.
    const prepared = await untilAborted(job.signal, deps.prepare({
      path: job.rawPath,
      filename: meta.original_file_name,
      mimeType: meta.mime_type,
      size: meta.size,
      fileHash: meta.hash,
      parsers: job.strategy.parsers,
      extractors: job.strategy.extractors ?? [],
      ...(IN_WORKER_EMBEDDERS.has(strategy.type) ? { embedder: { type: strategy.type, config: strategy.config ?? {} } } : {}),
    }));
    throwIfAborted(job.signal);
    detail.parser = prepared.parser;
    detail.extractors = prepared.extractors;
    detail.chunks = prepared.chunks.length;
    ev.sub('file_parsed', { filename: meta.original_file_name, parsers: [prepared.parser], mime_type: meta.mime_type, documents: prepared.documentCount });
    if (prepared.chunks.length === 0) throw new Error(`No documents extracted from ${meta.original_file_name}`);
    const sizes = prepared.chunks.map((c) => c.text.length);
    detail.chunk_size = Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length);
    job.onStage?.('chunk', { chunks: prepared.chunks.length });
    ev.sub('chunks_created', { chunk_count: prepared.chunks.length, avg_chunk_size: detail.chunk_size, file_hash: meta.hash.slice(0, 16) });

    job.onStage?.('embed', { chunks: prepared.chunks.length });
    const vectors = prepared.vectors ?? (await embedder.embed(prepared.chunks.map((c) => c.text), { signal: job.signal }));
    if (vectors.length !== prepared.chunks.length) throw new Error(`embedder returned ${vectors.length} vectors for ${prepared.chunks.length} chunks`);
    const dimension = vectors[0]?.length ?? 0;
    ev.sub('embeddings_generated', { embedding_count: vectors.length, embedder: strategy.type, embedding_dimension: dimension });
    throwIfAborted(job.signal);
    await deps.resources.guardEmbedder(store, db, { type: strategy.type, model: prepared.embedder?.model ?? embedder.model, dimension }, true);

    job.onStage?.('store', { chunks: prepared.chunks.length });
    const rows: StoredChunk[] = prepared.chunks.map((c, i) => ({
      id: c.id,
      text: c.text,
      vector: vectors[i],
      metadata: { ...c.metadata, source: meta.original_file_name, dataset: job.dataset, file_hash: meta.hash },
    }));
    for (let i = 0; i < rows.length; i += UPSERT_BATCH) {
      throwIfAborted(job.signal);
      const r = await store.upsert(rows.slice(i, i + UPSERT_BATCH));
      detail.stored_count += r.stored;
      detail.skipped_count += r.skipped;
    }
    ev.sub('chunks_stored', { database: db.name, stored_count: detail.stored_count, skipped_count: detail.skipped_count, storage_type: db.type });
    const duplicate = detail.stored_count === 0 && detail.skipped_count > 0;
    detail.status = duplicate ? 'skipped' : 'success';
    detail.reason = duplicate ? 'duplicate' : null;
    ev.sub('processing_complete', { status: detail.status, total_chunks: rows.length, stored_chunks: detail.stored_count, skipped_chunks: detail.skipped_count });
    ev.complete({ filename: meta.original_file_name, dataset: job.dataset });
  } catch (e) {
    detail.status = 'failed';
    detail.error = e instanceof Error ? e.message : String(e);
    ev.fail(e, { filename: meta.original_file_name, dataset: job.dataset });
    if (job.signal.aborted) throw e;
    deps.log.warn({ file: meta.original_file_name, err: detail.error }, 'file ingestion failed');
  }
  return detail;
}
