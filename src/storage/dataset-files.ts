/**
 * A dataset's file store (decision 0009, original §1.1): bytes content-addressed by SHA-256 under `raw/`, a
 * metadata JSON per file under `meta/`. Uploads stream to a temp file while hashing and are renamed into place,
 * never held whole in memory; the size cap is enforced while streaming.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, extname, basename } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import mime from 'mime-types';
import { LfError } from '../core/errors.js';
import { safeBasename } from '../core/names.js';
import { writeFileAtomic } from '../core/fs-atomic.js';
import { asStorageError } from '../core/storage-errors.js';
import { isNotFound } from '../core/fs-errors.js';

export interface FileMeta {
  original_file_name: string;
  resolved_file_name: string;
  timestamp: number;
  size: number;
  mime_type: string;
  hash: string;
}

export const FILE_HASH_RE = /^[0-9a-f]{64}$/;

/** Suffix of a file renamed aside by a removal in progress (`beginRemove`). */
export const DELETING_SUFFIX = '.deleting';

export function guessMimeType(filename: string, declared?: string): string {
  if (declared && declared !== 'application/octet-stream') return declared;
  return mime.lookup(filename) || 'application/octet-stream';
}

export class DatasetFileStore {
  constructor(readonly dir: string) {}

  private get metaDir(): string {
    return join(this.dir, 'meta');
  }
  private get rawDir(): string {
    return join(this.dir, 'raw');
  }
  private get tmpDir(): string {
    return join(this.dir, 'tmp');
  }

  rawPath(hash: string): string {
    if (!FILE_HASH_RE.test(hash)) throw new LfError('not_found', `File ${hash} not found`);
    return join(this.rawDir, hash);
  }

  async ensure(): Promise<void> {
    await Promise.all([mkdir(this.metaDir, { recursive: true }), mkdir(this.rawDir, { recursive: true }), mkdir(this.tmpDir, { recursive: true })]);
  }

  /** Streams `source` in; the same bytes already present → `skipped: true` and nothing is written. */
  async save(source: Readable, filename: string, declaredMime: string | undefined, maxBytes: number, timestamp = Date.now() / 1000): Promise<{ meta: FileMeta; skipped: boolean }> {
    try {
      return await this.saveOnce(source, filename, declaredMime, maxBytes, timestamp);
    } catch (e) {
      throw asStorageError(e, `store the upload ${safeBasename(filename)}`);
    }
  }

  private async saveOnce(source: Readable, filename: string, declaredMime: string | undefined, maxBytes: number, timestamp: number): Promise<{ meta: FileMeta; skipped: boolean }> {
    await this.ensure();
    const tmp = join(this.tmpDir, `${process.pid}-${randomUUID()}`);
    const hasher = createHash('sha256');
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > maxBytes) return cb(new LfError('payload_too_large', `File exceeds the upload limit of ${maxBytes} bytes (LF_MAX_UPLOAD_BYTES)`));
        hasher.update(chunk);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(source, counter, createWriteStream(tmp));
      if ((source as Readable & { truncated?: boolean }).truncated) throw new LfError('payload_too_large', `File exceeds the upload limit of ${maxBytes} bytes (LF_MAX_UPLOAD_BYTES)`);
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw e;
    }
    const hash = hasher.digest('hex');
    const existing = await this.get(hash);
    if (existing) {
      await rm(tmp, { force: true });
      return { meta: existing, skipped: true };
    }
    const name = safeBasename(filename);
    const ext = extname(name);
    const meta: FileMeta = {
      original_file_name: name,
      resolved_file_name: `${basename(name, ext)}_${timestamp}${ext}`,
      timestamp,
      size,
      mime_type: guessMimeType(name, declaredMime),
      hash,
    };
    const raw = join(this.rawDir, hash);
    try {
      await rename(tmp, raw);
      await writeFileAtomic(join(this.metaDir, `${hash}.json`), JSON.stringify(meta, null, 2));
    } catch (e) {
      // Without its metadata the file is not in the dataset: leave no bytes behind either.
      await rm(tmp, { force: true }).catch(() => undefined);
      await rm(raw, { force: true }).catch(() => undefined);
      throw e;
    }
    return { meta, skipped: false };
  }

  /** Copies a local file in (examples); same rules as an upload. */
  async importFile(path: string, filename: string, maxBytes: number): Promise<{ meta: FileMeta; skipped: boolean }> {
    const st = await stat(path);
    return this.save(createReadStream(path), filename, undefined, maxBytes, st.mtimeMs / 1000);
  }

  async get(hash: string): Promise<FileMeta | undefined> {
    if (!FILE_HASH_RE.test(hash)) return undefined;
    let text: string;
    try {
      text = await readFile(join(this.metaDir, `${hash}.json`), 'utf8');
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e; // unreadable (permissions, I/O): not the same as "no such file"
    }
    try {
      return JSON.parse(text) as FileMeta;
    } catch {
      return undefined; // metadata is written atomically: unparseable means damaged from outside; not a file of ours
    }
  }

  /** All files, oldest upload first; unreadable metadata is skipped. */
  async list(): Promise<FileMeta[]> {
    let names: string[];
    try {
      names = await readdir(this.metaDir);
    } catch (e) {
      if (isNotFound(e)) return []; // no upload yet
      throw e;
    }
    const metas = await Promise.all(names.filter((n) => n.endsWith('.json')).map((n) => this.get(n.slice(0, -5))));
    return metas.filter((m): m is FileMeta => m !== undefined).sort((a, b) => a.timestamp - b.timestamp || a.hash.localeCompare(b.hash));
  }

  /** Removes the file from the dataset; `keepBytes` leaves the stored bytes on disk. */
  async remove(hash: string, o: { keepBytes?: boolean } = {}): Promise<boolean> {
    const removal = await this.beginRemove(hash, o);
    if (!removal) return false;
    await removal.commit();
    return true;
  }

  /**
   * The first half of a removal that can be undone: the file's metadata (and its bytes unless `keepBytes`) are
   * renamed aside (`.<name>.deleting`), which fails on a read-only or inaccessible folder before anything changed.
   * `commit` deletes them, `rollback` puts them back; a crash in between is rolled back by the start-up sweep
   * (storage/leftovers.ts). Undefined when the file is not in the dataset.
   */
  async beginRemove(hash: string, o: { keepBytes?: boolean } = {}): Promise<{ commit(): Promise<void>; rollback(): Promise<void> } | undefined> {
    if (!(await this.get(hash))) return undefined;
    const moves: [string, string][] = [[join(this.metaDir, `${hash}.json`), join(this.metaDir, `.${hash}.json${DELETING_SUFFIX}`)]];
    if (!o.keepBytes) moves.push([join(this.rawDir, hash), join(this.rawDir, `.${hash}${DELETING_SUFFIX}`)]);
    const done: [string, string][] = [];
    const rollback = async () => {
      for (const [from, to] of done.reverse()) await rename(to, from).catch(() => undefined);
    };
    try {
      for (const [from, to] of moves) {
        try {
          await rename(from, to);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT' && from !== moves[0][0]) continue;
          throw e;
        }
        done.push([from, to]);
      }
    } catch (e) {
      await rollback();
      throw asStorageError(e, 'remove the file from the dataset');
    }
    return {
      commit: async () => {
        for (const [, to] of done) await rm(to, { force: true }).catch(() => undefined);
      },
      rollback,
    };
  }

  async removeAll(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
