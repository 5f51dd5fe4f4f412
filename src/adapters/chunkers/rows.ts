import type { ParsedDocument } from '../parsers/types.js';
import { effectiveSize } from './per-document.js';
import { lineSpans } from './split.js';
import type { Chunk, ChunkOptions, Chunker } from './types.js';

/** Rows per chunk when a `rows` entry sets no `chunk_size` (the pipeline passes it in as `chunkSize`). */
export const DEFAULT_ROWS_PER_CHUNK = 10;

function groupKey(doc: ParsedDocument): string {
  return JSON.stringify([doc.metadata.sheet ?? null, doc.metadata.table_title ?? null]);
}

/**
 * `chunk_size` rows per chunk (`chunk_overlap` rows repeated), for documents that are table rows (metadata
 * `row`, from the CSV and Excel parsers); rows of different sheets never share a chunk. Chunks carry
 * `row_start`, `row_end` and `row_count`. Documents that are not rows are split into lines, `chunk_size` lines
 * per chunk (`line_start`/`line_end`).
 */
export class RowChunker implements Chunker {
  readonly strategy = 'rows';

  chunk(docs: ParsedDocument[], o: ChunkOptions): Chunk[] {
    const size = effectiveSize(o);
    const overlap = Math.max(0, Math.min(Math.floor(o.chunkOverlap), size - 1));
    const step = size - overlap;
    const chunks: Chunk[] = [];
    let group: ParsedDocument[] = [];
    const flushRows = () => {
      for (let i = 0; i < group.length; i += step) {
        const rows = group.slice(i, i + size);
        const { row: _row, ...meta } = rows[0].metadata;
        chunks.push({
          text: rows.map((r) => r.text.trim()).join('\n\n'),
          metadata: { ...meta, row_start: rows[0].metadata.row, row_end: rows[rows.length - 1].metadata.row, row_count: rows.length },
        });
        if (i + size >= group.length) break;
      }
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
      const lines = lineSpans(text);
      const lineNumbers: number[] = [];
      let line = 1;
      let scanned = 0;
      for (const [start] of lines) {
        for (; scanned < start; scanned++) if (text.charCodeAt(scanned) === 10) line++;
        lineNumbers.push(line);
      }
      for (let i = 0; i < lines.length; i += step) {
        const last = Math.min(i + size, lines.length) - 1;
        chunks.push({
          text: text.slice(lines[i][0], lines[last][1]),
          metadata: { ...doc.metadata, line_start: lineNumbers[i], line_end: lineNumbers[last] },
        });
        if (last === lines.length - 1) break;
      }
    }
    flushRows();
    return chunks;
  }
}
