/**
 * Finding a model file without the network: an existing local path, or a GGUF file of a complete cached
 * snapshot (`org/repo:QUANT` → the file with that quantisation, `org/repo/file.gguf` → that file, `org/repo` →
 * the automatic choice).
 */
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { RepoCache } from './cache-layout.js';
import { chooseGgufFiles, type ModelRef } from './model-spec.js';

/** The spec is written as a path (absolute, `./`, `../`, `~/`) rather than a hub id. */
export function looksLikePath(spec: string): boolean {
  return isAbsolute(spec) || /^(\.{1,2}|~)([/\\]|$)/.test(spec) || /^[A-Za-z]:[/\\]/.test(spec);
}

/** The absolute path when `spec` names an existing local file. */
export function existingLocalFile(spec: string): string | undefined {
  const p = spec.startsWith('~/') ? join(os.homedir(), spec.slice(2)) : resolve(spec);
  try {
    return statSync(p).isFile() ? p : undefined;
  } catch {
    return undefined;
  }
}

/** The local path of the model file a cached snapshot holds, or undefined. */
export async function findCachedModelFile(cacheDir: string, ref: ModelRef): Promise<string | undefined> {
  const repo = new RepoCache(cacheDir, ref.repoId);
  for (const snap of await repo.completeSnapshots()) {
    if (ref.file) {
      if (snap.files.includes(ref.file)) return repo.snapshotFile(snap.commit, ref.file);
      continue;
    }
    const choice = chooseGgufFiles(snap.files, ref.quant);
    if (choice.files.length === 0 || (ref.quant && !choice.matched)) continue;
    // A split model counts only when every shard is there (chooseGgufFiles lists the ones present).
    if (!shardsComplete(choice.files)) continue;
    const path = repo.snapshotFile(snap.commit, choice.files[0]);
    if (existsSync(path)) return path;
  }
  return undefined;
}

function shardsComplete(files: string[]): boolean {
  const m = /-(\d{5})-of-(\d{5})\.gguf$/i.exec(files[0]);
  return !m || files.length === Number(m[2]);
}
