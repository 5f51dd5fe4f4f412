/**
 * The processing state of each file of a dataset, kept next to its metadata (`<dataset>/state/<hash>.json`) so
 * every process sharing the data dir (API replicas, `lf worker`) sees the same answer. A file without a state
 * file was uploaded and never processed.
 */
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../core/fs-atomic.js';
import { FILE_HASH_RE } from '../../storage/dataset-files.js';

export type FileStatus = 'uploaded' | 'processing' | 'processed' | 'failed';

export interface FileState {
  status: Exclude<FileStatus, 'uploaded'>;
  chunks: number;
  parser: string | null;
  error: string | null;
  /** Seconds since the epoch, when the last processing of the file ended. */
  processed_at: number | null;
  task_id: string | null;
}

export class FileStateStore {
  constructor(private readonly datasetDir: string) {}

  private get dir(): string {
    return join(this.datasetDir, 'state');
  }

  async get(hash: string): Promise<FileState | undefined> {
    if (!FILE_HASH_RE.test(hash)) return undefined;
    try {
      return JSON.parse(await readFile(join(this.dir, `${hash}.json`), 'utf8')) as FileState;
    } catch {
      return undefined;
    }
  }

  async all(): Promise<Map<string, FileState>> {
    const out = new Map<string, FileState>();
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return out;
    }
    await Promise.all(
      names
        .filter((n) => n.endsWith('.json'))
        .map(async (n) => {
          const s = await this.get(n.slice(0, -5));
          if (s) out.set(n.slice(0, -5), s);
        }),
    );
    return out;
  }

  async set(hash: string, state: FileState): Promise<void> {
    if (!FILE_HASH_RE.test(hash)) return;
    await writeFileAtomic(join(this.dir, `${hash}.json`), JSON.stringify(state));
  }

  async remove(hash: string): Promise<void> {
    if (!FILE_HASH_RE.test(hash)) return;
    await rm(join(this.dir, `${hash}.json`), { force: true });
  }
}
