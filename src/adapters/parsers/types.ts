/**
 * Parsers turn one stored file into documents (a page, a section, a sheet, a block of rows).
 * Chunking is a separate step (src/adapters/chunkers); a parser only says what the natural units are.
 */
import { AdapterError } from '../../core/adapter-error.js';

export interface ParserInput {
  /** Absolute path of the stored bytes (content-addressed; has no extension). */
  path: string;
  /** Original (sanitised) file name: selection and metadata use it. */
  filename: string;
  mimeType: string;
  size: number;
}

export interface ParsedDocument {
  text: string;
  /** page (1-based), headings (string[]), sheet, row_start/row_end, section, ... */
  metadata: Record<string, unknown>;
}

export interface ParseOptions {
  signal?: AbortSignal;
}

/**
 * Why a file could not be parsed. `empty`: no text at all; `timeout`: the parser ran past its time limit;
 * `too_large`: the file is over a limit on work per file (pages, rows, decompressed bytes).
 */
export type ParseFailureReason = 'encrypted' | 'no_text' | 'malformed' | 'unsupported' | 'empty' | 'timeout' | 'too_large' | 'other';

export interface Parser {
  /** Our canonical type name, e.g. `PDFParser`. */
  readonly type: string;
  /** Chunking strategy used when the entry's config names none (`sentences`, `sections`, `rows`, ...). */
  readonly defaultChunkStrategy?: string;
  parse(file: ParserInput, config: Record<string, unknown>, o?: ParseOptions): Promise<ParsedDocument[]>;
}

/** A parse failure that should fail this file with a clear reason (encrypted, image-only, malformed). */
export class ParseError extends AdapterError {
  constructor(message: string, readonly reason: ParseFailureReason = 'other') {
    super(reason === 'other' ? 'internal' : 'invalid_input', 'Parser', message);
    this.name = 'ParseError';
  }
}

/** The part of a logger (pino-compatible) the ingestion adapters use to report skipped work. */
export interface WarnLog {
  warn(obj: Record<string, unknown>, msg?: string): void;
}
