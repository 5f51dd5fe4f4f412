/**
 * The conformance suite every parser passes: a real sample becomes documents with string text and object
 * metadata; an empty file gives no documents or a ParseError; garbage bytes give a ParseError or documents
 * within a bounded time (never a crash or a hang).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { resolveChunkStrategy } from '../../src/adapters/chunkers/registry.js';
import { getParser } from '../../src/adapters/parsers/registry.js';
import { ParseError, type ParsedDocument, type ParserInput } from '../../src/adapters/parsers/types.js';

export interface ParserFixture {
  /** Type name given to the registry (canonical or alias). */
  type: string;
  /** Canonical type the parser must report. */
  canonical: string;
  /** Absolute path of a real sample file of this parser's format. */
  sample: string;
  filename: string;
  mimeType: string;
  /** A string the sample's text must contain. */
  expectText: string;
  /** Extension for the empty/garbage files, so name-based logic sees the right type. */
  extension: string;
  skip?: false | string;
}

const BOUND_MS = 30_000;

/** Deterministic pseudo-random bytes (xorshift32). */
export function garbageBytes(length: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

async function input(path: string, filename: string, mimeType: string): Promise<ParserInput> {
  return { path, filename, mimeType, size: (await stat(path)).size };
}

function assertDocuments(docs: unknown): asserts docs is ParsedDocument[] {
  assert.ok(Array.isArray(docs), 'parse() resolves to an array');
  for (const d of docs as ParsedDocument[]) {
    assert.equal(typeof d.text, 'string');
    assert.ok(d.metadata !== null && typeof d.metadata === 'object' && !Array.isArray(d.metadata), 'metadata is an object');
  }
}

/** Resolves to the parse outcome, or rejects if it takes longer than BOUND_MS. */
async function parseBounded(fx: ParserFixture, file: ParserInput): Promise<{ docs?: ParsedDocument[]; error?: unknown }> {
  const parser = getParser(fx.type);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${fx.type} did not finish within ${BOUND_MS} ms`)), BOUND_MS);
  });
  try {
    return await Promise.race([
      parser.parse(file, {}).then((docs) => ({ docs }), (error: unknown) => ({ error })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function describeParserConformance(fx: ParserFixture): void {
  describe(`parser conformance: ${fx.type}`, { skip: fx.skip }, () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'lf-parser-conf-'));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    test('reports its canonical type and a known default chunk strategy', () => {
      const parser = getParser(fx.type);
      assert.equal(parser.type, fx.canonical);
      if (parser.defaultChunkStrategy !== undefined) assert.ok(resolveChunkStrategy(parser.defaultChunkStrategy));
    });

    test('parses a real sample into documents with string text and object metadata', async () => {
      const { docs, error } = await parseBounded(fx, await input(fx.sample, fx.filename, fx.mimeType));
      assert.equal(error, undefined, `sample failed: ${String(error)}`);
      assertDocuments(docs);
      assert.ok(docs.length >= 1, 'at least one document');
      assert.ok(docs.every((d) => d.text.trim() !== ''), 'no empty documents');
      assert.ok(docs.some((d) => d.text.includes(fx.expectText)), `some document contains ${JSON.stringify(fx.expectText)}`);
    });

    test('an empty file gives no documents or a ParseError', async () => {
      const path = join(dir, `empty.${fx.extension}`);
      await writeFile(path, '');
      const { docs, error } = await parseBounded(fx, await input(path, `empty.${fx.extension}`, fx.mimeType));
      if (error !== undefined) {
        assert.ok(error instanceof ParseError, `expected a ParseError, got ${String(error)}`);
      } else {
        assertDocuments(docs);
        assert.ok(docs.every((d) => d.text.trim() !== ''), 'no empty documents');
      }
    });

    for (const [label, bytes] of [
      ['random bytes', garbageBytes(64 * 1024)],
      ['a format header followed by random bytes', Buffer.concat([Buffer.from('%PDF-1.7\nPK\u0003\u0004<html>{"a":'), garbageBytes(16 * 1024, 7)])],
    ] as const) {
      test(`garbage (${label}) gives a ParseError or documents within a bounded time`, { timeout: BOUND_MS + 5_000 }, async () => {
        const path = join(dir, `garbage.${fx.extension}`);
        await writeFile(path, bytes);
        const { docs, error } = await parseBounded(fx, await input(path, `garbage.${fx.extension}`, fx.mimeType));
        if (error !== undefined) assert.ok(error instanceof ParseError, `expected a ParseError, got ${String(error)}`);
        else assertDocuments(docs);
      });
    }
  });
}
