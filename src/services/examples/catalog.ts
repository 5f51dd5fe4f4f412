/**
 * The examples on disk (original §3.8): every folder under the examples root with a `manifest.yaml`, plus
 * manifest-less folders that hold a `files/` folder or a `llamafarm.yaml` (listed, not importable). Read on each
 * call, so edits show up without a restart. Broken manifests are skipped with a warning.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import YAML from 'yaml';
import type { Logger } from 'pino';
import { notFound } from '../../core/errors.js';
import { readManifest, ManifestError, type ExampleManifest, type ManifestDataset } from './manifest.js';
import { matchExampleFiles, resolveExampleFile } from './paths.js';

export interface ManifestExample {
  dir: string;
  manifestPath: string;
  manifest: ExampleManifest;
}

export interface ExampleSummary {
  id: string;
  slug: string;
  title: string;
  description?: string;
  primaryModel?: string;
  tags: string[];
  dataset_count?: number;
  data_size_bytes: number;
  data_size_human?: string;
  project_size_bytes: number;
  project_size_human?: string;
  updated_at: string;
}

export interface ExampleDatasetInfo {
  example_id: string;
  example_title: string;
  name: string;
  strategy?: string;
  database?: string;
  kind?: string;
  ingest: string[];
  size_bytes: number;
  size_human?: string;
}

const LEGACY_CONFIG_NAMES = ['llamafarm.yaml', 'llamafarm-example.yaml'];

/** `512B`, `2.0KB`, `1.5MB` (1024 steps); undefined for 0 so the key is left out. */
export function humanSize(bytes: number): string | undefined {
  if (!bytes) return undefined;
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${bytes}B` : `${v.toFixed(1)}${units[i]}`;
}

/** The dataset's kind guessed from its glob text, like the original. */
export function datasetKind(globs: string[]): string | undefined {
  const text = globs.join(' ').toLowerCase();
  if (text.includes('.pdf')) return 'pdf';
  if (text.includes('.csv')) return 'csv';
  if (text.includes('.md') || text.includes('markdown')) return 'markdown';
  if (/png|jpe?g|tiff?/.test(text)) return 'images';
  if (text.includes('.json')) return 'json';
  return undefined;
}

function localIso(ms: number): string {
  const d = new Date(ms);
  return new Date(ms - d.getTimezoneOffset() * 60000).toISOString().slice(0, 19);
}

async function fileSize(p: string): Promise<number> {
  try {
    const s = await stat(p);
    return s.isFile() ? s.size : 0;
  } catch {
    return 0;
  }
}

async function treeSize(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await treeSize(p);
    else if (e.isFile()) total += await fileSize(p);
  }
  return total;
}

async function sumSizes(paths: Iterable<string>): Promise<number> {
  let total = 0;
  for (const p of paths) total += await fileSize(p);
  return total;
}

function titleFromDir(name: string): string {
  return name
    .split(/[-_]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1).toLowerCase())
    .join(' ');
}

export class ExampleCatalog {
  constructor(
    readonly root: string,
    private readonly log?: Logger,
  ) {}

  private async folders(): Promise<string[]> {
    try {
      return (await readdir(this.root, { withFileTypes: true }))
        .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
        .map((d) => d.name)
        .sort();
    } catch {
      return [];
    }
  }

  private async readExample(dirName: string): Promise<ManifestExample | undefined> {
    const dir = join(this.root, dirName);
    const manifestPath = join(dir, 'manifest.yaml');
    try {
      await stat(manifestPath);
    } catch {
      return undefined;
    }
    try {
      return { dir, manifestPath, manifest: await readManifest(manifestPath) };
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e;
      this.log?.warn({ example: dirName, err: e.message }, 'skipping broken example manifest');
      return undefined;
    }
  }

  /** Every example that has a valid manifest, in folder order. */
  async examples(): Promise<ManifestExample[]> {
    const out: ManifestExample[] = [];
    for (const name of await this.folders()) {
      const ex = await this.readExample(name);
      if (ex) out.push(ex);
    }
    return out;
  }

  /** The example with this id (only manifests count); 404 otherwise. */
  async get(id: string): Promise<ManifestExample> {
    const found = (await this.examples()).find((e) => e.manifest.id === id);
    if (!found) throw notFound(`Example '${id}' not found`);
    return found;
  }

  /** The files a dataset entry's globs match (deduplicated, sorted); 400 when a glob leaves the example folder. */
  async datasetFiles(ex: ManifestExample, d: ManifestDataset): Promise<string[]> {
    const files = new Set<string>();
    for (const glob of d.ingest) for (const f of await matchExampleFiles(ex.dir, this.root, glob)) files.add(f);
    return [...files].sort();
  }

  async summaries(): Promise<ExampleSummary[]> {
    const out: ExampleSummary[] = [];
    for (const name of await this.folders()) {
      const ex = await this.readExample(name);
      const summary = ex ? await this.manifestSummary(ex) : await this.legacySummary(name);
      if (summary) out.push(summary);
    }
    return out;
  }

  private async manifestSummary(ex: ManifestExample): Promise<ExampleSummary> {
    const m = ex.manifest;
    const files = new Set<string>();
    for (const d of m.datasets) {
      try {
        for (const f of await this.datasetFiles(ex, d)) files.add(f);
      } catch (e) {
        this.log?.warn({ example: m.id, dataset: d.name, err: (e as Error).message }, 'example dataset globs skipped');
      }
    }
    const dataBytes = await sumSizes(files);
    let configBytes = 0;
    if (m.config.yaml_path) {
      try {
        configBytes = await fileSize(await resolveExampleFile(ex.dir, this.root, m.config.yaml_path));
      } catch {
        /* a config path outside the folder counts nothing here; importing reports it */
      }
    }
    const projectBytes = (await fileSize(ex.manifestPath)) + configBytes;
    return {
      id: m.id,
      slug: m.slug,
      title: m.title,
      description: m.description,
      primaryModel: m.primaryModel,
      tags: m.tags,
      dataset_count: m.datasets.length,
      data_size_bytes: dataBytes,
      data_size_human: humanSize(dataBytes),
      project_size_bytes: projectBytes,
      project_size_human: humanSize(projectBytes),
      updated_at: localIso((await stat(ex.dir)).mtimeMs),
    };
  }

  private async legacySummary(dirName: string): Promise<ExampleSummary | undefined> {
    const dir = join(this.root, dirName);
    let configPath: string | undefined;
    for (const n of LEGACY_CONFIG_NAMES) if ((await fileSize(join(dir, n))) > 0) configPath ??= join(dir, n);
    const filesDir = join(dir, 'files');
    const hasFiles = await stat(filesDir).then((s) => s.isDirectory(), () => false);
    if (!configPath && !hasFiles) return undefined;
    let primaryModel: string | undefined;
    if (configPath) {
      try {
        const cfg = YAML.parse(await readFile(configPath, 'utf8')) as { runtime?: { model?: unknown } } | null;
        if (typeof cfg?.runtime?.model === 'string') primaryModel = cfg.runtime.model;
      } catch {
        /* listed without a model */
      }
    }
    const dataBytes = await treeSize(filesDir);
    const projectBytes = configPath ? await fileSize(configPath) : 0;
    return {
      id: dirName,
      slug: dirName,
      title: titleFromDir(dirName),
      primaryModel,
      tags: [],
      data_size_bytes: dataBytes,
      data_size_human: humanSize(dataBytes),
      project_size_bytes: projectBytes,
      project_size_human: humanSize(projectBytes),
      updated_at: localIso((await stat(dir)).mtimeMs),
    };
  }

  /** The example's named datasets with their sizes; 400 when a glob leaves the example folder. */
  async datasets(ex: ManifestExample): Promise<ExampleDatasetInfo[]> {
    const out: ExampleDatasetInfo[] = [];
    for (const d of ex.manifest.datasets) {
      if (!d.name) continue;
      const size = await sumSizes(await this.datasetFiles(ex, d));
      out.push({
        example_id: ex.manifest.id,
        example_title: ex.manifest.title,
        name: d.name,
        strategy: d.strategy,
        database: d.database,
        kind: datasetKind(d.ingest),
        ingest: d.ingest,
        size_bytes: size,
        size_human: humanSize(size),
      });
    }
    return out;
  }
}
