/**
 * One blob from the hub into the cache: streamed to `blobs/<etag>.incomplete`, resumed with HTTP Range after an
 * interruption (the partial file also survives an aborted request, for the next attempt), checked against the
 * hub's sha256 (LFS files) or git blob sha1 (small files), and only then renamed to `blobs/<etag>`. A mismatch
 * deletes the partial file and fails without retrying. One transfer per blob at a time in this process.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { isLfError, upstreamError } from '../../core/errors.js';
import { KeyedMutex } from '../../core/mutex.js';
import { exists, partialSize } from './cache-layout.js';
import type { HubClient } from './hub-client.js';

export interface BlobSource {
  /** Where the bytes are (CDN location or resolve URL). */
  url: string;
  size: number | null;
  /** Expected sha256 (LFS files). */
  sha256?: string;
  /** Expected git blob sha1 (files kept in git rather than LFS). */
  gitSha1?: string;
  /** File name for messages. */
  label: string;
}

export interface BlobTransferOptions {
  signal?: AbortSignal;
  /** Bytes of the blob on disk so far; called for every piece received. */
  onProgress?: (bytes: number) => void;
  headersTimeoutMs: number;
  stallTimeoutMs: number;
  /** Resumes after a network failure before giving up. */
  retries: number;
  /** First pause between attempts (doubles each time). */
  retryDelayMs?: number;
}

export class ChecksumMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChecksumMismatchError';
  }
}

/** A transfer that broke in a way worth resuming (socket closed, stall, short body). */
class TransientTransferError extends Error {}

const locks = new KeyedMutex();

export async function downloadBlob(hub: HubClient, src: BlobSource, blobPath: string, o: BlobTransferOptions): Promise<void> {
  await locks.run(blobPath, async () => {
    if (await exists(blobPath)) return;
    await mkdir(dirname(blobPath), { recursive: true });
    const partial = `${blobPath}.incomplete`;
    let sha256: string | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        sha256 = await transfer(hub, src, partial, o);
        break;
      } catch (e) {
        if (o.signal?.aborted) throw o.signal.reason ?? e;
        if (!isTransient(e) || attempt >= o.retries) throw isTransient(e) ? upstreamError(`Download of ${src.label} failed: ${(e as Error).message}`, e) : e;
        await sleep((o.retryDelayMs ?? 250) * 2 ** attempt, undefined, { signal: o.signal });
      }
    }
    await verify(src, partial, sha256);
    await rename(partial, blobPath);
  });
}

/** Streams the rest of the blob into the partial file; returns the sha256 of the whole file. */
async function transfer(hub: HubClient, src: BlobSource, partial: string, o: BlobTransferOptions): Promise<string> {
  let start = await partialSize(partial);
  if (src.size !== null && start > src.size) {
    await truncate(partial, 0);
    start = 0;
  }
  if (src.size !== null && start === src.size && start > 0) {
    o.onProgress?.(start);
    return hashFile(partial);
  }
  const stall = new AbortController();
  let timer = setTimeout(() => stall.abort(), o.headersTimeoutMs);
  const signal = o.signal ? AbortSignal.any([o.signal, stall.signal]) : stall.signal;
  try {
    const res = await hub.fetchFrom(src.url, start, signal);
    if (res.status === 416) {
      await res.body?.cancel();
      // The server has nothing past our partial file: it is whole if the size was unknown, else start over.
      if (src.size === null && start > 0) return hashFile(partial);
      await truncate(partial, 0).catch(() => undefined); // best effort: the next attempt overwrites it anyway
      throw new TransientTransferError(`the server refused the range bytes=${start}-`);
    }
    if (res.status === 206) {
      const from = Number(/^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1]);
      if (from !== start) {
        await res.body?.cancel();
        await truncate(partial, 0);
        throw new TransientTransferError(`the server resumed at byte ${from} instead of ${start}`);
      }
    } else start = 0; // 200: the whole file again
    if (!res.body) throw new TransientTransferError('the server sent no body');
    const hash = createHash('sha256');
    if (start > 0) await hashInto(hash, partial);
    let bytes = start;
    o.onProgress?.(bytes);
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(), o.stallTimeoutMs);
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        timer.refresh();
        hash.update(chunk);
        bytes += chunk.length;
        o.onProgress?.(bytes);
        cb(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), meter, createWriteStream(partial, { flags: start > 0 ? 'a' : 'w' }), { signal });
    if (src.size !== null && bytes < src.size) throw new TransientTransferError(`the transfer ended at byte ${bytes} of ${src.size}`);
    return hash.digest('hex');
  } catch (e) {
    if (stall.signal.aborted && !o.signal?.aborted) throw new TransientTransferError(`no data from the server for ${Math.round(o.stallTimeoutMs / 1000)} s`);
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

async function verify(src: BlobSource, partial: string, sha256: string | undefined): Promise<void> {
  const bytes = await partialSize(partial);
  const fail = async (what: string) => {
    await rm(partial, { force: true });
    throw new ChecksumMismatchError(`${src.label}: ${what}; the file was discarded`);
  };
  if (src.size !== null && bytes !== src.size) await fail(`expected ${src.size} bytes, got ${bytes}`);
  if (src.sha256) {
    const got = sha256 ?? (await hashFile(partial));
    if (got !== src.sha256.toLowerCase()) await fail(`checksum mismatch (sha256 expected ${src.sha256}, got ${got})`);
  } else if (src.gitSha1) {
    const hash = createHash('sha1').update(`blob ${bytes}\0`);
    await hashInto(hash, partial);
    const got = hash.digest('hex');
    if (got !== src.gitSha1.toLowerCase()) await fail(`checksum mismatch (git blob sha1 expected ${src.gitSha1}, got ${got})`);
  }
}

async function hashInto(hash: Hash, path: string): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await hashInto(hash, path);
  return hash.digest('hex');
}

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ERR_STREAM_PREMATURE_CLOSE']);

function isTransient(e: unknown): boolean {
  if (e instanceof TransientTransferError) return true;
  if (isLfError(e)) return e.kind === 'upstream';
  if (e instanceof TypeError) return true; // undici: "terminated" / "fetch failed" when the socket goes away
  const err = e as { code?: string; cause?: { code?: string } };
  return TRANSIENT_CODES.has(err.code ?? '') || TRANSIENT_CODES.has(err.cause?.code ?? '');
}
