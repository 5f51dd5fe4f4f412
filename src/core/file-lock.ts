/**
 * A lock shared by every process that sees the same folder (several API replicas and `lf worker`s on one data
 * dir, possibly over a network file system): an in-process keyed mutex first, so this process queues its own
 * work in order, then a `proper-lockfile` lock (an atomic `mkdir` whose mtime the holder refreshes; a lock whose
 * holder died goes stale after `staleMs` and is taken over).
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import lockfile from 'proper-lockfile';
import { KeyedMutex } from './mutex.js';
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
      try {
        return await fn();
      } finally {
        await release().catch(() => undefined); // best effort: a lock left behind goes stale and is taken over
      }
    });
  }
}
