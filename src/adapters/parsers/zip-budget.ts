/**
 * Bounding a zip package (DOCX, XLSX) before a library unpacks it: the libraries inflate entries whole into
 * memory, so a 1 MB package that inflates to 1 GB costs gigabytes before anything can fail. Here the central
 * directory is read (entry count), then every entry is inflated as a stream and only counted, stopping at the
 * limit — constant memory, and the declared sizes (which a bomb can fake) are not trusted.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInflateRaw } from 'node:zlib';
import { ParseError } from './types.js';

export interface ZipBudget {
  maxEntries: number;
  maxBytes: number;
}

interface Entry {
  name: string;
  method: number;
  compressedSize: number;
  localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;
const MAX_COMMENT = 0xffff;

function tooLarge(message: string): ParseError {
  return new ParseError(message, 'too_large');
}

async function readAt(fh: Awaited<ReturnType<typeof open>>, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/** Entries of the central directory (ZIP64 sizes/offsets read from the extra field). */
async function centralDirectory(path: string, maxEntries: number): Promise<Entry[]> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const tailLength = Math.min(size, 22 + MAX_COMMENT + 20);
    const tail = await readAt(fh, size - tailLength, tailLength);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIG) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new ParseError('not a valid zip package (no end of central directory)', 'malformed');
    let count = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    if ((count === 0xffff || cdOffset === 0xffffffff) && eocd >= 20 && tail.readUInt32LE(eocd - 20) === ZIP64_LOCATOR_SIG) {
      const z64 = await readAt(fh, Number(tail.readBigUInt64LE(eocd - 12)), 56);
      count = Number(z64.readBigUInt64LE(32));
      cdSize = Number(z64.readBigUInt64LE(40));
      cdOffset = Number(z64.readBigUInt64LE(48));
    }
    if (count > maxEntries) throw tooLarge(`the package has ${count} entries; the limit is ${maxEntries} (LF_MAX_ZIP_ENTRIES)`);
    if (cdOffset + cdSize > size) throw new ParseError('not a valid zip package (central directory out of range)', 'malformed');
    const cd = await readAt(fh, cdOffset, cdSize);
    const entries: Entry[] = [];
    let p = 0;
    while (p + 46 <= cd.length && cd.readUInt32LE(p) === CEN_SIG) {
      const nameLength = cd.readUInt16LE(p + 28);
      const extraLength = cd.readUInt16LE(p + 30);
      const commentLength = cd.readUInt16LE(p + 32);
      let compressedSize = cd.readUInt32LE(p + 20);
      const uncompressed32 = cd.readUInt32LE(p + 24);
      let localHeaderOffset = cd.readUInt32LE(p + 42);
      const extra = cd.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength);
      for (let q = 0; q + 4 <= extra.length; ) {
        const id = extra.readUInt16LE(q);
        const len = extra.readUInt16LE(q + 2);
        if (id === 0x0001) {
          let r = q + 4;
          if (uncompressed32 === 0xffffffff) r += 8;
          if (compressedSize === 0xffffffff && r + 8 <= q + 4 + len) {
            compressedSize = Number(extra.readBigUInt64LE(r));
            r += 8;
          }
          if (localHeaderOffset === 0xffffffff && r + 8 <= q + 4 + len) localHeaderOffset = Number(extra.readBigUInt64LE(r));
        }
        q += 4 + len;
      }
      entries.push({ name: cd.toString('utf8', p + 46, p + 46 + nameLength), method: cd.readUInt16LE(p + 10), compressedSize, localHeaderOffset });
      if (entries.length > maxEntries) throw tooLarge(`the package has more than ${maxEntries} entries (LF_MAX_ZIP_ENTRIES)`);
      p += 46 + nameLength + extraLength + commentLength;
    }
    // Where each entry's data starts: after its local header (whose name/extra lengths may differ).
    for (const e of entries) {
      const loc = await readAt(fh, e.localHeaderOffset, 30);
      if (loc.length < 30 || loc.readUInt32LE(0) !== LOC_SIG) throw new ParseError(`not a valid zip package (bad local header for ${e.name})`, 'malformed');
      e.localHeaderOffset += 30 + loc.readUInt16LE(26) + loc.readUInt16LE(28);
    }
    return entries;
  } finally {
    await fh.close();
  }
}

/** Inflates one entry's data, counting; rejects once `budget` bytes are exceeded. Returns the inflated size. */
function inflatedSize(path: string, e: Entry, budget: number, limit: number): Promise<number> {
  if (e.method === 0) return Promise.resolve(e.compressedSize);
  if (e.method !== 8) return Promise.reject(new ParseError(`zip entry ${e.name} uses compression method ${e.method}, which is not supported`, 'unsupported'));
  if (e.compressedSize === 0) return Promise.resolve(0);
  return new Promise((resolve, reject) => {
    const source = createReadStream(path, { start: e.localHeaderOffset, end: e.localHeaderOffset + e.compressedSize - 1, highWaterMark: 1 << 20 });
    const inflate = createInflateRaw({ chunkSize: 1 << 20 });
    let n = 0;
    const stop = (err: Error) => {
      source.destroy();
      inflate.destroy();
      reject(err);
    };
    inflate.on('data', (chunk: Buffer) => {
      n += chunk.length;
      if (n > budget) stop(tooLarge(`the package inflates to more than ${limit} bytes; the limit is ${limit} bytes (LF_MAX_DECOMPRESSED_BYTES)`));
    });
    inflate.on('end', () => resolve(n));
    inflate.on('error', (err) => stop(new ParseError(`not a valid zip package (${e.name}: ${err.message})`, 'malformed')));
    source.on('error', stop);
    source.pipe(inflate);
  });
}

/**
 * Throws a ParseError (`too_large`) naming the limit when the package has more entries than `maxEntries` or
 * inflates to more than `maxBytes` in total; `malformed` when it is not a readable zip.
 */
export async function checkZipBudget(path: string, budget: ZipBudget): Promise<{ entries: number; bytes: number }> {
  const entries = await centralDirectory(path, budget.maxEntries);
  let total = 0;
  for (const e of entries) total += await inflatedSize(path, e, budget.maxBytes - total, budget.maxBytes);
  return { entries: entries.length, bytes: total };
}
