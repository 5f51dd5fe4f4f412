/**
 * The CPU-bound part of ingesting one file: parse → chunk → extract (→ embed, for in-JS embedders). It runs in
 * a worker thread (see prepare-pool.ts) so the API stays responsive while large documents are processed.
 */
import { parseFile } from '../../adapters/parsers/parse-file.js';
import { runExtractors } from '../../adapters/extractors/run.js';
import { assignChunkIds } from '../../adapters/chunkers/ids.js';
import { createEmbedder } from '../../adapters/embedders/registry.js';
import type { ExtractorEntryConfig, ParserEntryConfig } from '../../config/schema.js';

export interface PrepareInput {
  path: string;
  filename: string;
  mimeType: string;
  size: number;
  fileHash: string;
  parsers: ParserEntryConfig[];
  extractors: ExtractorEntryConfig[];
  /** When set, vectors are computed here too (embedders that run in JS: hashing, sentence encoder). */
  embedder?: { type: string; config: Record<string, unknown> };
}

export interface PreparedChunk {
  id: string;
  text: string;
  metadata: Record<string, unknown>;
}

export interface PreparedFile {
  parser: string;
  documentCount: number;
  chunks: PreparedChunk[];
  extractors: string[];
  warnings: string[];
  vectors?: Float32Array[];
  embedder?: { model: string; dimension: number };
}


export async function prepareFile(input: PrepareInput): Promise<PreparedFile> {
  const warnings: string[] = [];
  const log = { warn: (obj: Record<string, unknown>, msg?: string) => void warnings.push(msg ? `${msg}: ${JSON.stringify(obj)}` : JSON.stringify(obj)) };
  const parsed = await parseFile(input.parsers, { path: input.path, filename: input.filename, mimeType: input.mimeType, size: input.size }, { log });
  const extracted = await runExtractors(input.extractors, parsed.chunks, { filename: input.filename, mimeType: input.mimeType, path: input.path }, log);
  const chunks = assignChunkIds(parsed.chunks, input.fileHash).map((c, i, all) => ({
    id: c.id,
    text: c.text,
    metadata: { ...c.metadata, file_hash: input.fileHash, chunk_index: i, total_chunks: all.length },
  }));
  const out: PreparedFile = {
    parser: parsed.parser,
    documentCount: parsed.documents.length,
    chunks,
    extractors: extracted.applied,
    warnings: parsed.notice ? [parsed.notice, ...warnings] : warnings,
  };
  if (input.embedder && chunks.length) {
    const embedder = createEmbedder(input.embedder.type, input.embedder.config);
    out.vectors = await embedder.embed(chunks.map((c) => c.text));
    out.embedder = { model: embedder.model, dimension: embedder.dimension };
  }
  return out;
}
