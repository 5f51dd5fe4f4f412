/**
 * `/rag/health` (original §3.6, decision 0001): four timed checks of one database — `database_config`,
 * `database_connectivity` (the store opens and describes itself), `database_performance` (a test search) and
 * `embedder` (a test embedding, plus the embedder guard of decision 0005). Overall = the worst component.
 * Failures never become errors: they become component statuses and `issues` written so a user can act on them.
 */
import type { DatabaseConfig, ProjectConfig } from '../../config/schema.js';
import type { Embedder } from '../../adapters/embedders/types.js';
import type { VectorStore } from '../../adapters/stores/types.js';
import { embeddingStrategyOf, type RagResources } from './resources.js';
import { resolveDatabase } from './databases.js';
import { errorMessage, LfError } from '../../core/errors.js';
import { worst, type HealthStatus } from '../health.js';

export interface RagComponentHealth {
  name: string;
  status: HealthStatus;
  /** Milliseconds. */
  latency: number;
  message: string;
}

export interface RagHealthReport {
  status: HealthStatus;
  database?: string;
  components: Record<string, RagComponentHealth>;
  /** ISO-8601 UTC. */
  last_check: string;
  /** What is wrong, in words a user can act on; null when nothing is. */
  issues: string[] | null;
}

export interface RagHealthDeps {
  resources: RagResources;
  embedderOf(db: DatabaseConfig): Embedder;
  /** The retrieval strategy queries would run by default: its name, or why none can run. */
  defaultStrategy(db: DatabaseConfig): { used: string; type: string };
  /** Bound on each check (default 15 s). */
  timeoutMs?: number;
}

/** Test searches slower than this are `degraded` ("slow"), and slower than VERY_SLOW_MS "very slow". */
export const SLOW_MS = 1000;
export const VERY_SLOW_MS = 5000;

type Outcome = { status: HealthStatus; message: string };

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

async function timed(name: string, timeoutMs: number, fn: () => Promise<Outcome>): Promise<RagComponentHealth> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<Outcome>((resolve) => {
      timer = setTimeout(() => resolve({ status: 'unhealthy', message: `${name} check did not answer within ${timeoutMs / 1000} s` }), timeoutMs);
    });
    const out = await Promise.race([fn(), timeout]);
    return { name, ...out, latency: round(performance.now() - t0) };
  } catch (e) {
    return { name, status: 'unhealthy', message: errorMessage(e), latency: round(performance.now() - t0) };
  } finally {
    clearTimeout(timer);
  }
}

function report(components: RagComponentHealth[], database?: string): RagHealthReport {
  const issues = components.filter((c) => c.status !== 'healthy').map((c) => c.message);
  return {
    status: worst(components.map((c) => c.status)),
    ...(database ? { database } : {}),
    components: Object.fromEntries(components.map((c) => [c.name, c])),
    last_check: new Date().toISOString(),
    issues: issues.length ? issues : null,
  };
}

/** Checks one database. A named database that does not exist is a 404; every other problem is reported. */
export async function checkRagHealth(deps: RagHealthDeps, ns: string, project: string, config: ProjectConfig, database?: string | null): Promise<RagHealthReport> {
  let db: DatabaseConfig;
  try {
    db = resolveDatabase(config, database);
  } catch (e) {
    if (e instanceof LfError && e.kind === 'not_found') throw e;
    const message = config.rag
      ? 'The project has no RAG database: create one (POST /v1/projects/{namespace}/{project}/rag/databases) before querying.'
      : 'RAG is not configured for this project: add a `rag` section with at least one database to llamafarm.yaml (the `rag` template has one).';
    return report([{ name: 'database_config', status: 'unhealthy', latency: 0, message }]);
  }
  const timeoutMs = deps.timeoutMs ?? 15_000;
  const components: RagComponentHealth[] = [];

  components.push(
    await timed('database_config', timeoutMs, async () => {
      const strategy = embeddingStrategyOf(db);
      if (!strategy) return { status: 'unhealthy', message: `Database '${db.name}' has no embedding strategy: add one to its embedding_strategies.` };
      const retrieval = deps.defaultStrategy(db);
      return { status: 'healthy', message: `Database '${db.name}' (${db.type}) is configured: embedder ${strategy.type}, default retrieval strategy ${retrieval.used} (${retrieval.type}).` };
    }),
  );

  let store: VectorStore | undefined;
  let rows = 0;
  components.push(
    await timed('database_connectivity', timeoutMs, async () => {
      try {
        store = await deps.resources.store(ns, project, db);
        const d = await store.describe();
        rows = d.rows;
        const index = d.indexes ? `, indexes ${d.indexes.vector}/${d.indexes.fullText}` : '';
        return { status: 'healthy', message: `${d.type ?? db.type} is reachable: ${d.rows} chunk(s)${d.dimension ? `, dimension ${d.dimension}` : ''}${d.embedder ? `, built with ${d.embedder}` : ''}${index}.` };
      } catch (e) {
        store = undefined;
        return { status: 'unhealthy', message: `Cannot open the ${db.type} store of database '${db.name}': ${errorMessage(e)}` };
      }
    }),
  );

  let probe: Float32Array | undefined;
  const embedderHealth = await timed('embedder', timeoutMs, async () => {
    const strategy = embeddingStrategyOf(db);
    if (!strategy) return { status: 'unhealthy', message: `Database '${db.name}' has no embedder to test: add an embedding strategy.` };
    let embedder: Embedder;
    try {
      embedder = deps.embedderOf(db);
    } catch (e) {
      return { status: 'unhealthy', message: `The ${strategy.type} embedder cannot be created: ${errorMessage(e)}. Fix its config in the database's embedding_strategies.` };
    }
    try {
      [probe] = await embedder.embed(['test']);
    } catch (e) {
      return { status: 'unhealthy', message: `Embedder ${strategy.type} (${embedder.model}) failed a test embedding: ${errorMessage(e)}. Check that its model server is running and reachable.` };
    }
    if (store) {
      try {
        await deps.resources.guardEmbedder(store, db, { type: strategy.type, model: embedder.model, dimension: probe?.length ?? embedder.dimension }, false);
      } catch (e) {
        return { status: 'unhealthy', message: errorMessage(e) };
      }
    }
    return { status: 'healthy', message: `${strategy.type} (${embedder.model}) embeds: ${probe?.length ?? 0} dimensions.` };
  });

  components.push(
    await timed('database_performance', timeoutMs, async () => {
      if (!store) return { status: 'unhealthy', message: 'Test search skipped: the store is not reachable (see database_connectivity).' };
      const t0 = performance.now();
      let how = 'vector';
      try {
        if (probe && embedderHealth.status === 'healthy') await store.search({ vector: probe, topK: 1 });
        else {
          how = 'full-text';
          await store.search({ text: 'test', topK: 1 });
        }
      } catch (e) {
        return { status: 'unhealthy', message: `A test ${how} search failed: ${errorMessage(e)}` };
      }
      const ms = performance.now() - t0;
      const empty = rows === 0 ? ` The database holds no chunks yet: upload files to a dataset that uses '${db.name}' and process it.` : '';
      if (ms < SLOW_MS) return { status: 'healthy', message: `A test ${how} search answered in ${Math.round(ms)} ms.${empty}` };
      return {
        status: 'degraded',
        message: `A test ${how} search took ${Math.round(ms)} ms (${ms < VERY_SLOW_MS ? 'slow' : 'very slow'}): the machine may be busy, or the database needs its index (it builds one by itself past a size).${empty}`,
      };
    }),
  );
  components.push(embedderHealth);
  return report(components, db.name);
}
