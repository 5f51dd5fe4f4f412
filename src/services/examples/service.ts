/**
 * Examples (original §3.8, decisions 0002, 0003): ready demo projects shipped in `<repo>/examples/<id>/`
 * (`manifest.yaml`, `llamafarm.yaml`, `files/`), listed with their sizes and imported in one call — as a new
 * project, into an existing project, or one dataset at a time. Every path is checked before anything is
 * written; a new project whose import fails part-way is removed again so the call can simply be retried.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import type { Logger } from 'pino';
import { badRequest, LfError, notFound } from '../../core/errors.js';
import { ConfigValidationError, summarizeIssues, validateConfig } from '../../config/validate.js';
import type { ProjectConfig } from '../../config/schema.js';
import type { ProjectsService } from '../projects.js';
import type { DatasetsService } from '../datasets.js';
import { ExampleCatalog, type ExampleDatasetInfo, type ExampleSummary, type ManifestExample } from './catalog.js';
import { isComplete, type CompleteDataset } from './manifest.js';
import { resolveExampleFile } from './paths.js';

/** `LF_EXAMPLES_DIR`, else `<repo>/examples` (the same relative place from `src/` and from `dist/`). */
export function defaultExamplesDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LF_EXAMPLES_DIR || fileURLToPath(new URL('../../../examples', import.meta.url));
}

export interface ImportProjectRequest {
  namespace: string;
  name: string;
  process?: boolean;
}

export interface ImportDataRequest {
  namespace: string;
  project: string;
  include_strategies?: boolean;
  process?: boolean;
}

export interface ImportDatasetRequest extends ImportDataRequest {
  /** The dataset's name in the manifest. */
  dataset: string;
  /** Name of the dataset to create in the project (default: the manifest name). */
  target_dataset?: string;
}

export interface ImportResult {
  project: string;
  namespace: string;
  datasets: string[];
  task_ids: string[];
}

export interface DatasetImportResult {
  project: string;
  namespace: string;
  dataset: string;
  file_count: number;
  task_id?: string;
}

export interface ExamplesServiceOptions {
  root: string;
  projects: ProjectsService;
  datasets: DatasetsService;
  maxUploadBytes: number;
  log?: Logger;
}

/** A manifest dataset ready to import: where it goes and which files it brings. */
interface DatasetPlan {
  entry: CompleteDataset;
  target: string;
  files: string[];
}

type NamedList = { name: string }[];

/**
 * Appends the source's databases and data processing strategies the target lacks (by name; existing entries win).
 * `only` limits what is taken to the named ones.
 */
export function mergeRagByName(target: Record<string, unknown>, source: Record<string, unknown>, only?: { databases: string[]; strategies: string[] }): void {
  const src = (source.rag ?? {}) as Record<string, unknown>;
  const rag = { ...((target.rag ?? {}) as Record<string, unknown>) };
  const merge = (key: 'databases' | 'data_processing_strategies', wanted?: string[]) => {
    const have = (rag[key] ?? []) as NamedList;
    const names = new Set(have.map((e) => e.name));
    const add = ((src[key] ?? []) as NamedList).filter((e) => !names.has(e.name) && (!wanted || wanted.includes(e.name)));
    if (add.length) rag[key] = [...have, ...structuredClone(add)];
  };
  merge('databases', only?.databases);
  merge('data_processing_strategies', only?.strategies);
  const dbs = (rag.databases ?? []) as NamedList;
  if (!rag.default_database && dbs.length) rag.default_database = dbs[0].name;
  target.rag = rag;
}

export class ExamplesService {
  readonly catalog: ExampleCatalog;

  constructor(private readonly o: ExamplesServiceOptions) {
    this.catalog = new ExampleCatalog(o.root, o.log);
  }

  list(): Promise<ExampleSummary[]> {
    return this.catalog.summaries();
  }

  async datasets(id: string): Promise<ExampleDatasetInfo[]> {
    return this.catalog.datasets(await this.catalog.get(id));
  }

  /** Every example's datasets; an example whose globs leave its folder is left out (with a warning). */
  async allDatasets(): Promise<ExampleDatasetInfo[]> {
    const out: ExampleDatasetInfo[] = [];
    for (const ex of await this.catalog.examples()) {
      try {
        out.push(...(await this.catalog.datasets(ex)));
      } catch (e) {
        this.o.log?.warn({ example: ex.manifest.id, err: (e as Error).message }, 'example datasets skipped');
      }
    }
    return out;
  }

  /** The example's `llamafarm.yaml` as parsed (not validated). */
  async exampleConfig(ex: ManifestExample): Promise<Record<string, unknown>> {
    const rel = ex.manifest.config.yaml_path;
    if (!rel) throw badRequest('Manifest missing config.yaml_path');
    const path = await resolveExampleFile(ex.dir, this.o.root, rel);
    let parsed: unknown;
    try {
      parsed = YAML.parse(await readFile(path, 'utf8'));
    } catch (e) {
      throw new LfError('internal', `Example '${ex.manifest.id}' config ${rel} is unreadable: ${(e as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new LfError('internal', `Example '${ex.manifest.id}' config ${rel} is not a mapping`);
    return parsed as Record<string, unknown>;
  }

  private async plan(ex: ManifestExample, entry: CompleteDataset, target = entry.name): Promise<DatasetPlan> {
    return { entry, target, files: await this.catalog.datasetFiles(ex, entry) };
  }

  private async planAll(ex: ManifestExample): Promise<DatasetPlan[]> {
    const plans: DatasetPlan[] = [];
    for (const d of ex.manifest.datasets) if (isComplete(d)) plans.push(await this.plan(ex, d));
    return plans;
  }

  /** Creates the dataset (an existing one is reused), copies its files in, and queues processing when asked. */
  private async fill(ns: string, project: string, plan: DatasetPlan, process: boolean): Promise<string | undefined> {
    try {
      await this.o.datasets.create(ns, project, { name: plan.target, data_processing_strategy: plan.entry.strategy, database: plan.entry.database });
    } catch (e) {
      if (!(e instanceof LfError)) throw e;
      if (e.kind !== 'conflict') throw badRequest(e.message);
    }
    const store = this.o.datasets.files(ns, project, plan.target);
    for (const f of plan.files) await store.importFile(f, basename(f), this.o.maxUploadBytes);
    return process ? this.o.datasets.process(ns, project, plan.target) : undefined;
  }

  private async fillAll(ns: string, project: string, plans: DatasetPlan[], process: boolean): Promise<ImportResult> {
    const task_ids: string[] = [];
    for (const plan of plans) {
      const id = await this.fill(ns, project, plan, process);
      if (id) task_ids.push(id);
    }
    return { project, namespace: ns, datasets: plans.map((p) => p.target), task_ids };
  }

  private validExampleConfig(ex: ManifestExample, config: Record<string, unknown>): ProjectConfig {
    try {
      return validateConfig(config);
    } catch (e) {
      if (e instanceof ConfigValidationError) throw new LfError('internal', `Example '${ex.manifest.id}' has an invalid config: ${summarizeIssues(e.issues)}`);
      throw e;
    }
  }

  /** A new project from the example: 409 when it exists (decision 0003), 400 in the reserved namespace. */
  async importProject(id: string, req: ImportProjectRequest): Promise<ImportResult> {
    const ex = await this.catalog.get(id);
    const config = this.validExampleConfig(ex, { ...(await this.exampleConfig(ex)), name: req.name, namespace: req.namespace });
    const plans = await this.planAll(ex);
    await this.o.projects.create(req.namespace, req.name);
    try {
      await this.o.projects.update(req.namespace, req.name, config);
      return await this.fillAll(req.namespace, req.name, plans, req.process ?? true);
    } catch (e) {
      await this.o.projects.delete(req.namespace, req.name).catch((err: unknown) => this.o.log?.warn({ err }, 'could not remove a half-imported example project'));
      throw e;
    }
  }

  /** The example's datasets into an existing project, with its databases and strategies merged in by name. */
  async importData(id: string, req: ImportDataRequest): Promise<ImportResult> {
    const ex = await this.catalog.get(id);
    await this.o.projects.loadConfig(req.namespace, req.project);
    const plans = await this.planAll(ex);
    if (req.include_strategies ?? true) {
      const source = await this.exampleConfig(ex);
      await this.o.projects.mutate(req.namespace, req.project, (c) => void mergeRagByName(c as Record<string, unknown>, source));
    }
    return this.fillAll(req.namespace, req.project, plans, req.process ?? true);
  }

  /** One dataset of the example into an existing project (as `target_dataset` when given). */
  async importDataset(id: string, req: ImportDatasetRequest): Promise<DatasetImportResult> {
    const ex = await this.catalog.get(id);
    const entry = ex.manifest.datasets.find((d) => d.name === req.dataset);
    if (!entry) throw notFound(`Dataset '${req.dataset}' not found in example '${id}'`);
    if (!isComplete(entry)) throw badRequest('Dataset entry incomplete in manifest (name/strategy/database)');
    await this.o.projects.loadConfig(req.namespace, req.project);
    const plan = await this.plan(ex, entry, req.target_dataset || entry.name);
    if (req.include_strategies ?? true) {
      const source = await this.exampleConfig(ex);
      const only = { databases: [entry.database], strategies: [entry.strategy] };
      await this.o.projects.mutate(req.namespace, req.project, (c) => void mergeRagByName(c as Record<string, unknown>, source, only));
    }
    const task_id = await this.fill(req.namespace, req.project, plan, req.process ?? true);
    return { project: req.project, namespace: req.namespace, dataset: plan.target, file_count: plan.files.length, ...(task_id ? { task_id } : {}) };
  }
}
