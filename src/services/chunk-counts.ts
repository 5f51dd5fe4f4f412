/**
 * Stored chunks per file of a dataset, for the dataset list's `files_metadata[].chunk_count` (the original's
 * clients decide "processed" from it). One count per file against the dataset's database; the counts are kept
 * while the store's data version stays the same, so listing a large dataset again costs no store reads.
 */
import type { DatabaseConfig } from '../config/schema.js';
import type { RagResources } from './rag/resources.js';

interface Cached {
  version: string;
  counts: Map<string, number>;
}

export class ChunkCounts {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly resources: RagResources) {}

  /** hash → stored chunks of that file in `db` (0 when none); undefined when the store cannot be read. */
  async forFiles(ns: string, project: string, db: DatabaseConfig, hashes: string[]): Promise<Map<string, number> | undefined> {
    try {
      const store = await this.resources.store(ns, project, db);
      const key = `${ns}/${project}/${db.name}`;
      const version = store.dataVersion ? await store.dataVersion() : undefined;
      let cached = this.cache.get(key);
      if (!cached || version === undefined || cached.version !== version) {
        cached = { version: version ?? '', counts: new Map() };
        if (version !== undefined) this.cache.set(key, cached);
      }
      for (const hash of hashes) {
        if (!cached.counts.has(hash)) cached.counts.set(hash, await store.count({ file_hash: hash }));
      }
      return new Map(hashes.map((h) => [h, cached.counts.get(h) ?? 0]));
    } catch {
      return undefined;
    }
  }

  /** Forget a project's counts (its stores were dropped or closed). */
  forget(ns: string, project: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(`${ns}/${project}/`)) this.cache.delete(key);
  }
}
