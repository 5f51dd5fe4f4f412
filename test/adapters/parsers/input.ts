/** Shared by the parser tests: build a ParserInput for a file and run one parser type on it. */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { getParser } from '../../../src/adapters/parsers/registry.js';
import type { ParsedDocument, ParserInput } from '../../../src/adapters/parsers/types.js';
import { sharedPath } from '../../helpers/shared.js';

export const corpus = (...parts: string[]) => sharedPath('corpora', ...parts);

export async function inputFor(path: string, filename = basename(path), mimeType = 'application/octet-stream'): Promise<ParserInput> {
  return { path, filename, mimeType, size: (await stat(path)).size };
}

export async function parseWith(type: string, path: string, config: Record<string, unknown> = {}, filename?: string): Promise<ParsedDocument[]> {
  return getParser(type).parse(await inputFor(path, filename), config);
}

/** Resolves to the error a promise rejects with (fails when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}
