/**
 * Expanding `lf datasets upload` arguments into files: plain paths, folders (every file below, recursively) and
 * glob patterns (picomatch over a walk of the pattern's static base folder, since Node 20 has no fs.glob).
 * Hidden files and folders (`.name`) are left out of folders and globs unless named explicitly.
 */
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { usageError } from './errors.js';
import { absentAs } from '../core/fs-errors.js';

export interface InputFile {
  /** Absolute path. */
  path: string;
  /** The path as the user would recognise it (relative to the working directory when inside it). */
  display: string;
  size: number;
}

const toPosix = (p: string) => p.split(sep).join('/');

/** Every regular file below `dir` (sorted, hidden entries and symlinked folders skipped). */
export async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (d: string): Promise<void> => {
    const entries = (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) await visit(p);
      else if (e.isFile()) out.push(p);
      else if (e.isSymbolicLink()) {
        const s = await stat(p).catch(absentAs(undefined));
        if (s?.isFile()) out.push(p);
      }
    }
  };
  await visit(dir);
  return out;
}

async function globFiles(pattern: string, cwd: string): Promise<string[]> {
  const posixPattern = toPosix(pattern);
  const { base } = picomatch.scan(posixPattern);
  const baseDir = resolve(cwd, base || '.');
  const s = await stat(baseDir).catch(absentAs(undefined));
  if (!s?.isDirectory()) return [];
  const absolutePattern = isAbsolute(pattern);
  const match = picomatch(absolutePattern ? posixPattern : posixPattern.replace(/^\.\//, ''));
  return (await walkFiles(baseDir)).filter((f) => match(toPosix(absolutePattern ? f : relative(cwd, f))));
}

export function isGlob(input: string): boolean {
  return picomatch.scan(toPosix(input)).isGlob;
}

/** The files named by `inputs`, in order, each once. Unknown paths and globs that match nothing are usage errors. */
export async function expandInputs(inputs: string[], cwd = process.cwd()): Promise<InputFile[]> {
  const seen = new Set<string>();
  const files: InputFile[] = [];
  const add = async (p: string) => {
    if (seen.has(p)) return;
    seen.add(p);
    const rel = relative(cwd, p);
    files.push({ path: p, display: rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p, size: (await stat(p)).size });
  };
  for (const input of inputs) {
    const abs = resolve(cwd, input);
    const s = await stat(abs).catch(absentAs(undefined));
    if (s?.isFile()) await add(abs);
    else if (s?.isDirectory()) {
      const found = await walkFiles(abs);
      if (found.length === 0) throw usageError(`no files in folder '${input}'`);
      for (const f of found) await add(f);
    } else if (isGlob(input)) {
      const found = await globFiles(input, cwd);
      if (found.length === 0) throw usageError(`no files match '${input}'`);
      for (const f of found) await add(f);
    } else throw usageError(`no such file or folder: '${input}'`);
  }
  return files;
}
