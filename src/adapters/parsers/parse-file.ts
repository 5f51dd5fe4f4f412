/**
 * Steps 3 of ingestion for one file: try the selected parsers in order, then chunk the winner's documents with
 * its entry's chunking config and stamp chunk metadata. Ids and file bookkeeping are the pipeline's
 * (chunkers/ids.ts), extractors run after this (extractors/run.ts).
 */
import { DEFAULT_ROWS_PER_CHUNK } from '../chunkers/rows.js';
import { getChunker, resolveChunkStrategy } from '../chunkers/registry.js';
import type { Chunk } from '../chunkers/types.js';
import { AutoParser } from './auto.js';
import { configOptionalNumber, configString } from './config.js';
import { getParser } from './registry.js';
import { selectParsers, type ParserEntry } from './select.js';
import {
  ParseError, type ParsedDocument, type ParseFailureReason, type Parser, type ParserInput, type WarnLog,
} from './types.js';

export const DEFAULT_CHUNK_SIZE = 1000;
export const DEFAULT_CHUNK_OVERLAP = 100;

export interface ParseFileOptions {
  signal?: AbortSignal;
  log?: WarnLog;
}

export interface ParseFileResult {
  documents: ParsedDocument[];
  /** Canonical type of the parser that produced the documents, e.g. `PDFParser`. */
  parser: string;
  chunks: Chunk[];
  /**
   * Set when another parser read the file after the one its name or type called for found it malformed: e.g. a
   * `.docx` that is no Word document, read as text ("x.docx is not a DOCX file (…); it was read as plain text").
   */
  notice?: string;
}

/** One parser's failed try. */
export interface ParseAttempt {
  parser: string;
  reason: ParseFailureReason;
  message: string;
}

/** Every candidate failed: `attempts` holds each one's reason; `reason` is the most telling of them. */
export class FileParseError extends ParseError {
  constructor(message: string, reason: ParseFailureReason, readonly attempts: ParseAttempt[]) {
    super(message, reason);
    this.name = 'FileParseError';
  }
}

/** A specific reason (encrypted, no text, malformed, ...) beats "empty", which beats "wrong parser for this". */
function overallReason(attempts: ParseAttempt[]): ParseFailureReason {
  const specific = attempts.find((a) => a.reason !== 'unsupported' && a.reason !== 'empty');
  if (specific) return specific.reason;
  return attempts.some((a) => a.reason === 'empty') ? 'empty' : 'unsupported';
}

const FORMAT_NAMES: Record<string, string> = { DocxParser: 'DOCX', ExcelParser: 'XLSX', PDFParser: 'PDF', JSONParser: 'JSON', CSVParser: 'CSV', HTMLParser: 'HTML' };

/** What a fallback's success means for the user: the file is not what its name says. */
function fallbackNotice(filename: string, attempts: ParseAttempt[], used: string): string | undefined {
  const wrong = attempts.find((a) => a.reason === 'malformed' && FORMAT_NAMES[a.parser]);
  if (!wrong) return undefined;
  const how = used === 'TextParser' ? 'plain text' : `${used}`;
  return `${filename} is not a ${FORMAT_NAMES[wrong.parser]} file (${wrong.message}); it was read as ${how}`;
}

function failure(input: ParserInput, attempts: ParseAttempt[]): FileParseError {
  if (input.size === 0 || attempts.every((a) => a.reason === 'empty')) {
    return new FileParseError(`${input.filename}: the file is empty (no text to index)`, 'empty', attempts);
  }
  const detail = attempts.map((a) => `${a.parser}: ${a.message}`).join('; ');
  const reason = overallReason(attempts);
  const what = reason === 'unsupported' ? 'no configured parser can read this file' : 'could not be parsed';
  return new FileParseError(`${input.filename}: ${what} (${detail})`, reason, attempts);
}

/** Chunking settings of an entry: its `chunk_strategy` (else the parser's default), `chunk_size`, `chunk_overlap`. */
export function chunkSettings(parser: Parser, config: Record<string, unknown>, log?: WarnLog): { strategy: string; size: number; overlap: number } {
  const requested = configString(config, 'chunk_strategy');
  let strategy = requested ? resolveChunkStrategy(requested) : undefined;
  if (requested && !strategy) log?.warn({ parser: parser.type, chunk_strategy: requested }, 'unknown chunk_strategy; using the parser default');
  strategy ??= resolveChunkStrategy(parser.defaultChunkStrategy ?? 'sentences') ?? 'sentences';
  const rows = strategy === 'rows';
  const size = configOptionalNumber(config, 'chunk_size') ?? (rows ? DEFAULT_ROWS_PER_CHUNK : DEFAULT_CHUNK_SIZE);
  const overlap = configOptionalNumber(config, 'chunk_overlap') ?? (rows ? 0 : DEFAULT_CHUNK_OVERLAP);
  return { strategy, size: Math.max(1, size), overlap: Math.max(0, overlap) };
}

function chunkDocuments(docs: ParsedDocument[], parser: Parser, entry: ParserEntry, input: ParserInput, log?: WarnLog): Chunk[] {
  const { strategy, size, overlap } = chunkSettings(parser, entry.config ?? {}, log);
  const chunks = getChunker(strategy).chunk(docs, { chunkSize: size, chunkOverlap: overlap });
  return chunks.map((c) => ({
    ...c,
    metadata: {
      ...c.metadata,
      source: input.filename,
      file_name: input.filename,
      parser: parser.type,
      ...(entry.fallback ? { parse_fallback: entry.fallback } : {}),
      chunk_strategy: strategy,
      chunk_size: size,
      chunk_overlap: overlap,
    },
  }));
}

/**
 * Parses one stored file with the strategy's parser entries: candidates from `selectParsers` are tried in turn and
 * the first that yields at least one non-empty document wins. Throws a FileParseError (a ParseError) naming each
 * attempt's reason when none does; an abort signal's reason is thrown as is.
 */
export async function parseFile(entries: ParserEntry[], input: ParserInput, o: ParseFileOptions = {}): Promise<ParseFileResult> {
  const attempts: ParseAttempt[] = [];
  for (const entry of selectParsers(entries, input)) {
    o.signal?.throwIfAborted();
    let parser: Parser;
    try {
      parser = getParser(entry.type);
      if (parser instanceof AutoParser) parser = await parser.resolve(input);
    } catch (err) {
      attempts.push({ parser: entry.type, reason: 'unsupported', message: err instanceof Error ? err.message : String(err) });
      continue;
    }
    try {
      const documents = (await parser.parse(input, entry.config ?? {}, { signal: o.signal }))
        .filter((d) => typeof d.text === 'string' && d.text.trim() !== '');
      if (documents.length === 0) {
        attempts.push({ parser: parser.type, reason: 'empty', message: 'no text' });
        continue;
      }
      const notice = attempts.length ? fallbackNotice(input.filename, attempts, parser.type) : undefined;
      return { documents, parser: parser.type, chunks: chunkDocuments(documents, parser, entry, input, o.log), ...(notice ? { notice } : {}) };
    } catch (err) {
      if (o.signal?.aborted) throw o.signal.reason;
      const message = err instanceof Error ? err.message : String(err);
      attempts.push({ parser: parser.type, reason: err instanceof ParseError ? err.reason : 'other', message });
      if (!(err instanceof ParseError)) o.log?.warn({ parser: parser.type, file: input.filename, err: message }, 'parser failed unexpectedly');
    }
  }
  throw failure(input, attempts);
}
