import type { ParsedDocument } from '../parsers/types.js';
import { effectiveSize } from './per-document.js';
import { splitToLimit } from './limit.js';
import { lineSpans, type Span } from './split.js';
import type { Chunk, ChunkOptions, Chunker } from './types.js';

/** Rows per chunk when `rows_per_chunk` is asked for without a number. */
export const DEFAULT_ROWS_PER_CHUNK = 10;
/**
 * A `chunk_size` below this with the `rows` strategy is read the old way, as rows per chunk (configs written for
 * the original's pandas parsers say `chunk_size: 50` and mean rows); from it up, characters (decision 0122).
 */
export const LEGACY_ROWS_BELOW = 100;
/** Characters a chunk of `rows_per_chunk` rows may hold when no `chunk_size` bounds it. */
export const MAX_ROWS_CHUNK_CHARS = 8000;

function groupKey(doc: ParsedDocument): string {
  return JSON.stringify([doc.metadata.sheet ?? null, doc.metadata.table_title ?? null]);
}

/** One row (or line) to pack, with the numbers it covers. */
interface Unit {
  text: string;
  first: number;
  last: number;
}

interface PackLimits {
  maxChars: number;
  maxUnits: number;
  overlapUnits: number;
  overlapChars: number;
}

/**
 * Packs whole units greedily (joined by `sep`) into chunks of at most `maxChars` characters and `maxUnits` units;
 * the next chunk repeats the last `overlapUnits` units (or those fitting in `overlapChars`). A unit longer than
 * `maxChars` on its own is split into pieces that each fit (`part`/`parts` in the metadata).
 */
function packUnits(units: Unit[], sep: string, limits: PackLimits, emit: (text: string, first: Unit, last: Unit, count: number, part?: [number, number]) => void): void {
  const { maxChars, maxUnits } = limits;
  let i = 0;
  while (i < units.length) {
    const u = units[i];
    if (u.text.length > maxChars) {
      const pieces = splitToLimit(u.text, maxChars);
      pieces.forEach((p, k) => emit(p, u, u, 1, [k + 1, pieces.length]));
      i++;
      continue;
    }
    let j = i;
    let len = u.text.length;
    while (j + 1 < units.length && j + 2 - i <= maxUnits && units[j + 1].text.length <= maxChars && len + sep.length + units[j + 1].text.length <= maxChars) {
      j++;
      len += sep.length + units[j].text.length;
    }
    emit(units.slice(i, j + 1).map((x) => x.text).join(sep), units[i], units[j], j + 1 - i);
    if (j + 1 >= units.length) break;
    let k = j + 1;
    if (limits.overlapUnits > 0) k = Math.max(i + 1, j + 1 - limits.overlapUnits);
    else if (limits.overlapChars > 0) {
      let carried = 0;
      while (k - 1 > i && carried + units[k - 1].text.length <= limits.overlapChars) carried += units[--k].text.length + sep.length;
    }
    i = k;
  }
}

/**
 * Table rows (metadata `row`, from the CSV and Excel parsers) packed whole into chunks of at most `chunk_size`
 * characters (`chunk_overlap` characters of trailing rows repeated), or `rows_per_chunk` rows per chunk
 * (`chunk_overlap` rows repeated) when that is given. Each row is rendered `column: value`, so every chunk names
 * its columns; rows of different sheets never share a chunk; a row longer than the limit is split at its lines
 * (then inside long values). Chunks carry `row_start`, `row_end` and `row_count`. Documents that are not rows are
 * split the same way into lines (`line_start`/`line_end`).
 */
export class RowChunker implements Chunker {
  readonly strategy = 'rows';

  chunk(docs: ParsedDocument[], o: ChunkOptions): Chunk[] {
    const rowsMode = o.rowsPerChunk !== undefined;
    const maxUnits = rowsMode ? Math.max(1, Math.floor(o.rowsPerChunk!)) : Number.POSITIVE_INFINITY;
    const limits: PackLimits = {
      maxChars: effectiveSize(o),
      maxUnits,
      overlapUnits: rowsMode ? Math.max(0, Math.min(Math.floor(o.chunkOverlap), maxUnits - 1)) : 0,
      overlapChars: rowsMode ? 0 : Math.max(0, Math.min(Math.floor(o.chunkOverlap), Math.floor(effectiveSize(o) / 2))),
    };
    const chunks: Chunk[] = [];
    let group: ParsedDocument[] = [];
    const flushRows = () => {
      if (group.length === 0) return;
      const { row: _row, ...meta } = group[0].metadata;
      const units = group.map((r) => ({ text: r.text.trim(), first: r.metadata.row as number, last: r.metadata.row as number }));
      packUnits(units, '\n\n', limits, (text, first, last, count, part) => {
        chunks.push({ text, metadata: { ...meta, row_start: first.first, row_end: last.last, row_count: count, ...(part ? { row_part: part[0], row_parts: part[1] } : {}) } });
      });
      group = [];
    };
    for (const doc of docs) {
      if (typeof doc.metadata.row === 'number') {
        if (group.length && groupKey(group[0]) !== groupKey(doc)) flushRows();
        group.push(doc);
        continue;
      }
      flushRows();
      const text = doc.text;
      const units: Unit[] = [];
      let line = 1;
      let scanned = 0;
      for (const [start, end] of lineSpans(text) as Span[]) {
        for (; scanned < start; scanned++) if (text.charCodeAt(scanned) === 10) line++;
        units.push({ text: text.slice(start, end), first: line, last: line });
      }
      packUnits(units, '\n', limits, (t, first, last) => {
        chunks.push({ text: t, metadata: { ...doc.metadata, line_start: first.first, line_end: last.last } });
      });
    }
    flushRows();
    return chunks;
  }
}
