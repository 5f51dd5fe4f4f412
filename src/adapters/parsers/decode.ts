/**
 * Turning stored bytes into text: BOM-marked UTF-8/16/32, BOM-less UTF-16/32 (by the zero-byte pattern),
 * strict UTF-8, a charset the caller names (e.g. from an HTML `<meta charset>`), else Windows-1252 (a superset
 * of the printable Latin-1 range, so Latin-1 files decode the same).
 */

export interface DecodedText {
  text: string;
  /** WHATWG encoding label actually used, e.g. `utf-8`, `utf-16le`, `windows-1252`. */
  encoding: string;
  /** True when a byte-order mark was present (and stripped). */
  bom: boolean;
}

const SAMPLE_BYTES = 4096;

function startsWith(buf: Uint8Array, bytes: number[]): boolean {
  if (buf.length < bytes.length) return false;
  return bytes.every((b, i) => buf[i] === b);
}

/** Decodes UTF-32 (not supported by TextDecoder) one code point at a time; invalid code points become U+FFFD. */
function decodeUtf32(buf: Uint8Array, littleEndian: boolean): string {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const parts: string[] = [];
  let batch: number[] = [];
  for (let i = 0; i + 4 <= buf.length; i += 4) {
    const cp = view.getUint32(i, littleEndian);
    batch.push(cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? cp : 0xfffd);
    if (batch.length === 8192) {
      parts.push(String.fromCodePoint(...batch));
      batch = [];
    }
  }
  if (batch.length) parts.push(String.fromCodePoint(...batch));
  return parts.join('');
}

/** Guesses BOM-less UTF-16/32 from where the zero bytes sit in a sample (ASCII-heavy text has one per unit). */
function sniffWideEncoding(buf: Uint8Array): 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be' | undefined {
  const n = Math.min(buf.length, SAMPLE_BYTES) & ~3;
  if (n < 4) return undefined;
  const zerosAt = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) if (buf[i] === 0) zerosAt[i % 4]++;
  const units = n / 4;
  const mostly = (count: number) => count >= units * 0.7;
  const rarely = (count: number) => count <= units * 0.05;
  if (mostly(zerosAt[1]) && mostly(zerosAt[2]) && mostly(zerosAt[3]) && rarely(zerosAt[0])) return 'utf-32le';
  if (mostly(zerosAt[0]) && mostly(zerosAt[1]) && mostly(zerosAt[2]) && rarely(zerosAt[3])) return 'utf-32be';
  const even = zerosAt[0] + zerosAt[2];
  const odd = zerosAt[1] + zerosAt[3];
  const pairs = n / 2;
  if (odd >= pairs * 0.6 && even <= pairs * 0.05) return 'utf-16le';
  if (even >= pairs * 0.6 && odd <= pairs * 0.05) return 'utf-16be';
  return undefined;
}

/**
 * Windows-1252 bytes 0x80–0x9F (Node 20's TextDecoder treats the `windows-1252` label as Latin-1 and maps these
 * to C1 controls instead of the WHATWG table). Undefined bytes (0x81, 0x8D, 0x8F, 0x90, 0x9D) map to themselves.
 */
const CP1252_HIGH = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f'
  + '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

export function decodeCp1252(buf: Uint8Array): string {
  const latin1 = new TextDecoder('latin1').decode(buf);
  return latin1.replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]);
}

function tryDecoder(label: string, buf: Uint8Array, fatal: boolean): string | undefined {
  try {
    return new TextDecoder(label, { fatal, ignoreBOM: true }).decode(buf);
  } catch {
    return undefined;
  }
}

/** True when `label` names an encoding this runtime's TextDecoder knows. */
export function isKnownEncoding(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}

/**
 * Decodes bytes to text. `declared` is a charset named by the content itself or by config (used only when there
 * is no BOM and the bytes are not valid UTF-8).
 */
export function decodeText(buf: Uint8Array, declared?: string): DecodedText {
  if (startsWith(buf, [0xef, 0xbb, 0xbf])) {
    return { text: new TextDecoder('utf-8').decode(buf.subarray(3)), encoding: 'utf-8', bom: true };
  }
  // UTF-32 LE's BOM starts with UTF-16 LE's, so test it first.
  if (startsWith(buf, [0xff, 0xfe, 0x00, 0x00])) return { text: decodeUtf32(buf.subarray(4), true), encoding: 'utf-32le', bom: true };
  if (startsWith(buf, [0x00, 0x00, 0xfe, 0xff])) return { text: decodeUtf32(buf.subarray(4), false), encoding: 'utf-32be', bom: true };
  if (startsWith(buf, [0xff, 0xfe])) return { text: new TextDecoder('utf-16le').decode(buf.subarray(2)), encoding: 'utf-16le', bom: true };
  if (startsWith(buf, [0xfe, 0xff])) return { text: new TextDecoder('utf-16be').decode(buf.subarray(2)), encoding: 'utf-16be', bom: true };

  const wide = sniffWideEncoding(buf);
  if (wide === 'utf-32le' || wide === 'utf-32be') {
    return { text: decodeUtf32(buf, wide === 'utf-32le'), encoding: wide, bom: false };
  }
  if (wide) return { text: new TextDecoder(wide).decode(buf), encoding: wide, bom: false };

  const utf8 = tryDecoder('utf-8', buf, true);
  if (utf8 !== undefined) return { text: utf8, encoding: 'utf-8', bom: false };

  if (declared && isKnownEncoding(declared)) {
    const label = new TextDecoder(declared).encoding;
    if (label === 'windows-1252') return { text: decodeCp1252(buf), encoding: label, bom: false };
    if (label !== 'utf-8') {
      const text = tryDecoder(label, buf, false);
      if (text !== undefined) return { text, encoding: label, bom: false };
    }
  }
  return { text: decodeCp1252(buf), encoding: 'windows-1252', bom: false };
}

/** Signatures of binary container formats that must never be read as text. */
const BINARY_SIGNATURES: Array<{ name: string; bytes: number[] }> = [
  { name: 'PDF', bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] }, // %PDF-
  { name: 'ZIP (OOXML/ODF/EPUB)', bytes: [0x50, 0x4b, 0x03, 0x04] },
  { name: 'ZIP (empty)', bytes: [0x50, 0x4b, 0x05, 0x06] },
  { name: 'OLE compound file (legacy Office or encrypted OOXML)', bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1] },
  { name: 'PNG', bytes: [0x89, 0x50, 0x4e, 0x47] },
  { name: 'JPEG', bytes: [0xff, 0xd8, 0xff] },
  { name: 'GIF', bytes: [0x47, 0x49, 0x46, 0x38] },
  { name: 'gzip', bytes: [0x1f, 0x8b] },
  { name: 'GGUF', bytes: [0x47, 0x47, 0x55, 0x46] },
];

/** Names the binary format of `buf` when it has a known signature. */
export function binarySignature(buf: Uint8Array): string | undefined {
  return BINARY_SIGNATURES.find((s) => startsWith(buf, s.bytes))?.name;
}

/**
 * True when the bytes look like text in some encoding we decode: no known binary signature, and (after the
 * wide-encoding check) few control characters in a sample.
 */
export function looksLikeText(buf: Uint8Array): boolean {
  if (buf.length === 0) return true;
  if (binarySignature(buf)) return false;
  const hasBom = startsWith(buf, [0xef, 0xbb, 0xbf]) || startsWith(buf, [0xff, 0xfe]) || startsWith(buf, [0xfe, 0xff])
    || startsWith(buf, [0x00, 0x00, 0xfe, 0xff]);
  if (hasBom || sniffWideEncoding(buf)) return true;
  const n = Math.min(buf.length, SAMPLE_BYTES);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = buf[i];
    if (b === 0) return false;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) control++;
  }
  return control <= n * 0.02;
}

/** Normalises line endings to `\n` and drops NUL characters. */
export function normaliseNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n').replaceAll(String.fromCharCode(0), '');
}
