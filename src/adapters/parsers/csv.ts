import { parse as parseCsv } from 'csv-parse/sync';
import { loadLimits } from '../../core/settings.js';
import { configBool, configString } from './config.js';
import { readTextFile } from './read.js';
import { rowsToDocuments } from './table-rows.js';
import { ParseError, type ParsedDocument, type Parser, type ParserInput } from './types.js';

const CANDIDATE_DELIMITERS = [',', ';', '\t', '|'];

/** Picks the delimiter that splits the first lines most consistently (quoted text ignored); `,` on ties. */
export function sniffDelimiter(text: string): string {
  const lines = text.split('\n', 6).filter((l) => l.trim() !== '').slice(0, 5).map((l) => l.replace(/"[^"]*"/g, ''));
  let best = ',';
  let bestScore = 0;
  for (const d of CANDIDATE_DELIMITERS) {
    const counts = lines.map((l) => l.split(d).length - 1);
    const min = counts.length ? Math.min(...counts) : 0;
    if (min > bestScore) {
      best = d;
      bestScore = min;
    }
  }
  return best;
}

/** CSV/TSV via csv-parse: header row, then one document per row rendered as `column: value` lines. */
export class CSVParser implements Parser {
  readonly type = 'CSVParser';
  readonly defaultChunkStrategy = 'rows';

  async parse(file: ParserInput, config: Record<string, unknown>): Promise<ParsedDocument[]> {
    const { text, encoding } = await readTextFile(file, config);
    if (text.trim() === '') return [];
    const configured = configString(config, 'delimiter');
    const delimiter = configured ?? (/\.tsv$/i.test(file.filename) ? '\t' : sniffDelimiter(text));
    const { maxRowsPerFile } = loadLimits();
    let rows: string[][];
    try {
      rows = parseCsv(text, {
        to: maxRowsPerFile + 1,
        delimiter,
        quote: configString(config, 'quotechar') ?? '"',
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: true,
        skip_records_with_empty_values: true,
        bom: true,
      }) as string[][];
    } catch (err) {
      throw new ParseError(`malformed CSV: ${err instanceof Error ? err.message : String(err)}`, 'malformed');
    }
    if (rows.length > maxRowsPerFile) {
      throw new ParseError(`the file has more than ${maxRowsPerFile} rows; the limit is ${maxRowsPerFile} rows per file (LF_MAX_ROWS_PER_FILE)`, 'too_large');
    }
    return rowsToDocuments(rows, { hasHeader: configBool(config, 'has_header', true), metadata: { encoding, delimiter } });
  }
}
