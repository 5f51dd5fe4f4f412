/**
 * Sweeping what a crashed or failed process leaves behind in the data dir: temp files of atomic writes
 * (`.<name>.<pid>.<hex>.tmp`, e.g. a 0-byte `.llamafarm.yaml.1234.ab12cd34.tmp`) and temp files of uploads
 * (`tmp/<pid>-<uuid>` in a dataset). A temp file belongs to the process whose pid it names; it is removed once
 * that process is gone (this host's pids: a data dir is served from one host). Upload temp files of the older
 * naming (a bare uuid) are removed once they are an hour old. A file removal cut short (`.<name>.deleting`, see
 * dataset-files.ts `beginRemove`) is rolled back: the file is back as it was.
 */
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from '../core/processes.js';
import { DELETING_SUFFIX } from './dataset-files.js';

/** `.<name>.<pid>.<8 hex>.tmp`, as fs-atomic.ts names them. */
const ATOMIC_TMP = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;
/** `<pid>-<uuid>`, as dataset-files.ts names upload temp files. */
const UPLOAD_TMP = /^(\d+)-[0-9a-f-]{36}$/;
const LEGACY_UPLOAD_TMP = /^[0-9a-f-]{36}$/;
const LEGACY_MAX_AGE_MS = 60 * 60 * 1000;

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function removeIf(path: string, stale: boolean): Promise<number> {
  if (!stale) return 0;
  try {
    await rm(path, { force: true });
    return 1;
  } catch {
    return 0;
  }
}

/** Atomic-write temp files of dead processes in one folder; returns how many were removed. */
export async function sweepAtomicTemps(dir: string): Promise<number> {
  let n = 0;
  for (const name of await entries(dir)) {
    const m = ATOMIC_TMP.exec(name);
    if (m) n += await removeIf(join(dir, name), !processAlive(Number(m[1])));
  }
  return n;
}

/** Upload temp files of dead processes (and old ones of the legacy naming) in a dataset's `tmp/`. */
export async function sweepUploadTemps(tmpDir: string, now = Date.now()): Promise<number> {
  let n = 0;
  for (const name of await entries(tmpDir)) {
    const path = join(tmpDir, name);
    const m = UPLOAD_TMP.exec(name);
    if (m) {
      n += await removeIf(path, !processAlive(Number(m[1])));
    } else if (LEGACY_UPLOAD_TMP.test(name)) {
      const st = await stat(path).catch(() => undefined);
      n += await removeIf(path, st !== undefined && now - st.mtimeMs > LEGACY_MAX_AGE_MS);
    }
  }
  return n;
}

/** Puts back files a removal renamed aside (`.<name>.deleting`) when the process died before it finished. */
export async function restoreInterruptedRemovals(dir: string): Promise<number> {
  let n = 0;
  for (const name of await entries(dir)) {
    if (!name.startsWith('.') || !name.endsWith(DELETING_SUFFIX)) continue;
    const original = join(dir, name.slice(1, -DELETING_SUFFIX.length));
    const present = await stat(original).then(() => true, () => false);
    try {
      if (present) await rm(join(dir, name), { force: true });
      else await rename(join(dir, name), original);
      n++;
    } catch {
      /* read-only now: tried again at the next start */
    }
  }
  return n;
}

/** Every project's leftovers under `projects/<ns>/<project>`: config temp files, dataset meta and upload temps. */
export async function sweepLeftovers(projectsDir: string): Promise<number> {
  let n = 0;
  for (const ns of await entries(projectsDir)) {
    for (const project of await entries(join(projectsDir, ns))) {
      const dir = join(projectsDir, ns, project);
      n += await sweepAtomicTemps(dir);
      const datasets = join(dir, 'lf_data', 'datasets');
      for (const ds of await entries(datasets)) {
        n += await restoreInterruptedRemovals(join(datasets, ds, 'raw'));
        n += await restoreInterruptedRemovals(join(datasets, ds, 'meta'));
        n += await sweepAtomicTemps(join(datasets, ds, 'meta'));
        n += await sweepUploadTemps(join(datasets, ds, 'tmp'));
      }
    }
  }
  return n;
}
