/**
 * Rendering table rows (CSV, spreadsheets) as documents of `column: value` lines, one document per row.
 * `row` metadata is the 1-based record number in the file or sheet (the header row counts).
 */
import type { ParsedDocument } from './types.js';

/** Column names from a header row: blanks become `column_N`, repeats get `_2`, `_3`, ... */
export function columnNames(header: string[], width: number): string[] {
  const seen = new Map<string, number>();
  const names: string[] = [];
  for (let i = 0; i < width; i++) {
    const base = (header[i] ?? '').replace(/\s+/g, ' ').trim() || `column_${i + 1}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    names.push(n === 1 ? base : `${base}_${n}`);
  }
  return names;
}

/** `name: value` lines for the non-empty cells of a row; empty string when the row has no values. */
export function renderRow(names: string[], values: string[]): string {
  const lines: string[] = [];
  for (let i = 0; i < Math.max(names.length, values.length); i++) {
    const v = (values[i] ?? '').trim();
    if (v === '') continue;
    lines.push(`${names[i] ?? `column_${i + 1}`}: ${v}`);
  }
  return lines.join('\n');
}

function distinctValues(row: string[]): string[] {
  return [...new Set(row.map((v) => v.trim()).filter(Boolean))];
}

/** A first row whose cells all say one thing (a merged title cell) above rows with several values. */
function isTitleRow(rows: string[][]): boolean {
  return rows.length > 2 && distinctValues(rows[0]).length === 1
    && rows.slice(1, 6).some((r) => distinctValues(r).length > 1);
}

/**
 * Turns a table (first row = header unless `hasHeader` is false) into one document per non-empty data row.
 * A title row above the header (one value across the row, as merged cells give) becomes `table_title`.
 */
export function rowsToDocuments(
  rows: string[][],
  o: { hasHeader: boolean; metadata?: Record<string, unknown>; rowNumbers?: number[] },
): ParsedDocument[] {
  if (rows.length === 0) return [];
  if (o.hasHeader && isTitleRow(rows)) {
    const title = distinctValues(rows[0])[0];
    const above = o.metadata?.table_title;
    return rowsToDocuments(rows.slice(1), {
      ...o,
      metadata: { ...o.metadata, table_title: typeof above === 'string' ? `${above} / ${title}` : title },
      rowNumbers: o.rowNumbers ? o.rowNumbers.slice(1) : rows.map((_, i) => i + 1).slice(1),
    });
  }
  const width = rows.reduce((w, r) => Math.max(w, r.length), 0);
  const names = o.hasHeader ? columnNames(rows[0], width) : columnNames([], width);
  const first = o.hasHeader ? 1 : 0;
  if (o.hasHeader && rows.length === 1) {
    // A table that is only a header still says something.
    const text = rows[0].map((v) => v.trim()).filter(Boolean).join(' | ');
    return text ? [{ text, metadata: { ...o.metadata, row: o.rowNumbers?.[0] ?? 1, columns: names } }] : [];
  }
  const docs: ParsedDocument[] = [];
  for (let i = first; i < rows.length; i++) {
    const text = renderRow(names, rows[i]);
    if (!text) continue;
    docs.push({ text, metadata: { ...o.metadata, row: o.rowNumbers?.[i] ?? i + 1 } });
  }
  return docs;
}
