/**
 * The Hugging Face hub cache layout, exactly as the Python `huggingface_hub` writes it, so both share one cache:
 *
 *   <cache>/models--org--name/
 *     blobs/<etag>                  file contents, named by the hub's ETag (the sha256 for LFS files)
 *     blobs/<etag>.incomplete       a download in progress (resumed with HTTP Range)
 *     snapshots/<commit>/<file>     symlink → ../../blobs/<etag> (deeper files get more ../)
 *     refs/<revision>               the commit a revision (`main`) points to
 *
 * We write `refs/<revision>` only once every file of a download is in place, so a snapshot that some ref points
 * to, whose every file resolves to a blob, is "complete"; a repo without one counts as not cached (decision 0011).
 */
import { lstat, mkdir, readdir, readFile, rm, stat, symlink, copyFile, unlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { writeFileAtomic } from '../../core/fs-atomic.js';
import { absentAs } from '../../core/fs-errors.js';
import { repoFolderName, repoIdFromFolder } from './model-spec.js';

export interface Snapshot {
  commit: string;
  dir: string;
  /** Refs pointing at this snapshot (`main`, `refs/pr/1` → `pr/1`). */
  refs: string[];
  /** Repo-relative paths of the files present, every one resolving to a blob. */
  files: string[];
}

export interface CachedRepo {
  repoId: string;
  path: string;
  /** Bytes of the complete blobs on disk. */
  sizeBytes: number;
  /** Newest blob modification time. */
  lastModified: Date;
  /** Complete snapshots, the one `main` points to first. */
  snapshots: Snapshot[];
}

const COMMIT = /^[0-9a-f]{40}$/;

export class RepoCache {
  readonly dir: string;

  constructor(
    readonly cacheDir: string,
    readonly repoId: string,
  ) {
    this.dir = join(cacheDir, repoFolderName(repoId));
  }

  get blobsDir(): string {
    return join(this.dir, 'blobs');
  }

  blobPath(etag: string): string {
    return join(this.blobsDir, etag);
  }

  snapshotDir(commit: string): string {
    return join(this.dir, 'snapshots', commit);
  }

  snapshotFile(commit: string, file: string): string {
    return join(this.snapshotDir(commit), ...file.split('/'));
  }

  /** Points `snapshots/<commit>/<file>` at the blob (relative symlink; a copy where symlinks are not allowed). */
  async linkSnapshotFile(commit: string, file: string, etag: string): Promise<string> {
    const target = this.snapshotFile(commit, file);
    await mkdir(dirname(target), { recursive: true });
    await unlink(target).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
    const blob = this.blobPath(etag);
    try {
      await symlink(relative(dirname(target), blob), target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
      await copyFile(blob, target);
    }
    return target;
  }

  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    await writeFileAtomic(join(this.dir, 'refs', ...revision.split('/')), commit);
  }

  async readRef(revision: string): Promise<string | undefined> {
    try {
      const commit = (await readFile(join(this.dir, 'refs', ...revision.split('/')), 'utf8')).trim();
      return COMMIT.test(commit) ? commit : undefined;
    } catch {
      return undefined;
    }
  }

  /** Every ref (relative name → commit). */
  async refs(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const root = join(this.dir, 'refs');
    for (const file of await walkFiles(root)) {
      const name = relative(root, file).split('\\').join('/');
      const commit = await this.readRef(name);
      if (commit) out.set(name, commit);
    }
    return out;
  }

  /** Snapshots some ref points to whose files all resolve; `main`'s first. */
  async completeSnapshots(): Promise<Snapshot[]> {
    const byCommit = new Map<string, string[]>();
    for (const [ref, commit] of await this.refs()) byCommit.set(commit, [...(byCommit.get(commit) ?? []), ref]);
    const out: Snapshot[] = [];
    for (const [commit, refs] of byCommit) {
      const dir = this.snapshotDir(commit);
      const files = await snapshotFiles(dir);
      if (files && files.length > 0) out.push({ commit, dir, refs: refs.sort(), files });
    }
    return out.sort((a, b) => Number(b.refs.includes('main')) - Number(a.refs.includes('main')) || a.commit.localeCompare(b.commit));
  }

  /** Bytes of the blobs (`.incomplete` included when asked) and the newest blob time. */
  async blobUsage(includeIncomplete: boolean): Promise<{ bytes: number; newest: Date }> {
    let bytes = 0;
    let newest = 0;
    for (const name of await readdir(this.blobsDir).catch(absentAs([] as string[]))) {
      if (!includeIncomplete && name.endsWith('.incomplete')) continue;
      const s = await stat(join(this.blobsDir, name)).catch(absentAs(undefined));
      if (!s?.isFile()) continue;
      bytes += s.size;
      newest = Math.max(newest, s.mtimeMs);
    }
    return { bytes, newest: new Date(newest) };
  }

  /** The cached repo, or undefined when it has no complete snapshot. */
  async describe(): Promise<CachedRepo | undefined> {
    const snapshots = await this.completeSnapshots();
    if (snapshots.length === 0) return undefined;
    const usage = await this.blobUsage(false);
    return { repoId: this.repoId, path: this.dir, sizeBytes: usage.bytes, lastModified: usage.newest, snapshots };
  }

  /** Snapshot folders on disk (complete or not): the revisions a delete removes. */
  async snapshotCount(): Promise<number> {
    const entries = await readdir(join(this.dir, 'snapshots'), { withFileTypes: true }).catch(absentAs([]));
    return entries.filter((e) => e.isDirectory()).length;
  }

  /** Removes the whole repo folder (every revision, partial downloads too); returns the bytes freed. */
  async remove(): Promise<number> {
    const freed = (await this.blobUsage(true)).bytes;
    await rm(this.dir, { recursive: true, force: true });
    return freed;
  }
}

/** The files of a snapshot folder, or undefined when one of them does not resolve to a blob. */
async function snapshotFiles(dir: string): Promise<string[] | undefined> {
  const entries = await walkFiles(dir, true);
  const files: string[] = [];
  for (const entry of entries) {
    const s = await stat(entry).catch(absentAs(undefined));
    if (!s?.isFile()) return undefined;
    files.push(relative(dir, entry).split('\\').join('/'));
  }
  return files.sort();
}

/** Paths of the files (and symlinks, when asked) under a folder, recursively; [] when it does not exist. */
async function walkFiles(root: string, includeLinks = false): Promise<string[]> {
  const out: string[] = [];
  const visit = async (dir: string) => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(absentAs([]));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await visit(p);
      else if (e.isFile() || (includeLinks && e.isSymbolicLink())) out.push(p);
    }
  };
  await visit(root);
  return out;
}

/** Every model repo in the cache with a complete snapshot, sorted by id. */
export async function scanCache(cacheDir: string): Promise<CachedRepo[]> {
  const entries = await readdir(cacheDir, { withFileTypes: true }).catch(absentAs([]));
  const out: CachedRepo[] = [];
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const repoId = repoIdFromFolder(e.name);
    if (!repoId) continue;
    const repo = await new RepoCache(cacheDir, repoId).describe();
    if (repo) out.push(repo);
  }
  return out.sort((a, b) => a.repoId.localeCompare(b.repoId));
}

/** Size of a partial download, 0 when there is none. */
export async function partialSize(path: string): Promise<number> {
  const s = await lstat(path).catch(absentAs(undefined));
  return s?.isFile() ? s.size : 0;
}

export async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(absentAs(undefined))) !== undefined;
}

export async function ensureDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true });
}
