/**
 * Opened vector stores and embedders, shared by ingestion, retrieval and health. Stores are cached per
 * project database and closed when the project or database goes away; embedders are cached per config.
 */
import { rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { DataLayout } from '../../storage/layout.js';
import type { DatabaseConfig, EmbeddingStrategyConfig } from '../../config/schema.js';
import type { VectorStore } from '../../adapters/stores/types.js';
import type { Embedder } from '../../adapters/embedders/types.js';
import { createStore } from '../../adapters/stores/registry.js';
import { createEmbedder } from '../../adapters/embedders/registry.js';
import { errorMessage, LfError } from '../../core/errors.js';
import { finishInterruptedSwitch } from './reindex-switch.js';

/** The database's embedding strategy: `default_embedding_strategy` when it names one, else the first. */
export function embeddingStrategyOf(db: DatabaseConfig): EmbeddingStrategyConfig | undefined {
  const list = db.embedding_strategies ?? [];
  return list.find((s) => s.name === db.default_embedding_strategy) ?? list[0];
}

/** How a database remembers its embedder (decision 0005). */
export function embedderIdentity(e: { type: string; model: string }): string {
  return `${e.type}:${e.model}`;
}

export interface RagResourcesOptions {
  resolveModelPath?: (name: string) => Promise<string>;
}

export class RagResources {
  private readonly stores = new Map<string, Promise<VectorStore>>();
  private readonly embedders = new Map<string, Embedder>();

  constructor(
    private readonly layout: DataLayout,
    private readonly log: Logger,
    private readonly opts: RagResourcesOptions = {},
  ) {}

  private key(ns: string, p: string, db: string): string {
    return `${ns}/${p}/${db}`;
  }

  store(ns: string, project: string, db: DatabaseConfig): Promise<VectorStore> {
    const key = this.key(ns, project, db.name);
    let s = this.stores.get(key);
    if (!s) {
      const dir = this.layout.storeDir(ns, project, db.name);
      // A re-index switch cut short by a crash is completed before the store opens (rag/reindex.ts).
      s = finishInterruptedSwitch(dir).then(() => createStore(db.type, { dir, database: db.name, config: db.config ?? {} }));
      this.stores.set(key, s);
      s.catch(() => this.stores.delete(key));
    }
    return s;
  }

  embedder(db: DatabaseConfig): Embedder {
    const strategy = embeddingStrategyOf(db);
    if (!strategy) throw new LfError('bad_request', `Database '${db.name}' has no embedding strategy`);
    const key = JSON.stringify([strategy.type, strategy.config ?? {}]);
    const cached = this.embedders.get(key);
    if (cached) return cached;
    const e = createEmbedder(strategy.type, strategy.config ?? {}, { resolveModelPath: this.opts.resolveModelPath });
    this.embedders.set(key, e);
    return e;
  }

  /**
   * Refuses to mix embedders in one database (decision 0005): the store remembers the embedder it was built with.
   * `record` stores the identity when the store has none yet (first ingest).
   */
  async guardEmbedder(store: VectorStore, db: DatabaseConfig, embedder: { type: string; model: string; dimension: number }, record: boolean): Promise<void> {
    const d = await store.describe();
    const identity = embedderIdentity(embedder);
    if (d.embedder && d.embedder !== identity) {
      throw new LfError(
        'bad_request',
        `Database '${db.name}' was built with embedder ${d.embedder} (dimension ${d.dimension}) but is configured with ${identity}. ` +
          `Re-index it (POST .../rag/databases/${db.name}/reindex, or \`lf rag reindex ${db.name}\`), or switch the embedding strategy back.`,
      );
    }
    if (d.dimension && embedder.dimension && d.dimension !== embedder.dimension && d.rows > 0) {
      throw new LfError('bad_request', `Database '${db.name}' holds ${d.dimension}-dimensional vectors but the embedder produces ${embedder.dimension}. Re-index it to change embedders (POST .../rag/databases/${db.name}/reindex, or \`lf rag reindex ${db.name}\`).`);
    }
    if (record && !d.embedder && store.setEmbedder && embedder.dimension) await store.setEmbedder(identity, embedder.dimension);
  }

  /** Closes and deletes a database's stored data. Returns whether anything was deleted. */
  async dropStore(ns: string, project: string, db: DatabaseConfig): Promise<boolean> {
    const key = this.key(ns, project, db.name);
    let dropped = false;
    try {
      const store = await this.store(ns, project, db);
      const rows = await store.count().catch(() => 0); // only for the answer; the drop below decides
      await store.drop();
      await store.close();
      dropped = rows > 0;
    } catch (e) {
      this.log.warn({ err: (e as Error).message, database: db.name }, 'could not drop the store; removing its folder');
    } finally {
      this.stores.delete(key);
    }
    await rm(this.layout.storeDir(ns, project, db.name), { recursive: true, force: true });
    return dropped;
  }

  /** Closes a database's open store (its data stays) so the next use reopens it with the current config. */
  async evict(ns: string, project: string, database: string): Promise<void> {
    const key = this.key(ns, project, database);
    const s = this.stores.get(key);
    this.stores.delete(key);
    // Best effort: a store that failed to open or close has nothing left to release.
    if (s) await (await s.catch(() => undefined))?.close().catch(() => undefined);
  }

  async closeProject(ns: string, project: string): Promise<void> {
    const prefix = `${ns}/${project}/`;
    for (const [key, s] of [...this.stores]) {
      if (!key.startsWith(prefix)) continue;
      this.stores.delete(key);
      try {
        await (await s).close();
      } catch (e) {
        this.log.debug({ err: errorMessage(e), store: key }, 'store was already broken when closed'); // best effort
      }
    }
  }

  async close(): Promise<void> {
    for (const [key, s] of [...this.stores]) {
      this.stores.delete(key);
      try {
        await (await s).close();
      } catch (e) {
        this.log.debug({ err: errorMessage(e), store: key }, 'store was already broken when closed'); // best effort
      }
    }
    for (const e of this.embedders.values()) await e.close?.().catch(() => undefined); // best effort at shutdown
    this.embedders.clear();
  }
}
