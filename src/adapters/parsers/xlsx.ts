import ExcelJS from 'exceljs';
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

/** Which sheets to read: `config.sheets` as names or 0-based indexes; null/absent = all. */
function wantedSheets(config: Record<string, unknown>, sheets: ExcelJS.Worksheet[]): ExcelJS.Worksheet[] {
  const wanted = config.sheets;
  if (!Array.isArray(wanted) || wanted.length === 0) return sheets;
  return sheets.filter((ws, i) => wanted.some((w) => w === ws.name || w === i));
}

/** Excel (.xlsx) via exceljs: one document per row (`column: value` lines) with `sheet` and `row` metadata. */
export class ExcelParser implements Parser {
  readonly type = 'ExcelParser';
  readonly defaultChunkStrategy = 'rows';

  async parse(file: ParserInput, config: Record<string, unknown>): Promise<ParsedDocument[]> {
    await requireOoxmlZip(file.path, 'Excel');
    const workbook = new ExcelJS.Workbook();
    try {
      await workbook.xlsx.readFile(file.path);
    } catch (err) {
      throw new ParseError(`unreadable Excel workbook: ${err instanceof Error ? err.message : String(err)}`, 'malformed');
    }
    const hasHeader = configBool(config, 'has_header', true);
    const docs: ParsedDocument[] = [];
    for (const sheet of wantedSheets(config, workbook.worksheets)) {
      const rows: string[][] = [];
      const rowNumbers: number[] = [];
      sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
        const values = Array.isArray(row.values) ? row.values.slice(1) : [];
        const texts = Array.from({ length: values.length }, (_, i) => cellText(values[i] ?? null));
        if (texts.some((t) => t.trim() !== '')) {
          rows.push(texts);
          rowNumbers.push(rowNumber);
        }
      });
      docs.push(...rowsToDocuments(rows, { hasHeader, rowNumbers, metadata: { sheet: sheet.name } }));
    }
    return docs;
  }
}
