import { readFile } from 'node:fs/promises';
import { decodeText, looksLikeText, binarySignature, normaliseNewlines, type DecodedText } from './decode.js';
import { ParseError, type ParserInput } from './types.js';
import { configString, type Config } from './config.js';

/** Reads a stored file as text, refusing binary content; `config.encoding` is used for non-UTF-8 bytes. */
export async function readTextFile(file: ParserInput, config: Config, declared?: string): Promise<DecodedText> {
  const buf = await readFile(file.path);
  if (!looksLikeText(buf)) {
    const kind = binarySignature(buf);
    throw new ParseError(kind ? `binary content (${kind}), not text` : 'binary content, not text', 'unsupported');
  }
  const wanted = configString(config, 'encoding');
  const decoded = decodeText(buf, declared ?? (wanted && wanted.toLowerCase() !== 'utf-8' ? wanted : undefined));
  return { ...decoded, text: normaliseNewlines(decoded.text) };
}
