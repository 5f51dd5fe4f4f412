import type { Chunk } from '../chunkers/types.js';
import { configBool, configNumber } from '../parsers/config.js';
import type { Extractor } from './types.js';

export interface FoundTable {
  headers: string[];
  rows: string[][];
}

function splitPipeRow(line: string): string[] {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
}

const SEPARATOR_ROW = /^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$/;

/**
 * Tables in text: Markdown pipe tables, runs of `a | b | c` lines with the same cell count (how the HTML and
 * DOCX parsers render tables) and runs of tab-separated lines. `headers` is the first row when
 * `extractHeaders`, else empty.
 */
export function findTables(text: string, o: { extractHeaders?: boolean; maxRows?: number } = {}): FoundTable[] {
  const lines = text.split('\n');
  const tables: FoundTable[] = [];
  let run: string[][] = [];
  let kind: 'pipe' | 'tab' | undefined;
  const flush = () => {
    if (run.length >= 2) {
      const headers = o.extractHeaders === false ? [] : run[0];
      const rows = (o.extractHeaders === false ? run : run.slice(1)).slice(0, o.maxRows ?? 50);
      tables.push({ headers, rows });
    }
    run = [];
    kind = undefined;
  };
  for (const line of lines) {
    if (SEPARATOR_ROW.test(line) && line.includes('-') && kind === 'pipe') continue;
    const lineKind = line.includes('|') && splitPipeRow(line).length >= 2 ? 'pipe' : line.includes('\t') && line.split('\t').length >= 2 ? 'tab' : undefined;
    if (!lineKind) {
      flush();
      continue;
    }
    const cells = lineKind === 'pipe' ? splitPipeRow(line) : line.split('\t').map((c) => c.trim());
    if (kind !== lineKind || (run.length && Math.abs(run[0].length - cells.length) > 1)) flush();
    kind = lineKind;
    run.push(cells);
  }
  flush();
  return tables;
}

/** `tables` ([{headers, rows}]) and `table_count` per chunk. Config `extract_headers` (true), `max_rows` (50). */
export class TableExtractor implements Extractor {
  readonly type = 'TableExtractor';

  extract(chunks: Chunk[], config: Record<string, unknown>): void {
    const o = { extractHeaders: configBool(config, 'extract_headers', true), maxRows: configNumber(config, 'max_rows', 50) };
    for (const chunk of chunks) {
      const tables = findTables(chunk.text, o);
      chunk.metadata.tables = tables;
      chunk.metadata.table_count = tables.length;
    }
  }
}
