/**
 * Chunking preview (`POST .../rag/databases/{db}/preview`, the original's route): parse + chunk (+ extractors)
 * of a stored file or of uploaded bytes with optional chunking overrides, storing nothing. Problems a person can
 * act on come back as warnings (an encrypted or image-only PDF, a chunk size that cuts most sentences), never as
 * a failed request.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProjectsService } from '../projects.js';
import type { DataLayout } from '../../storage/layout.js';
import type { DataProcessingStrategyConfig, ParserEntryConfig, ProjectConfig } from '../../config/schema.js';
import { DatasetFileStore, guessMimeType } from '../../storage/dataset-files.js';
import { parseFile } from '../../adapters/parsers/parse-file.js';
import { runExtractors } from '../../adapters/extractors/run.js';
import { ParseError } from '../../adapters/parsers/types.js';
import { safeBasename } from '../../core/names.js';
import { badRequest, errorMessage, LfError, notFound, unprocessable } from '../../core/errors.js';
import { joinDocuments, locateChunks } from '../datasets/chunks.js';

export interface PreviewRequest {
  dataset_id?: string;
  file_hash?: string;
  file_content?: string;
  filename?: string;
  data_processing_strategy?: string;
  chunk_size?: number;
  chunk_overlap?: number;
  chunk_strategy?: string;
}

export interface PreviewChunk {
  chunk_index: number;
  content: string;
  start_position: number | null;
  end_position: number | null;
  char_count: number;
  word_count: number;
  metadata: Record<string, unknown>;
}

export interface PreviewAnswer {
  database: string;
  filename: string;
  parser: string | null;
  data_processing_strategy: string | null;
  chunks: PreviewChunk[];
  stats: { chunks: number; avg_chars: number; min: number; max: number };
  warnings: string[];
}

const SENTENCE_END = /[.!?]["'\u201d\u2019)\]]*$/;

/** Chunks that end mid-sentence (not counting the last, which ends where the text ends). */
export function cutSentences(contents: string[]): number {
  return contents.slice(0, -1).filter((c) => !SENTENCE_END.test(c.trimEnd())).length;
}

const REASON_ADVICE: Record<string, string> = {
  encrypted: 'the file is encrypted: set the parser\'s `password` in the strategy, or upload an unencrypted copy',
  no_text: 'the file has no text layer (a scan or images only): run OCR on it first, or use a parser that does',
  empty: 'the file has no text to index',
  unsupported: 'no parser of this strategy reads this kind of file: add one that does (see the parser list)',
  timeout: 'parsing took too long: split the file or raise the parser\'s time limit',
  malformed: 'the file is damaged: re-export it from its source',
};

export class PreviewService {
  constructor(private readonly deps: { projects: ProjectsService; layout: DataLayout; maxUploadBytes: number }) {}

  async preview(ns: string, project: string, database: string, body: PreviewRequest): Promise<PreviewAnswer> {
    const config = await this.deps.projects.loadConfig(ns, project);
    if (!(config.rag?.databases ?? []).some((d) => d.name === database)) throw notFound(`Database '${database}' not found`);
    const strategy = pickStrategy(config, database, body);
    const source = await this.source(ns, project, body);
    try {
      return await this.run(database, strategy, source, body);
    } finally {
      await source.cleanup();
    }
  }

  private async source(ns: string, project: string, body: PreviewRequest) {
    if (body.file_content !== undefined) {
      if (!body.filename) throw unprocessable([{ loc: ['body', 'filename'], msg: 'Field required with file_content', type: 'missing' }]);
      const approx = Math.floor((body.file_content.length * 3) / 4);
      if (approx > this.deps.maxUploadBytes + 3) throw new LfError('payload_too_large', `file_content exceeds the upload limit of ${this.deps.maxUploadBytes} bytes (LF_MAX_UPLOAD_BYTES)`);
      const bytes = Buffer.from(body.file_content, 'base64');
      const dir = join(this.deps.layout.dataDir, 'tmp', 'preview');
      await mkdir(dir, { recursive: true });
      const path = join(dir, randomUUID());
      await writeFile(path, bytes);
      const filename = safeBasename(body.filename);
      return { path, filename, mimeType: guessMimeType(filename), size: bytes.length, cleanup: () => rm(path, { force: true }) };
    }
    if (!body.dataset_id || !body.file_hash) {
      throw unprocessable([{ loc: ['body'], msg: 'Send {dataset_id, file_hash} of a stored file, or {file_content (base64), filename}', type: 'missing' }]);
    }
    const config = await this.deps.projects.loadConfig(ns, project);
    if (!(config.datasets ?? []).some((d) => d.name === body.dataset_id)) throw notFound(`Dataset ${body.dataset_id} not found`);
    const files = new DatasetFileStore(this.deps.layout.datasetDir(ns, project, body.dataset_id));
    const meta = await files.get(body.file_hash);
    if (!meta) throw notFound(`File ${body.file_hash} not found`);
    const path = files.rawPath(meta.hash);
    const size = (await stat(path)).size;
    return { path, filename: meta.original_file_name, mimeType: meta.mime_type, size, cleanup: async () => undefined };
  }

  private async run(database: string, strategy: DataProcessingStrategyConfig | undefined, src: { path: string; filename: string; mimeType: string; size: number }, body: PreviewRequest): Promise<PreviewAnswer> {
    const warnings: string[] = [];
    const log = { warn: (obj: Record<string, unknown>, msg?: string) => void warnings.push(msg ? `${msg} (${Object.entries(obj).map(([k, v]) => `${k}: ${String(v)}`).join(', ')})` : JSON.stringify(obj)) };
    const parsers = overrideChunking(strategy?.parsers ?? [{ type: 'auto' } as ParserEntryConfig], body);
    const answer: PreviewAnswer = {
      database,
      filename: src.filename,
      parser: null,
      data_processing_strategy: strategy?.name ?? null,
      chunks: [],
      stats: { chunks: 0, avg_chars: 0, min: 0, max: 0 },
      warnings,
    };
    if (body.chunk_size !== undefined && body.chunk_overlap !== undefined && body.chunk_overlap >= body.chunk_size) {
      warnings.push(`chunk_overlap (${body.chunk_overlap}) is not smaller than chunk_size (${body.chunk_size}): every chunk would repeat the previous one`);
    }
    let parsed;
    try {
      parsed = await parseFile(parsers, { path: src.path, filename: src.filename, mimeType: src.mimeType, size: src.size }, { log });
    } catch (e) {
      if (!(e instanceof ParseError)) throw badRequest(`Could not preview ${src.filename}: ${errorMessage(e)}`);
      const advice = REASON_ADVICE[e.reason];
      warnings.push(`${errorMessage(e)}${advice ? ` — ${advice}` : ''}`);
      return answer;
    }
    answer.parser = parsed.parser;
    await runExtractors(strategy?.extractors ?? [], parsed.chunks, { filename: src.filename, mimeType: src.mimeType, path: src.path }, log);
    const { text } = joinDocuments(parsed.documents);
    const contents = parsed.chunks.map((c) => c.text);
    const positions = locateChunks(text, contents);
    answer.chunks = parsed.chunks.map((c, i) => ({
      chunk_index: i,
      content: c.text,
      start_position: positions[i]?.[0] ?? null,
      end_position: positions[i]?.[1] ?? null,
      char_count: c.text.length,
      word_count: c.text.split(/\s+/).filter(Boolean).length,
      metadata: { ...c.metadata, chunk_index: i, total_chunks: parsed.chunks.length },
    }));
    const sizes = answer.chunks.map((c) => c.char_count);
    answer.stats = {
      chunks: sizes.length,
      avg_chars: sizes.length ? Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length) : 0,
      min: sizes.length ? Math.min(...sizes) : 0,
      max: sizes.length ? Math.max(...sizes) : 0,
    };
    const cut = cutSentences(contents);
    if (contents.length >= 3 && cut > (contents.length - 1) / 2) {
      warnings.push(`${cut} of ${contents.length} chunks end mid-sentence: a larger chunk_size or chunk_strategy "sentences" keeps sentences whole`);
    }
    if (text.trim().length < 20 * parsed.documents.length) warnings.push('very little text was extracted: the file may be a scan without a text layer');
    return answer;
  }
}

/** The strategy to preview with: named, else the dataset's, else one used with this database, else the first. */
function pickStrategy(config: ProjectConfig, database: string, body: PreviewRequest): DataProcessingStrategyConfig | undefined {
  const all = config.rag?.data_processing_strategies ?? [];
  const byName = (name: string | undefined) => (name ? all.find((s) => s.name === name) : undefined);
  if (body.data_processing_strategy) {
    const s = byName(body.data_processing_strategy);
    if (!s) throw notFound(`Data processing strategy '${body.data_processing_strategy}' not found`);
    return s;
  }
  const datasets = config.datasets ?? [];
  const ds = datasets.find((d) => d.name === body.dataset_id) ?? datasets.find((d) => d.database === database);
  return byName(ds?.data_processing_strategy) ?? all[0];
}

/** The strategy's parser entries with the request's chunking overrides in each entry's config. */
function overrideChunking(parsers: ParserEntryConfig[], body: PreviewRequest): ParserEntryConfig[] {
  const o: Record<string, unknown> = {};
  if (body.chunk_size !== undefined) o.chunk_size = body.chunk_size;
  if (body.chunk_overlap !== undefined) o.chunk_overlap = body.chunk_overlap;
  if (body.chunk_strategy !== undefined) o.chunk_strategy = body.chunk_strategy;
  if (Object.keys(o).length === 0) return parsers;
  return parsers.map((p) => ({ ...p, config: { ...(p.config ?? {}), ...o } }));
}
