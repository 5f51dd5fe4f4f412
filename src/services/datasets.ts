/**
 * Datasets (original §3.4, decisions 0001, 0008, 0009): config entries plus each dataset's file store. Processing
 * is queued as an `ingest_dataset` task. Deleting a dataset cancels its tasks and removes its files and chunks.
 */
import { asStorageError, storageCause } from '../core/storage-errors.js';
import type { Readable } from 'node:stream';
import type { ProjectsService } from './projects.js';
import type { DataLayout } from '../storage/layout.js';
import type { TaskQueue } from '../adapters/queues/types.js';
import type { RagResources } from './rag/resources.js';
import type { DatasetConfig, ProjectConfig } from '../config/schema.js';
import { DatasetFileStore, type FileMeta } from '../storage/dataset-files.js';
import { badRequest, conflict, notFound, unprocessable, validNames } from '../core/errors.js';
import { assertResourceName, safeBasename } from '../core/names.js';
import { INGEST_DATASET } from './ingest/ingest-dataset.js';
import { ChunkCounts } from './chunk-counts.js';
import type { VectorStore } from '../adapters/stores/types.js';
import { datasetFileViews, deleteDatasetChunks, deleteFileChunks, type DatasetFileView } from './datasets/files-view.js';
import { FileStateStore } from './datasets/file-state.js';
import { ChunkInspector } from './datasets/chunks.js';
import { otherHolders, removeDatasetRows, removeFileRows } from './ingest/ownership.js';
import { storeTypeOpens } from '../adapters/stores/registry.js';

export interface DatasetView extends Record<string, unknown> {
  name: string;
  database: string;
  data_processing_strategy: string;
  files: string[];
}

export interface DatasetDetails {
  total_files: number;
  total_size_bytes: number;
  file_details: { hash: string; original_filename: string; size: number; timestamp: number; mime_type: string }[];
  /** With `chunk_count`: the file's chunks stored in the dataset's database (absent when it cannot be read). */
  files_metadata: (FileMeta & { chunk_count?: number })[];
}

export class DatasetsService {
  private readonly chunkCounts: ChunkCounts;
  /** Chunks and parsed text of stored files. */
  readonly inspector: ChunkInspector;

  constructor(
    private readonly projects: ProjectsService,
    private readonly layout: DataLayout,
    private readonly queue: TaskQueue,
    private readonly resources: RagResources,
    private readonly maxUploadBytes: number,
  ) {
    this.chunkCounts = new ChunkCounts(resources);
    this.inspector = new ChunkInspector({ projects, layout, resources });
  }

  files(ns: string, project: string, dataset: string): DatasetFileStore {
    return new DatasetFileStore(this.layout.datasetDir(ns, project, dataset));
  }

  async requireDataset(ns: string, project: string, name: string): Promise<{ config: ProjectConfig; dataset: DatasetConfig }> {
    const config = await this.projects.loadConfig(ns, project);
    const dataset = (config.datasets ?? []).find((d) => d.name === name);
    if (!dataset) throw notFound(`Dataset ${name} not found`);
    return { config, dataset };
  }

  private async view(ns: string, project: string, d: DatasetConfig): Promise<DatasetView> {
    const metas = await this.files(ns, project, d.name).list();
    return { ...d, files: metas.map((m) => m.hash) };
  }

  async list(ns: string, project: string, includeDetails: boolean): Promise<(DatasetView & { details?: DatasetDetails })[]> {
    const config = await this.projects.loadConfig(ns, project);
    return Promise.all(
      (config.datasets ?? []).map(async (d) => {
        const metas = await this.files(ns, project, d.name).list();
        const out: DatasetView & { details?: DatasetDetails } = { ...d, files: metas.map((m) => m.hash) };
        if (includeDetails) {
          const db = (config.rag?.databases ?? []).find((x) => x.name === d.database);
          const counts = db && metas.length ? await this.chunkCounts.forFiles(ns, project, db, metas.map((m) => m.hash)) : undefined;
          out.details = {
            total_files: metas.length,
            total_size_bytes: metas.reduce((a, m) => a + m.size, 0),
            file_details: metas.map((m) => ({ hash: m.hash, original_filename: m.original_file_name, size: m.size, timestamp: m.timestamp, mime_type: m.mime_type })),
            files_metadata: metas.map((m) => (counts ? { ...m, chunk_count: counts.get(m.hash) ?? 0 } : m)),
          };
        }
        return out;
      }),
    );
  }

  async strategies(ns: string, project: string): Promise<{ data_processing_strategies: string[]; databases: string[] }> {
    const config = await this.projects.loadConfig(ns, project);
    return {
      data_processing_strategies: (config.rag?.data_processing_strategies ?? []).map((s) => s.name),
      databases: (config.rag?.databases ?? []).map((d) => d.name),
    };
  }

  async create(ns: string, project: string, body: { name: string; data_processing_strategy: string; database: string }): Promise<DatasetView> {
    assertResourceName(body.name, ['body', 'name']);
    let created: DatasetConfig | undefined;
    await this.projects.mutate(ns, project, (config) => {
      if ((config.datasets ?? []).some((d) => d.name === body.name)) throw conflict(`Dataset ${body.name} already exists`);
      const strategies = (config.rag?.data_processing_strategies ?? []).map((s) => s.name);
      if (!strategies.includes(body.data_processing_strategy)) {
        throw badRequest(`data_processing_strategy '${body.data_processing_strategy}' is not one of this project's strategies: ${validNames(strategies, 'rag.data_processing_strategies')}`);
      }
      const databases = (config.rag?.databases ?? []).map((d) => d.name);
      if (!databases.includes(body.database)) throw badRequest(`database '${body.database}' is not one of this project's databases: ${validNames(databases, 'rag.databases')}`);
      created = { name: body.name, data_processing_strategy: body.data_processing_strategy, database: body.database };
      config.datasets = [...(config.datasets ?? []), created];
    });
    return this.view(ns, project, created!);
  }

  /** Cancels the dataset's tasks, removes its chunks and files, then its config entry. */
  async delete(ns: string, project: string, name: string): Promise<DatasetView> {
    const { config, dataset } = await this.requireDataset(ns, project, name);
    const before = await this.view(ns, project, dataset);
    await this.queue.cancelWhere({ namespace: ns, project, dataset: name }, `cancelled: dataset ${name} was deleted`);
    const db = (config.rag?.databases ?? []).find((d) => d.name === dataset.database);
    // As for one file: a store that is down fails the deletion rather than orphaning the dataset's chunks.
    if (db && storeTypeOpens(db.type)) {
      const store = await this.resources.store(ns, project, db);
      const holders = await otherHolders(this.layout, ns, project, config, db.name, name, before.files);
      await removeDatasetRows(store, name, [...holders].filter(([, others]) => others.length > 0).map(([hash]) => hash));
    }
    await this.files(ns, project, name).removeAll();
    await this.projects.mutate(ns, project, (c) => {
      c.datasets = (c.datasets ?? []).filter((d) => d.name !== name);
    });
    return before;
  }

  /**
   * Stores an upload. A 0-byte file is refused (422: nothing to index). The same bytes again answer `skipped`
   * under the name they were sent with; `duplicate_of` names the file already holding them when it differs.
   */
  async upload(
    ns: string,
    project: string,
    dataset: string,
    file: { stream: Readable; filename: string; mimeType?: string },
  ): Promise<{ filename: string; hash: string; processed: boolean; skipped: boolean; size: number; duplicate_of?: string }> {
    await this.requireDataset(ns, project, dataset);
    const files = this.files(ns, project, dataset);
    const { meta, skipped } = await files.save(file.stream, file.filename, file.mimeType, this.maxUploadBytes);
    if (meta.size === 0) {
      if (!skipped) await files.remove(meta.hash);
      throw unprocessable([{ loc: ['body', 'file'], msg: `The file ${safeBasename(file.filename)} is empty (0 bytes): there is nothing to index`, type: 'value_error' }]);
    }
    const sent = safeBasename(file.filename);
    const duplicateOf = skipped && sent !== meta.original_file_name ? { duplicate_of: meta.original_file_name } : {};
    return { filename: sent, hash: meta.hash, processed: false, skipped, size: meta.size, ...duplicateOf };
  }

  /**
   * Removes the file's chunks of this dataset (before answering) and the file from the dataset; its bytes too when
   * asked. Another dataset on the same database that holds the same file keeps its chunks (decision 0120).
   */
  async removeFile(ns: string, project: string, dataset: string, hash: string, removeFromDisk: boolean): Promise<{ file_hash: string; deleted_chunks: number; removed_from_disk: boolean }> {
    const { config, dataset: ds } = await this.requireDataset(ns, project, dataset);
    const files = this.files(ns, project, dataset);
    // All or nothing: the file is set aside first (fails on a read-only folder before anything changed), its
    // chunks are deleted, then the removal is committed; a store that fails for a storage reason undoes it.
    const removal = await files.beginRemove(hash, { keepBytes: !removeFromDisk });
    if (!removal) throw notFound(`File ${hash} not found`);
    let deleted = 0;
    const db = (config.rag?.databases ?? []).find((d) => d.name === ds.database);
    // A store that is down fails the removal (503) and the file stays registered, so a retry removes its chunks
    // instead of orphaning them; only a store type this build cannot open holds nothing of ours.
    if (db && storeTypeOpens(db.type)) {
      try {
        const holders = await otherHolders(this.layout, ns, project, config, db.name, dataset, [hash]);
        deleted = await removeFileRows(await this.resources.store(ns, project, db), hash, dataset, (holders.get(hash) ?? []).length > 0);
      } catch (e) {
        // Nothing is half-deleted: the file is put back before the error answers.
        await removal.rollback();
        if (storageCause(e)) throw asStorageError(e, "delete the file's chunks");
        throw e;
      }
    }
    await removal.commit();
    await new FileStateStore(this.layout.datasetDir(ns, project, dataset)).remove(hash);
    return { file_hash: hash, deleted_chunks: deleted, removed_from_disk: removeFromDisk };
  }

  /** One dataset with each file's processing state. */
  async detail(ns: string, project: string, name: string): Promise<DatasetView & { file_hashes: string[]; files: DatasetFileView[]; total_files: number; total_size_bytes: number }> {
    const { dataset } = await this.requireDataset(ns, project, name);
    const files = await datasetFileViews(this.layout.datasetDir(ns, project, name), this.queue);
    return {
      ...dataset,
      files,
      file_hashes: files.map((f) => f.hash),
      total_files: files.length,
      total_size_bytes: files.reduce((a, f) => a + f.size, 0),
    } as DatasetView & { file_hashes: string[]; files: DatasetFileView[]; total_files: number; total_size_bytes: number };
  }

  /** The dataset's database store, or undefined when it has none configured or it cannot be opened. */
  async storeOf(ns: string, project: string, name: string): Promise<VectorStore | undefined> {
    const { config, dataset } = await this.requireDataset(ns, project, name);
    const db = (config.rag?.databases ?? []).find((d) => d.name === dataset.database);
    if (!db) return undefined;
    return this.resources.store(ns, project, db).catch(() => undefined);
  }

  async deleteFileChunks(ns: string, project: string, dataset: string, hash: string): Promise<number> {
    await this.requireDataset(ns, project, dataset);
    if (!(await this.files(ns, project, dataset).get(hash))) throw notFound(`File ${hash} not found`);
    return deleteFileChunks(await this.storeOf(ns, project, dataset), this.layout.datasetDir(ns, project, dataset), dataset, hash);
  }

  async deleteDatasetChunks(ns: string, project: string, dataset: string): Promise<number> {
    await this.requireDataset(ns, project, dataset);
    return deleteDatasetChunks(await this.storeOf(ns, project, dataset), this.layout.datasetDir(ns, project, dataset), dataset);
  }

  /** Queues processing of every file of the dataset (or of `only` those files). */
  async process(ns: string, project: string, dataset: string, only?: string[]): Promise<string> {
    await this.requireDataset(ns, project, dataset);
    let files = await this.files(ns, project, dataset).list();
    if (only) {
      const missing = only.filter((h) => !files.some((f) => f.hash === h));
      if (missing.length) throw notFound(`File ${missing[0]} not found`);
      files = files.filter((f) => only.includes(f.hash));
    }
    const scope = { namespace: ns, project, dataset };
    if (files.length === 0) {
      return this.queue.recordFinished(INGEST_DATASET, scope, 'SUCCESS', {
        message: 'Dataset processed successfully',
        processed_files: 0,
        skipped_files: 0,
        failed_files: 0,
        stored_count: 0,
        skipped_count: 0,
        details: [],
        files: [],
      });
    }
    return this.queue.enqueue(INGEST_DATASET, only ? { dataset, file_hashes: files.map((f) => f.hash) } : { dataset }, scope);
  }
}
