/** Locating `../shared` (models, corpora) from the repo; tests that need it skip cleanly without it. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DIR = process.env.LF_SHARED_DIR ?? resolve(REPO_ROOT, '..', 'shared');

export function sharedPath(...parts: string[]): string {
  return join(SHARED_DIR, ...parts);
}

/** `false` when the file exists, else a skip reason for `test(..., { skip })`. */
export function needShared(...parts: string[]): false | string {
  const p = sharedPath(...parts);
  return existsSync(p) ? false : `needs ${p} (../shared is not beside the repo)`;
}

export const MODELS = {
  stories: () => sharedPath('models', 'stories260K.gguf'),
  glove: () => sharedPath('models', 'glove-6B-100d-16k-static-bert-f16.gguf'),
};
