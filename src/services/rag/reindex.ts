/**
 * Re-indexing a database when its embedder changed (`POST .../rag/databases/{db}/reindex`, task
 * `reindex_database`): every stored chunk is re-embedded with the database's configured embedder into a new
 * store beside the old one (`<store>.reindex`); queries keep answering from the old vectors until the new store
 * is complete, then the two are switched.
 *
 * Crash safety: the new store is marked complete (`<store>.reindex.complete`) before the switch, and the switch
 * is two renames (old → `<store>.old`, new → `<store>`). `finishInterruptedSwitch` (run before a store is
 * opened, and at the start of each run) completes a switch a crash cut short; an unmarked `.reindex` is a run
 * that never finished and is thrown away, so the task can simply run again.
 */
import { rm, writeFile } from 'node:fs/promises';
import { finishInterruptedSwitch, reindexPaths } from './reindex-switch.js';
import type { Logger } from 'pino';
import type { ProjectsService } from '../projects.js';
import type { DataLayout } from '../../storage/layout.js';
import type { RagResources } from './resources.js';
import type { DatabaseConfig } from '../../config/schema.js';
import type { StoredChunk, StoredRow } from '../../adapters/stores/types.js';
import { createStore } from '../../adapters/stores/registry.js';
import { TaskFailure, type TaskHandler, type TaskQueue } from '../../adapters/queues/types.js';
import { badRequest, errorMessage, notFound } from '../../core/errors.js';
import { embedderIdentity, embeddingStrategyOf } from './resources.js';

export const REINDEX_DATABASE = 'reindex_database';
const EMBED_BATCH = 64;

/** Stores whose rows can be listed (LanceDB) can be re-indexed. */
const REINDEXABLE = new Set(['LanceDBStore']);

export async function startReindex(ctx: { projects: ProjectsService; queue: TaskQueue }, ns: string, project: string, database: string): Promise<string> {
  const config = await ctx.projects.loadConfig(ns, project);
  const db = (config.rag?.databases ?? []).find((d) => d.name === database);
  if (!db) throw notFound(`Database '${database}' not found`);
  if (!REINDEXABLE.has(db.type)) throw badRequest(`Re-index works on ${[...REINDEXABLE].join(', ')} databases; '${database}' is a ${db.type}: delete its data and process its datasets again`);
  if (!embeddingStrategyOf(db)) throw badRequest(`Database '${database}' has no embedding strategy`);
  return ctx.queue.enqueue(REINDEX_DATABASE, { database }, { namespace: ns, project });
}

export function reindexHandler(deps: { projects: ProjectsService; layout: DataLayout; resources: RagResources; log: Logger }): TaskHandler {
  return async ({ payload, scope, signal, progress }) => {
    const { namespace, project } = scope;
    const database = String(payload.database);
    const config = await deps.projects.loadConfig(namespace, project);
    const db = (config.rag?.databases ?? []).find((d) => d.name === database);
    if (!db) throw new TaskFailure(`Database '${database}' not found`);
    const storeDir = deps.layout.storeDir(namespace, project, database);
    const paths = reindexPaths(storeDir);
    // A previous run that crashed: finish its switch, or start over.
    await finishInterruptedSwitch(storeDir, true);

    const strategy = embeddingStrategyOf(db);
    if (!strategy) throw new TaskFailure(`Database '${database}' has no embedding strategy`);
    const embedder = deps.resources.embedder(db);
    const old = await deps.resources.store(namespace, project, db);
    if (!old.readRows) throw new TaskFailure(`Database '${database}' (${db.type}) cannot list its rows, so it cannot be re-indexed`);
    const total = await old.count();
    const report = (done: number, stage: string, force = false) =>
      progress({ stage, current: done, total, progress: total ? Math.floor((100 * done) / total) : 100, message: `${stage}: ${done}/${total} chunks`, database }, force);
    report(0, 'embed', true);

    const target = await createStore(db.type, { dir: paths.building, database, config: db.config ?? {} });
    let done = 0;
    try {
      let batch: StoredRow[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        signal.throwIfAborted();
        let vectors: Float32Array[];
        try {
          vectors = await embedder.embed(batch.map((r) => r.text), { signal });
        } catch (e) {
          if (signal.aborted) throw e;
          throw new TaskFailure(`Re-index of '${database}' stopped: the embedder ${strategy.type} failed (${errorMessage(e)}). The old vectors still answer queries; run the re-index again once the embedder works.`);
        }
        if (done === 0 && target.setEmbedder && vectors[0]) await target.setEmbedder(embedderIdentity({ type: strategy.type, model: embedder.model }), vectors[0].length);
        const rows: StoredChunk[] = batch.map((r, i) => ({ id: r.id, text: r.text, metadata: r.metadata, vector: vectors[i] }));
        await target.upsert(rows);
        done += batch.length;
        batch = [];
        report(done, 'embed');
      };
      for await (const row of old.readRows()) {
        batch.push(row);
        if (batch.length >= EMBED_BATCH) await flush();
      }
      await flush();
      signal.throwIfAborted();
      await target.close();
    } catch (e) {
      await target.close().catch(() => undefined);
      await rm(paths.building, { recursive: true, force: true });
      throw e;
    }
    // Complete: mark it, then switch (the old store is closed first so nothing writes to it meanwhile).
    report(done, 'switch', true);
    await writeFile(paths.complete, new Date().toISOString());
    await deps.resources.evict(namespace, project, database);
    await finishInterruptedSwitch(storeDir);
    deps.log.info({ database, chunks: done }, 're-index complete: the database now answers from the new vectors');
    return { database, reindexed_chunks: done, embedder: embedderIdentity({ type: strategy.type, model: embedder.model }), message: `Re-indexed ${done} chunks of '${database}'` };
  };
}

export type { DatabaseConfig };
