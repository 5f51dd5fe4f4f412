import ExcelJS from 'exceljs';
import { loadLimits } from '../../core/settings.js';
import { configBool } from './config.js';
import { requireOoxmlZip } from './office.js';
import { rowsToDocuments } from './table-rows.js';
import { ParseError, type ParsedDocument, type Parser, type ParserInput } from './types.js';

/** Display text of an exceljs cell value (formula results, rich text, hyperlinks, dates, errors). */
export function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) {
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if (typeof value !== 'object') return String(value);
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('formula' in value || 'sharedFormula' in value) return cellText((value as { result?: ExcelJS.CellValue }).result ?? null);
  if ('hyperlink' in value) return typeof value.text === 'string' ? value.text : cellText(value.text as ExcelJS.CellValue);
  if ('error' in value) return String(value.error);
  return '';
}

/** Whether `config.sheets` (names or 0-based indexes; null/absent = all) selects this sheet. */
function sheetWanted(config: Record<string, unknown>, name: string, index: number): boolean {
  const wanted = config.sheets;
  if (!Array.isArray(wanted) || wanted.length === 0) return true;
  return wanted.some((w) => w === name || w === index);
}

interface StreamedRow {
  number: number;
  values: ExcelJS.CellValue[] | Record<string, ExcelJS.CellValue>;
}
interface StreamedSheet extends AsyncIterable<StreamedRow> {
  name: string;
}

/**
 * Excel (.xlsx) via exceljs's streaming reader, sheet by sheet and row by row (a million-row sheet is never
 * held whole): one document per row (`column: value` lines) with `sheet` and `row` metadata. The package is
 * checked against the zip limits first; more rows than LF_MAX_ROWS_PER_FILE fail the file.
 */
export class ExcelParser implements Parser {
  readonly type = 'ExcelParser';
  readonly defaultChunkStrategy = 'rows';

  async parse(file: ParserInput, config: Record<string, unknown>): Promise<ParsedDocument[]> {
    await requireOoxmlZip(file.path, 'Excel');
    const { maxRowsPerFile } = loadLimits();
    const hasHeader = configBool(config, 'has_header', true);
    const docs: ParsedDocument[] = [];
    let seen = 0;
    try {
      const reader = new ExcelJS.stream.xlsx.WorkbookReader(file.path, {
        sharedStrings: 'cache',
        hyperlinks: 'ignore',
        styles: 'ignore',
        worksheets: 'emit',
        entries: 'ignore',
      }) as unknown as AsyncIterable<StreamedSheet>;
      let index = 0;
      for await (const sheet of reader) {
        const wanted = sheetWanted(config, sheet.name, index++);
        const rows: string[][] = [];
        const rowNumbers: number[] = [];
        for await (const row of sheet) {
          if (!wanted) continue; // the sheet's stream must still be read through
          if (++seen > maxRowsPerFile) {
            throw new ParseError(`the workbook has more than ${maxRowsPerFile} rows; the limit is ${maxRowsPerFile} rows per file (LF_MAX_ROWS_PER_FILE)`, 'too_large');
          }
          const values = Array.isArray(row.values) ? row.values.slice(1) : [];
          const texts = Array.from({ length: values.length }, (_, i) => cellText(values[i] ?? null));
          if (texts.some((t) => t.trim() !== '')) {
            rows.push(texts);
            rowNumbers.push(row.number);
          }
        }
        for (const doc of rowsToDocuments(rows, { hasHeader, rowNumbers, metadata: { sheet: sheet.name } })) docs.push(doc);
      }
    } catch (err) {
      if (err instanceof ParseError) throw err;
      throw new ParseError(`unreadable Excel workbook: ${err instanceof Error ? err.message : String(err)}`, 'malformed');
    }
    return docs;
  }
}
