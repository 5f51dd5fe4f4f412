/**
 * RAG databases (original §3.6; decisions 0002, 0004): the `rag.databases` entries of a project's config, with
 * their dependent datasets. Writes go through `ProjectsService.mutate` (locked, validated, atomic). Deleting a
 * database can drop its stored vectors (`delete_collection`); a store never written, or unreachable, still
 * deletes (`collection_deleted: false`).
 */
import type { ProjectsService } from '../projects.js';
import type { RagResources } from './resources.js';
import type { DatabaseConfig, EmbeddingStrategyConfig, ProjectConfig, RagConfig, RetrievalStrategyConfig } from '../../config/schema.js';
import { schemaIssues, summarizeIssues, type ConfigIssue } from '../../config/validate.js';
import { badRequest, conflict, notFound, unprocessable, validNames } from '../../core/errors.js';
import { redactSecrets, restoreSecrets } from '../../config/secrets.js';

export const RAG_NOT_CONFIGURED = 'RAG not configured for this project';

/** The project's `rag` section; 400 when there is none. */
export function requireRag(config: ProjectConfig): RagConfig {
  if (!config.rag) throw badRequest(RAG_NOT_CONFIGURED);
  return config.rag;
}

/** The named database (404 when unknown), else `rag.default_database`, else the first (decision 0006). */
export function resolveDatabase(config: ProjectConfig, name?: string | null): DatabaseConfig {
  const dbs = requireRag(config).databases ?? [];
  if (name) {
    const db = dbs.find((d) => d.name === name);
    if (!db) throw notFound(`Database '${name}' not found. Valid names: ${validNames(dbs.map((d) => d.name), 'rag.databases')}`);
    return db;
  }
  const db = dbs.find((d) => d.name === config.rag?.default_database) ?? dbs[0];
  if (!db) throw badRequest('No database specified and no default available');
  return db;
}

/** `default_embedding_strategy` when it names one, else the first. */
export function defaultEmbeddingName(db: DatabaseConfig): string | undefined {
  const list = db.embedding_strategies ?? [];
  return (list.find((s) => s.name === db.default_embedding_strategy) ?? list[0])?.name;
}

/** `default_retrieval_strategy` when it names one, else the first flagged `default: true`, else the first. */
export function defaultRetrievalStrategy(db: DatabaseConfig): RetrievalStrategyConfig | undefined {
  const list = db.retrieval_strategies ?? [];
  return list.find((s) => s.name === db.default_retrieval_strategy) ?? list.find((s) => s.default === true) ?? list[0];
}

/** Python-style list, as the original's messages show it: ['a', 'b'] */
function pyList(names: string[]): string {
  return `[${names.map((n) => `'${n}'`).join(', ')}]`;
}

export interface DatabaseInfo {
  name: string;
  type: string;
  is_default: boolean;
  embedding_strategies: { name: string; type: string; priority: number; is_default: boolean }[];
  retrieval_strategies: { name: string; type: string; is_default: boolean }[];
}

export interface DatabaseDetail {
  name: string;
  type: string;
  config: Record<string, unknown>;
  embedding_strategies: EmbeddingStrategyConfig[];
  retrieval_strategies: RetrievalStrategyConfig[];
  default_embedding_strategy?: string;
  default_retrieval_strategy?: string;
  dependent_datasets: string[];
}

export interface DatabaseCreate {
  name: string;
  type: string;
  config?: Record<string, unknown>;
  embedding_strategies?: Record<string, unknown>[];
  retrieval_strategies?: Record<string, unknown>[];
  default_embedding_strategy?: string;
  default_retrieval_strategy?: string;
}

/** A PATCH body: each given field replaces the old value (`null` removes it); `name`/`type` are refused. */
export type DatabaseUpdate = { [K in (typeof UPDATABLE)[number]]?: DatabaseCreate[K] | null } & { name?: unknown; type?: unknown };

const UPDATABLE = ['config', 'embedding_strategies', 'retrieval_strategies', 'default_embedding_strategy', 'default_retrieval_strategy'] as const;

function info(db: DatabaseConfig, isDefault: boolean): DatabaseInfo {
  const emb = defaultEmbeddingName(db);
  const ret = defaultRetrievalStrategy(db)?.name;
  return {
    name: db.name,
    type: db.type,
    is_default: isDefault,
    embedding_strategies: (db.embedding_strategies ?? []).map((s) => ({ name: s.name, type: s.type, priority: s.priority ?? 0, is_default: s.name === emb })),
    retrieval_strategies: (db.retrieval_strategies ?? []).map((s) => ({ name: s.name, type: s.type, is_default: s.name === ret })),
  };
}

/** A database as the API shows it: secrets in its store and strategy configs redacted (decision 0111). */
function detail(config: ProjectConfig, db: DatabaseConfig): DatabaseDetail {
  return redactSecrets({
    name: db.name,
    type: db.type,
    config: db.config ?? {},
    embedding_strategies: db.embedding_strategies ?? [],
    retrieval_strategies: db.retrieval_strategies ?? [],
    ...(db.default_embedding_strategy !== undefined ? { default_embedding_strategy: db.default_embedding_strategy } : {}),
    ...(db.default_retrieval_strategy !== undefined ? { default_retrieval_strategy: db.default_retrieval_strategy } : {}),
    dependent_datasets: (config.datasets ?? []).filter((d) => d.database === db.name).map((d) => d.name),
  });
}

/** Schema problems of database `index` in `config`, with paths relative to the database. */
function databaseIssues(config: unknown, index: number): ConfigIssue[] {
  const prefix = `rag.databases[${index}]`;
  return schemaIssues(config)
    .filter((i) => i.path === prefix || i.path.startsWith(`${prefix}.`))
    .map((i) => ({ path: i.path.slice(prefix.length).replace(/^\./, ''), message: i.message }));
}

/** 400 when a default names no strategy of the (updated) lists; the message lists what is available. */
function checkDefaultNames(db: DatabaseConfig): void {
  const emb = (db.embedding_strategies ?? []).map((s) => s.name);
  const ret = (db.retrieval_strategies ?? []).map((s) => s.name);
  if (db.default_embedding_strategy !== undefined && !emb.includes(db.default_embedding_strategy)) {
    throw badRequest(`Embedding strategy '${db.default_embedding_strategy}' not found. Available: ${pyList(emb)}`);
  }
  if (db.default_retrieval_strategy !== undefined && !ret.includes(db.default_retrieval_strategy)) {
    throw badRequest(`Retrieval strategy '${db.default_retrieval_strategy}' not found. Available: ${pyList(ret)}`);
  }
}

export class DatabasesService {
  constructor(
    private readonly projects: ProjectsService,
    private readonly resources: RagResources,
  ) {}

  async list(ns: string, project: string): Promise<{ databases: DatabaseInfo[]; default_database?: string }> {
    const config = await this.projects.loadConfig(ns, project);
    const rag = requireRag(config);
    const dbs = rag.databases ?? [];
    const defaultName = rag.default_database ?? dbs[0]?.name;
    return {
      databases: dbs.map((db) => info(db, db.name === defaultName)),
      ...(rag.default_database !== undefined ? { default_database: rag.default_database } : {}),
    };
  }

  async get(ns: string, project: string, name: string): Promise<DatabaseDetail> {
    const config = await this.projects.loadConfig(ns, project);
    const db = (config.rag?.databases ?? []).find((d) => d.name === name);
    if (!db) throw notFound(`Database '${name}' not found`);
    return detail(config, db);
  }

  /** Adds a database (409 when the name exists; 400 for a bad type, strategy or default name). */
  async create(ns: string, project: string, body: DatabaseCreate): Promise<DatabaseInfo> {
    let created: DatabaseConfig | undefined;
    await this.projects.mutate(ns, project, (config) => {
      const rag = requireRag(config);
      const dbs = rag.databases ?? [];
      if (dbs.some((d) => d.name === body.name)) throw conflict(`Database '${body.name}' already exists`);
      const entry: Record<string, unknown> = { name: body.name, type: body.type };
      for (const key of ['config', ...UPDATABLE.slice(1)] as const) if (body[key] !== undefined) entry[key] = restoreSecrets(body[key], undefined, ['body', key]);
      rag.databases = [...dbs, entry as DatabaseConfig];
      const issues = databaseIssues(config, dbs.length);
      if (issues.length) throw badRequest(`Invalid database configuration: ${summarizeIssues(issues)}`);
      checkDefaultNames(entry as DatabaseConfig);
      created = entry as DatabaseConfig;
    });
    return info(created!, false);
  }

  /** Replaces each given field; `name` and `type` cannot change (422). */
  async update(ns: string, project: string, name: string, body: DatabaseUpdate): Promise<DatabaseDetail> {
    const immutable = (['name', 'type'] as const).filter((k) => body[k] !== undefined);
    if (immutable.length) {
      throw unprocessable(immutable.map((k) => ({ loc: ['body', k], msg: `A database's ${k} cannot be changed (create a new database instead)`, type: 'immutable_field' })));
    }
    let updated: ProjectConfig | undefined;
    await this.projects.mutate(ns, project, (config) => {
      const dbs = requireRag(config).databases ?? [];
      const index = dbs.findIndex((d) => d.name === name);
      if (index < 0) throw notFound(`Database '${name}' not found`);
      const db = dbs[index] as Record<string, unknown>;
      for (const key of UPDATABLE) {
        if (body[key] === null) delete db[key];
        // Placeholders sent back (GET → PATCH) keep the stored secrets.
        else if (body[key] !== undefined) db[key] = restoreSecrets(body[key], db[key], ['body', key]);
      }
      const issues = databaseIssues(config, index);
      if (issues.length) {
        const first = issues[0].path;
        const what = first.startsWith('embedding_strategies') ? 'embedding strategy' : first.startsWith('retrieval_strategies') ? 'retrieval strategy' : 'database configuration';
        throw badRequest(`Invalid ${what}: ${summarizeIssues(issues)}`);
      }
      checkDefaultNames(db as DatabaseConfig);
      updated = config;
    });
    const db = (updated!.rag?.databases ?? []).find((d) => d.name === name)!;
    // An open store keeps the old store config: close it so the next use opens it with the new one.
    if (body.config !== undefined) await this.resources.evict(ns, project, name);
    return detail(updated!, db);
  }

  /**
   * Removes the database from the config (409 while datasets use it) and, with `deleteCollection`, drops its
   * stored data. `collection_deleted` says whether stored data was actually removed.
   */
  async delete(ns: string, project: string, name: string, deleteCollection: boolean): Promise<{ message: string; database: DatabaseDetail; collection_deleted: boolean }> {
    let before: DatabaseDetail | undefined;
    let removed: DatabaseConfig | undefined;
    await this.projects.mutate(ns, project, (config) => {
      const rag = config.rag;
      const db = (rag?.databases ?? []).find((d) => d.name === name);
      if (!rag || !db) throw notFound(`Database '${name}' not found`);
      before = detail(config, db);
      const dependents = before.dependent_datasets;
      if (dependents.length) {
        throw conflict(`Cannot delete database '${name}': ${dependents.length} dataset(s) depend on it. Delete or reassign these datasets first: ${pyList(dependents)}`);
      }
      rag.databases = (rag.databases ?? []).filter((d) => d.name !== name);
      if (rag.default_database === name) delete rag.default_database;
      removed = db;
    });
    const dropped = deleteCollection ? await this.resources.dropStore(ns, project, removed!) : false;
    return { message: `Database '${name}' deleted successfully`, database: before!, collection_deleted: dropped };
  }
}
