/**
 * Citations (issue 18 item 1): the retrieved chunks a turn put in the model's context, as `sources` a client can
 * resolve `[n]` markers against. Numbering is the context block's (`Source 1`, `Source 2`, ... in
 * `ragContextBlock`), so `index` n is the chunk the model was shown as "Source n". Sent only when the request sets
 * `include_sources`; without it nothing here touches the wire.
 */
import { chunkSource } from './prompts.js';
import type { RetrievedChunk } from './types.js';

export const DEFAULT_SOURCES_LIMIT = 10;
export const MAX_SOURCES_LIMIT = 100;

export interface ChatSource {
  /** 1-based, as numbered in the injected context. */
  index: number;
  content: string;
  /** The file name the chunk came from ("unknown" when not recorded). */
  source: string;
  score: number;
  chunk_id: string;
  document_id: string | null;
  dataset: string | null;
  database: string | null;
  page: number | string | null;
  start_position: number | null;
  end_position: number | null;
  metadata: Record<string, unknown>;
}

/** What a turn cites: the sources, and why there are none when retrieval was skipped or failed. */
export interface TurnSources {
  sources: ChatSource[];
  reason?: string;
}

/** The stream event sent before the first token (the original server's shape). */
export interface SourcesEvent {
  type: 'sources';
  sources: ChatSource[];
  reason?: string;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function firstOf(meta: Record<string, unknown>, keys: readonly string[], pick: (v: unknown) => number | string | null): number | string | null {
  for (const k of keys) {
    const v = pick(meta[k]);
    if (v !== null) return v;
  }
  return null;
}

const pageOf = (v: unknown): number | string | null => int(v) ?? str(v);

/** The sources of the chunks in context order, the first `limit` of them. */
export function buildSources(chunks: readonly RetrievedChunk[], database: string | undefined, limit: number): ChatSource[] {
  return chunks.slice(0, limit).map((c, i) => {
    const m = c.metadata;
    return {
      index: i + 1,
      content: c.content,
      source: chunkSource(m),
      score: c.score,
      chunk_id: c.chunk_id,
      document_id: c.document_id ?? str(m.document_id) ?? str(m.file_hash),
      dataset: str(m.dataset),
      database: database ?? null,
      page: firstOf(m, ['page', 'page_number'], pageOf),
      start_position: firstOf(m, ['start_position', 'start_char', 'start_index', 'line_start', 'row_start'], int) as number | null,
      end_position: firstOf(m, ['end_position', 'end_char', 'end_index', 'line_end', 'row_end'], int) as number | null,
      metadata: m,
    };
  });
}

export function sourcesEvent(s: TurnSources): SourcesEvent {
  return { type: 'sources', sources: s.sources, ...(s.reason ? { reason: s.reason } : {}) };
}

export function isSourcesEvent(v: unknown): v is SourcesEvent {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'sources';
}
