/**
 * Chunk inspection: a stored file's chunks in order, and its parsed text with page boundaries, so a client can
 * highlight a chunk in its source. Positions are offsets into the parsed text: the file's documents joined
 * with a blank line (as `text` returns it); each chunk is found in it from where the previous one started.
 */
import type { ProjectsService } from '../projects.js';
import type { DataLayout } from '../../storage/layout.js';
import type { RagResources } from '../rag/resources.js';
import type { StoredRow, VectorStore } from '../../adapters/stores/types.js';
import type { ParserEntryConfig } from '../../config/schema.js';
import { DatasetFileStore } from '../../storage/dataset-files.js';
import { parseFile } from '../../adapters/parsers/parse-file.js';
import { badRequest, errorMessage, notFound } from '../../core/errors.js';

export const DOCUMENT_SEPARATOR = '\n\n';

export interface ParsedText {
  parser: string;
  text: string;
  pages: { page: number; start_position: number; end_position: number }[];
}

export interface InspectedChunk {
  chunk_id: string;
  chunk_index: number;
  content: string;
  start_position: number | null;
  end_position: number | null;
  page: number | null;
  metadata: Record<string, unknown>;
}

/** Joins parsed documents into one text and records where each page lies in it. */
export function joinDocuments(docs: { text: string; metadata: Record<string, unknown> }[]): Omit<ParsedText, 'parser'> {
  let text = '';
  const pages: ParsedText['pages'] = [];
  docs.forEach((d, i) => {
    if (i > 0) text += DOCUMENT_SEPARATOR;
    const start = text.length;
    text += d.text;
    const page = d.metadata.page;
    if (typeof page === 'number' && Number.isInteger(page)) pages.push({ page, start_position: start, end_position: text.length });
  });
  return { text, pages };
}

/**
 * Where each chunk lies in `text` (in chunk order): searched from the previous chunk's start (chunks overlap),
 * then anywhere; null when the chunk is not a slice of the text (e.g. table rows re-rendered by the chunker).
 */
export function locateChunks(text: string, contents: string[]): ([number, number] | null)[] {
  let from = 0;
  return contents.map((c) => {
    if (!c) return null;
    let at = text.indexOf(c, from);
    if (at < 0) at = text.indexOf(c);
    if (at < 0) return null;
    from = at + 1;
    return [at, at + c.length];
  });
}

const chunkIndexOf = (r: StoredRow) => {
  const m = r.metadata.chunk_index;
  if (typeof m === 'number') return m;
  const tail = /_(\d+)$/.exec(r.id);
  return tail ? Number(tail[1]) : 0;
};

/** Every stored chunk of one file of a dataset, in chunk order. */
export async function fileRows(store: VectorStore, dataset: string, hash: string): Promise<StoredRow[]> {
  const rows: StoredRow[] = [];
  if (store.readRows) {
    for await (const r of store.readRows()) if (r.metadata.file_hash === hash && r.metadata.dataset === dataset) rows.push(r);
  } else {
    // Stores that cannot list rows: a filtered search with any valid vector returns all of them.
    const d = await store.describe();
    if (d.dimension > 0) {
      const total = await store.count({ file_hash: hash, dataset });
      if (total > 0) {
        const hits = await store.search({ vector: new Float32Array(d.dimension).fill(1), topK: total, filter: { file_hash: hash, dataset }, exact: true });
        rows.push(...hits.map((h) => ({ id: h.id, text: h.text, metadata: h.metadata })));
      }
    }
  }
  return rows.sort((a, b) => chunkIndexOf(a) - chunkIndexOf(b) || a.id.localeCompare(b.id));
}

export class ChunkInspector {
  private readonly cache = new Map<string, Promise<ParsedText>>();

  constructor(private readonly deps: { projects: ProjectsService; layout: DataLayout; resources: RagResources }) {}

  private async context(ns: string, project: string, dataset: string, hash: string) {
    const config = await this.deps.projects.loadConfig(ns, project);
    const ds = (config.datasets ?? []).find((d) => d.name === dataset);
    if (!ds) throw notFound(`Dataset ${dataset} not found`);
    const files = new DatasetFileStore(this.deps.layout.datasetDir(ns, project, dataset));
    const meta = await files.get(hash);
    if (!meta) throw notFound(`File ${hash} not found`);
    const strategy = (config.rag?.data_processing_strategies ?? []).find((s) => s.name === ds.data_processing_strategy);
    const db = (config.rag?.databases ?? []).find((d) => d.name === ds.database);
    return { meta, rawPath: files.rawPath(hash), parsers: strategy?.parsers ?? [], db };
  }

  /** The file parsed with its dataset's parsers (a few recent results are kept). */
  private parsed(rawPath: string, meta: { original_file_name: string; mime_type: string; size: number }, parsers: ParserEntryConfig[]): Promise<ParsedText> {
    const key = JSON.stringify([rawPath, parsers]);
    let p = this.cache.get(key);
    if (!p) {
      p = parseFile(parsers, { path: rawPath, filename: meta.original_file_name, mimeType: meta.mime_type, size: meta.size }).then(
        (r) => ({ parser: r.parser, ...joinDocuments(r.documents) }),
        (e: unknown) => {
          throw badRequest(`Could not parse ${meta.original_file_name}: ${errorMessage(e)}`);
        },
      );
      this.cache.set(key, p);
      p.catch(() => this.cache.delete(key));
      while (this.cache.size > 8) this.cache.delete(this.cache.keys().next().value!);
    }
    return p;
  }

  async text(ns: string, project: string, dataset: string, hash: string) {
    const c = await this.context(ns, project, dataset, hash);
    const parsed = await this.parsed(c.rawPath, c.meta, c.parsers);
    return { file_hash: hash, filename: c.meta.original_file_name, parser: parsed.parser, text: parsed.text, length: parsed.text.length, pages: parsed.pages };
  }

  async chunks(ns: string, project: string, dataset: string, hash: string, limit: number, offset: number) {
    const c = await this.context(ns, project, dataset, hash);
    let rows: StoredRow[] = [];
    if (c.db) {
      const store = await this.deps.resources.store(ns, project, c.db).catch(() => undefined);
      if (store) rows = await fileRows(store, dataset, hash);
    }
    const page = rows.slice(offset, offset + limit);
    let positions: ([number, number] | null)[] = page.map(() => null);
    if (page.length > 0) {
      const parsed = await this.parsed(c.rawPath, c.meta, c.parsers).catch(() => undefined);
      // Located over every chunk so a page's positions match the whole file's order.
      if (parsed) positions = locateChunks(parsed.text, rows.map((r) => r.text)).slice(offset, offset + limit);
    }
    const chunks: InspectedChunk[] = page.map((r, i) => ({
      chunk_id: r.id,
      chunk_index: chunkIndexOf(r),
      content: r.text,
      start_position: positions[i]?.[0] ?? null,
      end_position: positions[i]?.[1] ?? null,
      page: typeof r.metadata.page === 'number' ? r.metadata.page : null,
      metadata: r.metadata,
    }));
    return { file_hash: hash, filename: c.meta.original_file_name, total: rows.length, limit, offset, chunks };
  }
}
