/**
 * What a database holds: `GET .../rag/stats` (documents, chunks, bytes on disk, embedder, dimension, index type,
 * last update) and `GET .../rag/databases/{db}/documents` (one row per source file with its chunk count).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProjectsService } from '../projects.js';
import type { DataLayout } from '../../storage/layout.js';
import type { RagResources } from './resources.js';
import type { DatabaseConfig } from '../../config/schema.js';
import type { VectorStore } from '../../adapters/stores/types.js';
import { notFound } from '../../core/errors.js';
import { embeddingStrategyOf } from './resources.js';

export interface DocumentRow {
  file_hash: string;
  filename: string;
  dataset: string | null;
  chunks: number;
}

export interface RagStats {
  database: string;
  store_type: string;
  documents: number | null;
  chunks: number;
  bytes_on_disk: number;
  embedder: string | null;
  configured_embedder: string | null;
  dimension: number;
  index_type: string;
  last_update: string | null;
}

/** Size and newest modification time of every file under `dir` (0 and null when it does not exist). */
async function diskUsage(dir: string): Promise<{ bytes: number; newest: number | null }> {
  let bytes = 0;
  let newest: number | null = null;
  const walk = async (d: string) => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        const s = await stat(p).catch(() => undefined);
        if (!s) continue;
        bytes += s.size;
        newest = Math.max(newest ?? 0, s.mtimeMs);
      }
    }
  };
  await walk(dir);
  return { bytes, newest };
}

/** One row per (dataset, file) with its chunk count, from the stored rows; undefined when the store cannot list rows. */
export async function documentsOf(store: VectorStore): Promise<DocumentRow[] | undefined> {
  if (!store.readRows) return undefined;
  const byKey = new Map<string, DocumentRow>();
  for await (const r of store.readRows()) {
    const hash = typeof r.metadata.file_hash === 'string' ? r.metadata.file_hash : r.id.split('_')[0];
    const dataset = typeof r.metadata.dataset === 'string' ? r.metadata.dataset : null;
    const key = `${dataset}\u0000${hash}`;
    const row = byKey.get(key);
    if (row) row.chunks++;
    else byKey.set(key, { file_hash: hash, filename: String(r.metadata.source ?? r.metadata.file_name ?? ''), dataset, chunks: 1 });
  }
  return [...byKey.values()].sort((a, b) => a.filename.localeCompare(b.filename) || a.file_hash.localeCompare(b.file_hash));
}

export class RagInspector {
  constructor(private readonly deps: { projects: ProjectsService; layout: DataLayout; resources: RagResources }) {}

  private async database(ns: string, project: string, name: string | undefined): Promise<DatabaseConfig> {
    const config = await this.deps.projects.loadConfig(ns, project);
    const dbs = config.rag?.databases ?? [];
    const wanted = name ?? config.rag?.default_database ?? dbs[0]?.name;
    const db = dbs.find((d) => d.name === wanted);
    if (!db) throw notFound(wanted ? `Database '${wanted}' not found` : 'The project has no RAG database');
    return db;
  }

  async stats(ns: string, project: string, database: string | undefined): Promise<RagStats> {
    const db = await this.database(ns, project, database);
    const store = await this.deps.resources.store(ns, project, db);
    const [d, docs, disk] = await Promise.all([store.describe(), documentsOf(store), diskUsage(this.deps.layout.storeDir(ns, project, db.name))]);
    const strategy = embeddingStrategyOf(db);
    return {
      database: db.name,
      store_type: d.type ?? db.type,
      documents: docs ? docs.length : null,
      chunks: d.rows,
      bytes_on_disk: disk.bytes,
      embedder: d.embedder ?? null,
      configured_embedder: strategy ? strategy.type : null,
      dimension: d.dimension,
      index_type: d.indexes?.vector ?? 'FLAT',
      last_update: disk.newest === null ? null : new Date(disk.newest).toISOString(),
    };
  }

  async documents(ns: string, project: string, database: string, limit: number, offset: number) {
    const db = await this.database(ns, project, database);
    const store = await this.deps.resources.store(ns, project, db);
    const docs = (await documentsOf(store)) ?? [];
    return { database: db.name, total: docs.length, limit, offset, documents: docs.slice(offset, offset + limit) };
  }
}
