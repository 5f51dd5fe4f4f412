/**
 * An example's `manifest.yaml` (original §3.8). Only `id` and `title` are required; a manifest without them,
 * or one that is not valid YAML, is skipped by the catalog with a warning.
 */
import { readFile } from 'node:fs/promises';
import YAML from 'yaml';

export interface ManifestDataset {
  name?: string;
  /** A data processing strategy of the example's config. */
  strategy?: string;
  database?: string;
  /** Globs of the files to copy into the dataset. */
  ingest: string[];
}

export interface ExampleManifest {
  version?: number;
  id: string;
  slug: string;
  title: string;
  description?: string;
  tags: string[];
  primaryModel?: string;
  config: { yaml_path?: string };
  datasets: ManifestDataset[];
  process_after_ingest?: boolean;
  retrieval?: { database?: string; top_k?: number };
}

/** A dataset entry that names everything an import needs. */
export type CompleteDataset = ManifestDataset & { name: string; strategy: string; database: string };

export function isComplete(d: ManifestDataset): d is CompleteDataset {
  return Boolean(d.name && d.strategy && d.database);
}

export class ManifestError extends Error {}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const strList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '') : typeof v === 'string' ? [v] : []);
const record = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Checks and normalises a parsed manifest; throws ManifestError when it cannot describe an example. */
export function normalizeManifest(raw: unknown): ExampleManifest {
  const m = record(raw);
  const id = str(m.id);
  const title = str(m.title);
  if (!id || !title) throw new ManifestError('manifest needs an id and a title');
  const config = record(m.config);
  const retrieval = record(m.retrieval);
  return {
    version: typeof m.version === 'number' ? m.version : undefined,
    id,
    slug: str(m.slug) ?? id,
    title,
    description: str(m.description),
    tags: strList(m.tags),
    primaryModel: str(m.primaryModel),
    config: { yaml_path: str(config.yaml_path) },
    datasets: (Array.isArray(m.datasets) ? m.datasets : []).map((d) => {
      const e = record(d);
      return { name: str(e.name), strategy: str(e.strategy), database: str(e.database), ingest: strList(e.ingest) };
    }),
    process_after_ingest: typeof m.process_after_ingest === 'boolean' ? m.process_after_ingest : undefined,
    retrieval: m.retrieval === undefined ? undefined : { database: str(retrieval.database), top_k: typeof retrieval.top_k === 'number' ? retrieval.top_k : undefined },
  };
}

export async function readManifest(path: string): Promise<ExampleManifest> {
  let raw: unknown;
  try {
    raw = YAML.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new ManifestError(`unreadable manifest: ${e instanceof Error ? e.message : String(e)}`);
  }
  return normalizeManifest(raw);
}
