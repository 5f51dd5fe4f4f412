/** Recognising Office containers before handing them to a library: OOXML is a zip; OLE compound files are
 * either legacy binary formats (.doc/.xls) or password-encrypted OOXML. */
import { open } from 'node:fs/promises';
import { loadLimits } from '../../core/settings.js';
import { ParseError } from './types.js';
import { checkZipBudget } from './zip-budget.js';

const ZIP = [0x50, 0x4b];
const OLE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
/** `EncryptionInfo` in UTF-16LE: the stream name that marks an encrypted OOXML package inside an OLE file. */
const ENCRYPTION_INFO = Buffer.from('EncryptionInfo', 'utf16le');

export type OfficeContainer = 'zip' | 'encrypted' | 'legacy' | 'other';

export async function officeContainer(path: string): Promise<OfficeContainer> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await fh.read(head, 0, 8, 0);
    if (bytesRead >= 2 && head[0] === ZIP[0] && head[1] === ZIP[1]) return 'zip';
    if (bytesRead === 8 && OLE.every((b, i) => head[i] === b)) {
      // The directory of a small OLE file sits near its start; encrypted packages are small containers, so
      // reading the first MiB is enough to find the stream name.
      const probe = Buffer.alloc(1 << 20);
      const r = await fh.read(probe, 0, probe.length, 0);
      return probe.subarray(0, r.bytesRead).includes(ENCRYPTION_INFO) ? 'encrypted' : 'legacy';
    }
    return 'other';
  } finally {
    await fh.close();
  }
}

/** Throws the ParseError that fits a container that is not a readable OOXML zip, or a zip over the zip limits. */
export async function requireOoxmlZip(path: string, kind: 'Word' | 'Excel'): Promise<void> {
  const container = await officeContainer(path);
  if (container === 'zip') {
    const limits = loadLimits();
    await checkZipBudget(path, { maxEntries: limits.maxZipEntries, maxBytes: limits.maxDecompressedBytes });
    return;
  }
  if (container === 'encrypted') throw new ParseError(`password-protected ${kind} file (encrypted OOXML package)`, 'encrypted');
  if (container === 'legacy') {
    throw new ParseError(`legacy binary ${kind} format (.${kind === 'Word' ? 'doc' : 'xls'}) is not supported; save it as .${kind === 'Word' ? 'docx' : 'xlsx'}`, 'unsupported');
  }
  throw new ParseError(`not ${kind === 'Excel' ? 'an' : 'a'} ${kind} document (not a zip package)`, 'malformed');
}
