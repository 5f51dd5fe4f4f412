/** `store.json` beside the LanceDB table: the embedder identity the store was built with (decision 0005). */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface StoreIdentity {
  embedder?: string;
  dimension?: number;
}

export const SIDECAR_FILE = 'store.json';

export async function readIdentity(dir: string): Promise<StoreIdentity> {
  try {
    const raw = JSON.parse(await readFile(join(dir, SIDECAR_FILE), 'utf8')) as Record<string, unknown>;
    return {
      embedder: typeof raw.embedder === 'string' ? raw.embedder : undefined,
      dimension: typeof raw.dimension === 'number' && raw.dimension > 0 ? raw.dimension : undefined,
    };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
}

/** Written to a temp file and renamed, so a crash never leaves half a file. */
export async function writeIdentity(dir: string, identity: StoreIdentity): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${SIDECAR_FILE}.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify({ ...identity, updated_at: new Date().toISOString() }, null, 2) + '\n');
  await rename(tmp, join(dir, SIDECAR_FILE));
}

export async function removeIdentity(dir: string): Promise<void> {
  await rm(join(dir, SIDECAR_FILE), { force: true });
}
