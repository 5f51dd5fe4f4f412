/**
 * Bounding a PDF's compressed streams before pdf.js opens it: pdf.js inflates a content stream whole (into
 * memory outside the worker's heap limit), so a 1 MB flate bomb grows to gigabytes and stalls the page. Every
 * `stream … endstream` span is inflated here as a counted stream (nothing kept) and the total is held to the
 * decompressed-bytes limit. Spans that are not zlib data (images in DCT, broken streams) count what they yield.
 * Files over `MAX_SCANNED_BYTES` are not pre-scanned (their pages stay bounded by the per-page time limit).
 */
import { readFile, stat } from 'node:fs/promises';
import { createInflate } from 'node:zlib';
import { ParseError } from './types.js';

const MAX_SCANNED_BYTES = 64 * 1024 * 1024;
const STREAM = Buffer.from('stream');
const END_STREAM = Buffer.from('endstream');

/** Inflated size of one zlib span, stopping once `budget` is exceeded (returns budget + 1 then). */
function inflatedSize(data: Buffer, budget: number): Promise<number> {
  return new Promise((resolve) => {
    const inflate = createInflate({ chunkSize: 1 << 20 });
    let n = 0;
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      resolve(n);
    };
    inflate.on('data', (chunk: Buffer) => {
      n += chunk.length;
      if (n > budget) {
        inflate.destroy();
        done();
      }
    });
    inflate.on('end', done);
    inflate.on('error', done);
    inflate.on('close', done);
    inflate.end(data);
  });
}

/** Throws a `too_large` ParseError naming LF_MAX_DECOMPRESSED_BYTES when the PDF's streams inflate past `maxBytes`. */
export async function checkPdfStreams(path: string, maxBytes: number): Promise<number> {
  if ((await stat(path)).size > MAX_SCANNED_BYTES) return 0;
  const pdf = await readFile(path);
  let total = 0;
  for (let at = pdf.indexOf(STREAM); at >= 0; at = pdf.indexOf(STREAM, at + 1)) {
    // `stream` that is not the tail of `endstream`, followed by an end of line.
    if (at >= 3 && pdf.toString('latin1', at - 3, at) === 'end') continue;
    let start = at + STREAM.length;
    if (pdf[start] === 0x0d) start++;
    if (pdf[start] !== 0x0a) continue;
    start++;
    const end = pdf.indexOf(END_STREAM, start);
    if (end < 0) break;
    if (pdf[start] === 0x78) total += await inflatedSize(pdf.subarray(start, end), maxBytes - total);
    if (total > maxBytes) {
      throw new ParseError(`the PDF's compressed streams inflate to more than ${maxBytes} bytes; the limit is ${maxBytes} bytes (LF_MAX_DECOMPRESSED_BYTES)`, 'too_large');
    }
    at = end + END_STREAM.length - 1;
  }
  return total;
}
