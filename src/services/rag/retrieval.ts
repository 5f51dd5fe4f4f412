/**
 * The search path (original §4.6; decisions 0005, 0006) used by `/rag/query`, chat RAG and health:
 * config → database (named, else `rag.default_database`, else the first) → retrieval strategy (by name, else a
 * configured or known type, else the database default; `strategyUsed` names what ran) → embedder guard (a
 * database answers only with the embedder it was built with) → strategy over the store (the request's metadata
 * filter applied in the store) → `score >= scoreThreshold` → at most `topK` → optional `maxTokens` budget.
 */
import type { ProjectsService } from '../projects.js';
import { embeddingStrategyOf, type RagResources } from './resources.js';
import { defaultRetrievalStrategy, resolveDatabase } from './databases.js';
import type { DatabaseConfig, ProjectConfig } from '../../config/schema.js';
import { configuredModels } from '../../config/models.js';
import { parseFilter } from '../../adapters/stores/filter.js';
import { StoreError, type Hit, type MetadataFilter } from '../../adapters/stores/types.js';
import { EmbedderError, type Embedder } from '../../adapters/embedders/types.js';
import { createRetrievalStrategy, StrategyUnavailableError } from '../../adapters/retrievers/registry.js';
import { createReranker, UniversalRerankerPool } from '../../adapters/retrievers/rerankers/index.js';
import { RerankerUnavailableError, StrategyConfigError, type Reranker, type RetrievalContext, type RetrievalHints, type RetrievalStrategy } from '../../adapters/retrievers/types.js';
import { badRequest, errorMessage, LfError, unavailable, unprocessable, upstreamError } from '../../core/errors.js';
import { AdapterError, adapterToLfError } from '../../core/adapter-error.js';
import { checkRagHealth, type RagHealthReport } from './rag-health.js';

export interface SearchOptions {
  query: string;
  database?: string | null;
  /** A strategy name of the database (or a strategy type); unknown → the database default. */
  retrievalStrategy?: string | null;
  topK: number;
  scoreThreshold?: number | null;
  metadataFilters?: MetadataFilter | null;
  hints?: RetrievalHints;
  /** Query rewrites for MultiQueryStrategy (overrides the service's `variationGenerator`). */
  generateVariations?: (query: string, n: number) => Promise<string[]>;
  signal?: AbortSignal;
}

export interface SearchResult {
  content: string;
  /** In [0, 1], higher is better. */
  score: number;
  metadata: Record<string, unknown>;
  chunk_id: string;
  /** `metadata.document_id` when the chunk has one, else the source file's hash. */
  document_id?: string;
}

export interface SearchOutcome {
  results: SearchResult[];
  /** The strategy that ran: its configured name, or its type when none is configured. */
  strategyUsed: string;
  databaseUsed: string;
}

/** Provides model-made query variations for a project, when it has a model that can make them. */
export type VariationGenerator = (ns: string, project: string, config: ProjectConfig) => ((query: string, n: number) => Promise<string[]>) | undefined;

export interface RetrievalServiceOptions {
  /** universal rerankers: configured model name → local GGUF path. */
  resolveModelPath?: (name: string) => Promise<string>;
  variationGenerator?: VariationGenerator;
  env?: Record<string, string | undefined>;
}

interface ChosenStrategy {
  strategy: RetrievalStrategy;
  used: string;
}

/** Rough token count used for the `max_tokens` budget (about 4 characters per token). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function strategyConfigError(name: string, e: StrategyConfigError): LfError {
  return badRequest(`Retrieval strategy '${name}' has an invalid config: ${e.message}`);
}

/**
 * The strategy to run for a request: the configured strategy with that name, else the first configured one of
 * that type, else that type with its defaults; unknown or unavailable → the database default → plain
 * BasicSimilarityStrategy.
 */
export function chooseStrategy(db: DatabaseConfig, requested?: string | null): ChosenStrategy {
  const configured = db.retrieval_strategies ?? [];
  const candidates: { type: string; config: Record<string, unknown>; used: string }[] = [];
  if (requested) {
    const byName = configured.find((s) => s.name === requested) ?? configured.find((s) => s.type === requested);
    candidates.push(byName ? { type: byName.type, config: byName.config ?? {}, used: byName.name } : { type: requested, config: {}, used: requested });
  }
  const def = defaultRetrievalStrategy(db);
  if (def) candidates.push({ type: def.type, config: def.config ?? {}, used: def.name });
  candidates.push({ type: 'BasicSimilarityStrategy', config: {}, used: 'BasicSimilarityStrategy' });
  for (const c of candidates) {
    try {
      return { strategy: createRetrievalStrategy(c.type, c.config), used: c.used };
    } catch (e) {
      if (e instanceof StrategyConfigError) throw strategyConfigError(c.used, e);
      if (!(e instanceof StrategyUnavailableError)) throw e;
    }
  }
  throw new LfError('internal', 'BasicSimilarityStrategy is not available');
}

/** Turns adapter errors into the registry's errors (decision 0002). */
export function searchError(e: unknown, db: DatabaseConfig): unknown {
  if (e instanceof LfError) return e;
  if (e instanceof EmbedderError && e.kind === 'upstream') return upstreamError(`Embedder for database '${db.name}' failed${e.upstream ? ` (${e.upstream})` : ''}: ${e.message}`, e);
  if (e instanceof StrategyConfigError) return badRequest(`Invalid retrieval strategy config: ${e.message}`);
  if (e instanceof StoreError) {
    switch (e.code) {
      case 'invalid_filter':
        return unprocessable([{ loc: ['body', 'metadata_filters'], msg: e.message, type: 'value_error' }]);
      case 'invalid_vector':
        return unprocessable([{ loc: ['body', 'query'], msg: `The query has nothing the embedder can represent (${e.message})`, type: 'value_error' }]);
      case 'dimension_mismatch':
      case 'embedder_mismatch':
        return badRequest(`Database '${db.name}': ${e.message} Re-index: DELETE .../rag/databases/${db.name}?delete_collection=true, re-create it, and process its datasets again.`);
      case 'unavailable':
        return unavailable(`Vector store for database '${db.name}' is unavailable: ${e.message}`, e);
    }
  }
  if (e instanceof AdapterError) return adapterToLfError(e);
  return new LfError('internal', `Query failed: ${errorMessage(e)}`, { cause: e });
}

function toResult(hit: Hit): SearchResult {
  const docId = hit.metadata.document_id ?? hit.metadata.file_hash;
  return {
    content: hit.text,
    score: hit.score,
    metadata: hit.metadata,
    chunk_id: hit.id,
    ...(typeof docId === 'string' || typeof docId === 'number' ? { document_id: String(docId) } : {}),
  };
}

/** Keeps whole results, best first, while their estimated tokens fit in `maxTokens` (the first always stays). */
function withinTokenBudget(results: SearchResult[], maxTokens: number | undefined): SearchResult[] {
  if (!maxTokens) return results;
  let used = 0;
  return results.filter((r, i) => {
    used += estimateTokens(r.content);
    return i === 0 || used <= maxTokens;
  });
}

export class RetrievalService {
  readonly rerankers: UniversalRerankerPool;
  /** Set by whoever owns chat models, so MultiQueryStrategy can ask the project's model for variations. */
  variationGenerator?: VariationGenerator;

  constructor(
    private readonly projects: ProjectsService,
    private readonly resources: RagResources,
    private readonly opts: RetrievalServiceOptions = {},
  ) {
    this.rerankers = new UniversalRerankerPool({ resolveModelPath: opts.resolveModelPath });
    this.variationGenerator = opts.variationGenerator;
  }

  /** The embedder of a database; a config the embedder cannot use is a 400 naming it. */
  embedderOf(db: DatabaseConfig): Embedder {
    try {
      return this.resources.embedder(db);
    } catch (e) {
      if (e instanceof LfError) throw e;
      throw badRequest(`Database '${db.name}': cannot create its embedder: ${errorMessage(e)}`);
    }
  }

  private rerankerResolver(config: ProjectConfig): (name: string) => Reranker {
    return (name) => {
      const models = configuredModels(config);
      const model = models.find((m) => m.name === name);
      if (!model) {
        throw new RerankerUnavailableError(`model '${name}' is not in runtime.models (available: ${models.map((m) => m.name).join(', ') || 'none'})`);
      }
      return createReranker(model, { universal: this.rerankers, env: this.opts.env });
    };
  }

  async search(ns: string, project: string, o: SearchOptions): Promise<SearchOutcome> {
    const config = await this.projects.loadConfig(ns, project);
    return this.searchConfig(ns, project, config, o);
  }

  /** The same search with a config the caller already loaded (chat). */
  async searchConfig(ns: string, project: string, config: ProjectConfig, o: SearchOptions): Promise<SearchOutcome> {
    const db = resolveDatabase(config, o.database);
    const filter = o.metadataFilters ?? undefined;
    try {
      parseFilter(filter);
    } catch (e) {
      throw searchError(e, db);
    }
    const { strategy, used } = chooseStrategy(db, o.retrievalStrategy);
    const embedder = this.embedderOf(db);
    let hits: Hit[];
    try {
      const store = await this.resources.store(ns, project, db);
      const embeddingType = embeddingStrategyOf(db)?.type ?? embedder.type;
      await this.resources.guardEmbedder(store, db, { type: embeddingType, model: embedder.model, dimension: embedder.dimension }, false);
      const vectors = new Map<string, Promise<Float32Array>>();
      const ctx: RetrievalContext = {
        store,
        query: o.query,
        topK: o.topK,
        ...(filter && Object.keys(filter).length ? { filter } : {}),
        hints: o.hints ?? {},
        embed: (texts) =>
          Promise.all(
            texts.map((t) => {
              let v = vectors.get(t);
              if (!v) {
                v = embedder.embed([t], { signal: o.signal }).then((out) => {
                  if (!out[0]) throw new EmbedderError(`${embedder.type} returned no vector for the query`);
                  return out[0];
                });
                vectors.set(t, v);
              }
              return v;
            }),
          ),
        generateVariations: o.generateVariations ?? this.variationGenerator?.(ns, project, config),
        reranker: this.rerankerResolver(config),
        ...(o.signal ? { signal: o.signal } : {}),
      };
      hits = await strategy.retrieve(ctx);
    } catch (e) {
      throw searchError(e, db);
    }
    const threshold = o.scoreThreshold ?? undefined;
    const kept = (threshold === undefined ? hits : hits.filter((h) => h.score >= threshold)).slice(0, o.topK);
    return { results: withinTokenBudget(kept.map(toResult), o.hints?.maxTokens), strategyUsed: used, databaseUsed: db.name };
  }

  /** `/rag/health` for a database (default as for search); always a report, never an error past 404/422. */
  async health(ns: string, project: string, database?: string | null): Promise<RagHealthReport> {
    const config = await this.projects.loadConfig(ns, project);
    return checkRagHealth(
      {
        resources: this.resources,
        embedderOf: (db) => this.embedderOf(db),
        defaultStrategy: (db) => {
          const { strategy, used } = chooseStrategy(db);
          return { used, type: strategy.type };
        },
      },
      ns,
      project,
      config,
      database,
    );
  }

  async close(): Promise<void> {
    await this.rerankers.close();
  }
}
