/** Writing small zip packages for tests (stored or deflated entries), hostile ones included. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createDeflateRaw, crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  /** The content, or a generator of `size` bytes of `fill` (deflated as a stream: a bomb never sits in memory). */
  data: Buffer | string | { fill: string; size: number };
}

async function deflateStream(fill: string, size: number): Promise<{ bytes: Buffer; crc: number }> {
  const deflate = createDeflateRaw({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on('data', (d: Buffer) => parts.push(d));
  const block = Buffer.alloc(1 << 20, fill);
  let crc = 0;
  for (let left = size; left > 0; left -= block.length) {
    const piece = left >= block.length ? block : block.subarray(0, left);
    crc = crc32(piece, crc);
    if (!deflate.write(piece)) await once(deflate, 'drain');
  }
  deflate.end();
  await once(deflate, 'end');
  return { bytes: Buffer.concat(parts), crc };
}

export async function writeZip(path: string, entries: ZipEntry[]): Promise<void> {
  const out = createWriteStream(path);
  const central: Buffer[] = [];
  let offset = 0;
  const write = async (b: Buffer) => {
    if (!out.write(b)) await once(out, 'drain');
    offset += b.length;
  };
  for (const e of entries) {
    const name = Buffer.from(e.name);
    let bytes: Buffer;
    let crc: number;
    let size: number;
    if (typeof e.data === 'object' && !Buffer.isBuffer(e.data)) {
      ({ bytes, crc } = await deflateStream(e.data.fill, e.data.size));
      size = e.data.size;
    } else {
      const raw = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data);
      bytes = deflateRawSync(raw);
      crc = crc32(raw);
      size = raw.length;
    }
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(bytes.length, 18);
    local.writeUInt32LE(size >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    const cen = Buffer.alloc(46);
    cen.writeUInt32LE(0x02014b50, 0);
    cen.writeUInt16LE(20, 4);
    cen.writeUInt16LE(20, 6);
    cen.writeUInt16LE(8, 10);
    cen.writeUInt32LE(crc >>> 0, 16);
    cen.writeUInt32LE(bytes.length, 20);
    cen.writeUInt32LE(size >>> 0, 24);
    cen.writeUInt16LE(name.length, 28);
    cen.writeUInt32LE(offset, 42);
    central.push(cen, name);
    await write(local);
    await write(name);
    await write(bytes);
  }
  const cdOffset = offset;
  const cd = Buffer.concat(central);
  await write(cd);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  await write(eocd);
  out.end();
  await once(out, 'finish');
}
