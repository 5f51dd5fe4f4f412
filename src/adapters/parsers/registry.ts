import { AutoParser } from './auto.js';
import { CSVParser } from './csv.js';
import { DocxParser } from './docx.js';
import { HTMLParser } from './html.js';
import { JSONParser } from './json.js';
import { MarkdownParser } from './markdown.js';
import { PDFParser } from './pdf.js';
import { TextParser } from './text.js';
import type { Parser } from './types.js';
import { ExcelParser } from './xlsx.js';

const FACTORIES: Record<string, () => Parser> = {
  PDFParser: () => new PDFParser(),
  DocxParser: () => new DocxParser(),
  ExcelParser: () => new ExcelParser(),
  CSVParser: () => new CSVParser(),
  MarkdownParser: () => new MarkdownParser(),
  HTMLParser: () => new HTMLParser(),
  JSONParser: () => new JSONParser(),
  TextParser: () => new TextParser(),
};

const CANONICAL_BY_LOWER = new Map(Object.keys(FACTORIES).map((k) => [k.toLowerCase(), k]));

/** Canonical parser type names, plus `auto`. */
export function parserTypes(): string[] {
  return [...Object.keys(FACTORIES), 'auto'];
}

/**
 * The canonical type for a configured name: a canonical name in any letter case, `auto`, or an original
 * implementation-suffixed name (`PDFParser_PyPDF2`, `CSVParser_Pandas`, `HtmlParser_X`, ...) read as the part
 * before the first `_`. Undefined when the name is unknown.
 */
export function resolveParserType(name: string): string | undefined {
  const key = name.trim().toLowerCase();
  if (key === 'auto') return 'auto';
  return CANONICAL_BY_LOWER.get(key) ?? CANONICAL_BY_LOWER.get(key.split('_')[0]);
}

/** The parser for a type name or alias; unknown names throw an Error that lists the known types. */
export function getParser(type: string): Parser {
  const name = resolveParserType(type);
  if (!name) {
    throw new Error(`Unknown parser type "${type}". Known types: ${parserTypes().join(', ')} `
      + '(original names such as PDFParser_PyPDF2, DocxParser_LlamaIndex, ExcelParser_Pandas, CSVParser_Python, '
      + 'MarkdownParser_Python and TextParser_Python are accepted as aliases)');
  }
  return name === 'auto' ? new AutoParser(getParser) : FACTORIES[name]();
}
