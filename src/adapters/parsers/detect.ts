/** Which canonical parser fits a file, from its name, then its MIME type, then (optionally) its first bytes. */

const BY_EXTENSION: Record<string, string> = {
  pdf: 'PDFParser',
  docx: 'DocxParser', docm: 'DocxParser', dotx: 'DocxParser',
  xlsx: 'ExcelParser', xlsm: 'ExcelParser',
  csv: 'CSVParser', tsv: 'CSVParser',
  md: 'MarkdownParser', markdown: 'MarkdownParser', mdown: 'MarkdownParser', mkd: 'MarkdownParser', mdx: 'MarkdownParser',
  html: 'HTMLParser', htm: 'HTMLParser', xhtml: 'HTMLParser',
  json: 'JSONParser', ndjson: 'JSONParser', jsonl: 'JSONParser', geojson: 'JSONParser',
};

const BY_MIME: Record<string, string> = {
  'application/pdf': 'PDFParser',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'DocxParser',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'ExcelParser',
  'text/csv': 'CSVParser',
  'text/tab-separated-values': 'CSVParser',
  'text/markdown': 'MarkdownParser',
  'text/x-markdown': 'MarkdownParser',
  'text/html': 'HTMLParser',
  'application/xhtml+xml': 'HTMLParser',
  'application/json': 'JSONParser',
  'application/x-ndjson': 'JSONParser',
  'application/ld+json': 'JSONParser',
};

export function fileExtension(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

function sniff(head: Uint8Array): string | undefined {
  const ascii = new TextDecoder('latin1').decode(head.subarray(0, 2048));
  if (ascii.startsWith('%PDF-')) return 'PDFParser';
  if (ascii.startsWith('PK\x03\x04')) {
    if (ascii.includes('word/')) return 'DocxParser';
    if (ascii.includes('xl/')) return 'ExcelParser';
    return undefined;
  }
  const start = ascii.replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart().toLowerCase();
  if (start.startsWith('<!doctype html') || start.startsWith('<html')) return 'HTMLParser';
  if (start.startsWith('{') || start.startsWith('[')) return 'JSONParser';
  return undefined;
}

/** The parser type for a file; `TextParser` when nothing more specific fits. */
export function detectParserType(file: { filename: string; mimeType?: string }, head?: Uint8Array): string {
  const byExt = BY_EXTENSION[fileExtension(file.filename)];
  if (byExt) return byExt;
  const mime = (file.mimeType ?? '').split(';')[0].trim().toLowerCase();
  if (BY_MIME[mime]) return BY_MIME[mime];
  return (head && sniff(head)) ?? 'TextParser';
}
