/**
 * A lock shared by every process that sees the same folder (several API replicas and `lf worker`s on one data
 * dir, possibly over a network file system): an in-process keyed mutex first, so this process queues its own
 * work in order, then a `proper-lockfile` lock (an atomic `mkdir` whose mtime the holder refreshes; a lock whose
 * holder died goes stale after `staleMs` and is taken over). Beside the lock, `<lock>.owner` names the holder
 * (host, pid, and the lock folder's identity): a lock left by a process of this host that no longer runs is
 * taken over at once instead of after `staleMs` (a restart after a crash does not wait for the lock to age).
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import lockfile from 'proper-lockfile';
import { KeyedMutex } from './mutex.js';
import { processAlive } from './processes.js';
import { LfError } from './errors.js';

export interface FileLockOptions {
  /** How long to wait for another process before giving up (ms). */
  waitMs?: number;
  /** A lock not refreshed for this long belongs to a dead process (ms; proper-lockfile's minimum is 2000). */
  staleMs?: number;
}

const DEFAULT_WAIT_MS = 30_000;
const DEFAULT_STALE_MS = 10_000;
const RETRY_MIN_MS = 10;
const RETRY_MAX_MS = 250;

interface LockOwner {
  host: string;
  pid: number;
  /** Identity of the lock folder the owner created (a re-created folder is a different lock). */
  ino: number;
  birth: number;
}

const HOST = hostname();

/** Removes the lock at `lockPath` when its recorded owner is a process of this host that is gone; true if it did. */
export async function clearDeadOwnerLock(lockPath: string): Promise<boolean> {
  let owner: LockOwner;
  try {
    owner = JSON.parse(await readFile(`${lockPath}.owner`, 'utf8')) as LockOwner;
  } catch {
    return false;
  }
  if (owner.host !== HOST || !Number.isInteger(owner.pid) || owner.pid === process.pid || processAlive(owner.pid)) return false;
  try {
    const st = await stat(lockPath);
    if (st.ino !== owner.ino || Math.round(st.birthtimeMs) !== owner.birth) return false;
  } catch {
    return false;
  }
  await rm(lockPath, { recursive: true, force: true });
  await rm(`${lockPath}.owner`, { force: true });
  return true;
}

async function recordOwner(lockPath: string): Promise<void> {
  try {
    const st = await stat(lockPath);
    const owner: LockOwner = { host: HOST, pid: process.pid, ino: st.ino, birth: Math.round(st.birthtimeMs) };
    await writeFile(`${lockPath}.owner`, JSON.stringify(owner));
  } catch {
    /* best effort: without it the lock still goes stale by age */
  }
}

export class FileLocks {
  private readonly local = new KeyedMutex();

  constructor(private readonly o: FileLockOptions = {}) {}

  /**
   * Runs `fn` while holding the lock `lockPath` (a path that names the lock itself; its folder is created).
   * Throws an `unavailable` LfError when another process holds it for longer than the wait.
   */
  run<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
    return this.local.run(lockPath, async () => {
      await mkdir(dirname(lockPath), { recursive: true });
      const waitMs = this.o.waitMs ?? DEFAULT_WAIT_MS;
      let release: () => Promise<void>;
      await clearDeadOwnerLock(lockPath).catch(() => false);
      try {
        release = await lockfile.lock(lockPath, {
          realpath: false,
          lockfilePath: lockPath,
          stale: Math.max(2000, this.o.staleMs ?? DEFAULT_STALE_MS),
          retries: { retries: Math.ceil(waitMs / RETRY_MAX_MS) + 8, factor: 1.5, minTimeout: RETRY_MIN_MS, maxTimeout: RETRY_MAX_MS },
        });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ELOCKED') {
          throw new LfError('unavailable', `Another process is still changing this project (lock ${lockPath}); try again in a moment`, { cause: e });
        }
        throw e;
      }
      await recordOwner(lockPath);
      try {
        return await fn();
      } finally {
        await rm(`${lockPath}.owner`, { force: true }).catch(() => undefined);
        await release().catch(() => undefined); // best effort: a lock left behind goes stale and is taken over
      }
    });
  }
}
