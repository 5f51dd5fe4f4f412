/**
 * Datasets (behavior.md §3.4, decisions A1, A8, A9): config entries plus each dataset's file store. Processing
 * is queued as an `ingest_dataset` task. Deleting a dataset cancels its tasks and removes its files and chunks.
 */
import type { Readable } from 'node:stream';
import type { ProjectsService } from './projects.js';
import type { DataLayout } from '../storage/layout.js';
import type { TaskQueue } from '../adapters/queues/types.js';
import type { RagResources } from './rag/resources.js';
import type { DatasetConfig, ProjectConfig } from '../config/schema.js';
import { DatasetFileStore, type FileMeta } from '../storage/dataset-files.js';
import { badRequest, conflict, notFound } from '../core/errors.js';
import { assertResourceName } from '../core/names.js';
import { INGEST_DATASET } from './ingest/ingest-dataset.js';
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
  files_metadata: FileMeta[];
}

export class DatasetsService {
  constructor(
    private readonly projects: ProjectsService,
    private readonly layout: DataLayout,
    private readonly queue: TaskQueue,
    private readonly resources: RagResources,
    private readonly maxUploadBytes: number,
  ) {}

  files(ns: string, project: string, dataset: string): DatasetFileStore {
    return new DatasetFileStore(this.layout.datasetDir(ns, project, dataset));
  }

  private async requireDataset(ns: string, project: string, name: string): Promise<{ config: ProjectConfig; dataset: DatasetConfig }> {
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
          out.details = {
            total_files: metas.length,
            total_size_bytes: metas.reduce((a, m) => a + m.size, 0),
            file_details: metas.map((m) => ({ hash: m.hash, original_filename: m.original_file_name, size: m.size, timestamp: m.timestamp, mime_type: m.mime_type })),
            files_metadata: metas,
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
      if (!(config.rag?.data_processing_strategies ?? []).some((s) => s.name === body.data_processing_strategy)) {
        throw badRequest(`RAG data processing strategy ${body.data_processing_strategy} not supported`);
      }
      if (!(config.rag?.databases ?? []).some((d) => d.name === body.database)) throw badRequest(`RAG database ${body.database} not supported`);
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
    if (db && storeTypeOpens(db.type)) await (await this.resources.store(ns, project, db)).deleteWhere({ dataset: name });
    await this.files(ns, project, name).removeAll();
    await this.projects.mutate(ns, project, (c) => {
      c.datasets = (c.datasets ?? []).filter((d) => d.name !== name);
    });
    return before;
  }

  async upload(ns: string, project: string, dataset: string, file: { stream: Readable; filename: string; mimeType?: string }): Promise<{ filename: string; hash: string; processed: boolean; skipped: boolean; size: number }> {
    await this.requireDataset(ns, project, dataset);
    const { meta, skipped } = await this.files(ns, project, dataset).save(file.stream, file.filename, file.mimeType, this.maxUploadBytes);
    return { filename: meta.original_file_name, hash: meta.hash, processed: false, skipped, size: meta.size };
  }

  /** Removes the file's chunks (before answering) and the file from the dataset; its bytes too when asked. */
  async removeFile(ns: string, project: string, dataset: string, hash: string, removeFromDisk: boolean): Promise<{ file_hash: string; deleted_chunks: number; removed_from_disk: boolean }> {
    const { config, dataset: ds } = await this.requireDataset(ns, project, dataset);
    const files = this.files(ns, project, dataset);
    if (!(await files.get(hash))) throw notFound(`File ${hash} not found`);
    let deleted = 0;
    const db = (config.rag?.databases ?? []).find((d) => d.name === ds.database);
    // A store that is down fails the removal (503) and the file stays registered, so a retry removes its chunks
    // instead of orphaning them; only a store type this build cannot open holds nothing of ours.
    if (db && storeTypeOpens(db.type)) {
      deleted = await (await this.resources.store(ns, project, db)).deleteWhere({ file_hash: hash, dataset });
    }
    await files.remove(hash, { keepBytes: !removeFromDisk });
    return { file_hash: hash, deleted_chunks: deleted, removed_from_disk: removeFromDisk };
  }

  /** Queues processing of every file of the dataset. */
  async process(ns: string, project: string, dataset: string): Promise<string> {
    await this.requireDataset(ns, project, dataset);
    const files = await this.files(ns, project, dataset).list();
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
      });
    }
    return this.queue.enqueue(INGEST_DATASET, { dataset }, scope);
  }
}
