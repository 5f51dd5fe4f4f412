/**
 * Reading and writing a project's config file: `llamafarm.yaml|yml|json`. Writes are atomic (temp + fsync +
 * rename), keep one timestamped backup per save (the last 5 are kept), and preserve comments and key order of
 * hand-edited YAML by updating the parsed document in place.
 */
import { readFile, readdir, rm, stat, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import YAML, { Document, isMap, isScalar, isSeq, type Pair } from 'yaml';
import { writeFileAtomic, type AtomicWriteOptions } from '../core/fs-atomic.js';
import { isNotFound } from '../core/fs-errors.js';

export const CONFIG_FILE_NAMES = ['llamafarm.yaml', 'llamafarm.yml', 'llamafarm.json'] as const;
const BACKUPS_KEPT = 5;

export class ConfigFileError extends Error {
  constructor(message: string, readonly reason: 'missing' | 'unparsable') {
    super(message);
    this.name = 'ConfigFileError';
  }
}

export interface LoadedConfigFile {
  path: string;
  format: 'yaml' | 'json';
  raw: unknown;
  text: string;
  mtimeMs: number;
}

export async function findConfigFile(projectDir: string): Promise<string | undefined> {
  for (const name of CONFIG_FILE_NAMES) {
    const p = join(projectDir, name);
    try {
      if ((await stat(p)).isFile()) return p;
    } catch (e) {
      if (!isNotFound(e)) throw e; // else try the next name
    }
  }
  return undefined;
}

export async function readConfigFile(projectDir: string): Promise<LoadedConfigFile> {
  const path = await findConfigFile(projectDir);
  if (!path) throw new ConfigFileError('No configuration file found in project directory', 'missing');
  const [text, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
  const format = path.endsWith('.json') ? 'json' : 'yaml';
  let raw: unknown;
  try {
    raw = format === 'json' ? JSON.parse(text) : YAML.parse(text);
  } catch (e) {
    throw new ConfigFileError(`Invalid project configuration: ${(e as Error).message.split('\n')[0]}`, 'unparsable');
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigFileError('Invalid project configuration: the file does not hold a mapping', 'unparsable');
  }
  return { path, format, raw, text, mtimeMs: st.mtimeMs };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const pairKey = (p: Pair): string => String(isScalar(p.key) ? p.key.value : p.key);

/** Updates `node` in place to hold `value`, keeping comments and order of what did not change. */
function updateNode(doc: Document, node: unknown, value: unknown): unknown {
  if (isPlainObject(value) && isMap(node)) {
    const keys = new Set(Object.keys(value));
    node.items = node.items.filter((p) => keys.has(pairKey(p as Pair)));
    for (const [k, v] of Object.entries(value)) {
      const pair = node.items.find((p) => pairKey(p as Pair) === k) as Pair | undefined;
      if (pair) pair.value = updateNode(doc, pair.value, v);
      else node.items.push(doc.createPair(k, v) as never);
    }
    return node;
  }
  if (Array.isArray(value) && isSeq(node)) {
    node.items = value.map((v, i) => (i < node.items.length ? updateNode(doc, node.items[i], v) : doc.createNode(v))) as never;
    return node;
  }
  if (isScalar(node) && (value === null || typeof value !== 'object')) {
    if (node.value !== value) node.value = value;
    return node;
  }
  return doc.createNode(value);
}

/** Renders `config` as YAML, reusing `previousText`'s document (comments, order, style) when given. */
export function renderYaml(config: Record<string, unknown>, previousText?: string): string {
  if (previousText) {
    const doc = YAML.parseDocument(previousText);
    if (doc.errors.length === 0 && isMap(doc.contents)) {
      doc.contents = updateNode(doc, doc.contents, config) as never;
      return doc.toString({ lineWidth: 0 });
    }
  }
  return YAML.stringify(config, { lineWidth: 0 });
}

function backupStamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}_${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

async function backupAndPrune(projectDir: string, currentPath: string): Promise<void> {
  const ext = currentPath.endsWith('.json') ? 'json' : currentPath.endsWith('.yml') ? 'yml' : 'yaml';
  let target = join(projectDir, `llamafarm.${backupStamp()}.${ext}`);
  for (let i = 1; ; i++) {
    try {
      await stat(target);
      target = join(projectDir, `llamafarm.${backupStamp()}_${i}.${ext}`);
    } catch (e) {
      if (isNotFound(e)) break; // a free name
      throw e;
    }
  }
  await copyFile(currentPath, target);
  const backups = (await readdir(projectDir)).filter((n) => /^llamafarm\.\d{8}_\d{6}(_\d+)?\.(ya?ml|json)$/.test(n)).sort();
  for (const old of backups.slice(0, Math.max(0, backups.length - BACKUPS_KEPT))) await rm(join(projectDir, old), { force: true });
}

export interface WriteConfigOptions extends AtomicWriteOptions {
  /** YAML text to render into (e.g. a template with comments) when the project has no file yet. */
  templateText?: string;
}

/** Writes the config (callers hold the project lock). Returns the path written. */
export async function writeConfigFile(projectDir: string, config: Record<string, unknown>, o: WriteConfigOptions = {}): Promise<string> {
  const existing = await findConfigFile(projectDir);
  const path = existing ?? join(projectDir, 'llamafarm.yaml');
  let text: string;
  if (path.endsWith('.json')) {
    text = JSON.stringify(config, null, 2) + '\n';
  } else {
    const previous = existing ? await readFile(existing, 'utf8') : o.templateText;
    text = renderYaml(config, previous);
  }
  if (existing) await backupAndPrune(projectDir, existing);
  await writeFileAtomic(path, text, o);
  return path;
}
