/**
 * Manifest paths (original §3.8): config paths and ingest globs stay inside the example's own folder. A path
 * that starts with `examples/` is read the original's way (relative to the folder that holds the examples root);
 * any other relative path is relative to the example's folder. Anything resolving outside it, directly or through
 * a symlink, is refused with 400 "Path outside examples directory". Symlinks are never followed while globbing.
 */
import { lstat, readdir, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { badRequest } from '../../core/errors.js';

export const OUTSIDE_EXAMPLES = 'Path outside examples directory';

function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

/** The manifest path as a `/`-separated path relative to the example folder; 400 when it points outside. */
export function exampleRelative(exampleDir: string, examplesRoot: string, manifestPath: string): string {
  const p = manifestPath.trim();
  const abs = isAbsolute(p) ? resolve(p) : p.startsWith('examples/') ? resolve(examplesRoot, p.slice('examples/'.length)) : resolve(exampleDir, p);
  if (!isInside(exampleDir, abs) || abs === resolve(exampleDir)) throw badRequest(OUTSIDE_EXAMPLES);
  return toPosix(relative(exampleDir, abs));
}

/** Refuses a path whose real location (symlinks resolved) leaves the example folder; a missing path passes. */
async function assertRealInside(exampleDir: string, p: string): Promise<void> {
  let real: string;
  try {
    real = await realpath(p);
  } catch {
    return;
  }
  if (!isInside(await realpath(exampleDir), real)) throw badRequest(OUTSIDE_EXAMPLES);
}

/** A config file path inside the example folder (absolute). */
export async function resolveExampleFile(exampleDir: string, examplesRoot: string, manifestPath: string): Promise<string> {
  const abs = join(exampleDir, exampleRelative(exampleDir, examplesRoot, manifestPath));
  await assertRealInside(exampleDir, abs);
  return abs;
}

async function walkFiles(dir: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walkFiles(p, out);
    else if (e.isFile()) out.push(p);
  }
}

/** The regular files an ingest glob matches, sorted (absolute paths). Dotfiles and symlinks never match. */
export async function matchExampleFiles(exampleDir: string, examplesRoot: string, glob: string): Promise<string[]> {
  const rel = exampleRelative(exampleDir, examplesRoot, glob);
  const scan = picomatch.scan(rel);
  if (!scan.isGlob) {
    const abs = join(exampleDir, rel);
    await assertRealInside(exampleDir, abs);
    try {
      return (await lstat(abs)).isFile() ? [abs] : [];
    } catch {
      return [];
    }
  }
  const base = join(exampleDir, scan.base);
  await assertRealInside(exampleDir, base);
  const isMatch = picomatch(rel);
  const files: string[] = [];
  await walkFiles(base, files);
  return files.filter((f) => isMatch(toPosix(relative(exampleDir, f)))).sort();
}
