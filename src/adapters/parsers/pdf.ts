/**
 * PDF via unpdf (pdf.js), page by page in a worker thread (pdf-pool.ts): a malformed PDF that makes pdf.js spin
 * cannot block the server, and a time limit (per page and per file) or an abort signal ends it.
 */
import { loadLimits } from '../../core/settings.js';
import { configNumber, configString } from './config.js';
import { checkPdfStreams } from './pdf-budget.js';
import { PdfWorkerPool } from './pdf-pool.js';
import { cleanText } from './text.js';
import { ParseError, type ParsedDocument, type ParseOptions, type Parser, type ParserInput } from './types.js';

/**
 * The default time budget of one PDF, scaled by its size: 60 s plus 30 s per MiB, at most 10 min. A small file
 * that claims an enormous amount of work (200,000 pages in 1.2 MB) cannot hold a worker for the full 10 min.
 */
export function pdfTimeBudgetMs(sizeBytes: number): number {
  return Math.min(600_000, 60_000 + Math.ceil(sizeBytes / (1024 * 1024)) * 30_000);
}

/** The pool every PDFParser shares (two workers: one per core on the reference machine). */
export const pdfWorkers = new PdfWorkerPool(2);

/** PDF: one document per page that has text, with `page` (1-based) and `total_pages` metadata. */
export class PDFParser implements Parser {
  readonly type = 'PDFParser';
  readonly defaultChunkStrategy = 'paragraphs';

  async parse(file: ParserInput, config: Record<string, unknown>, o: ParseOptions = {}): Promise<ParsedDocument[]> {
    const limits = loadLimits();
    await checkPdfStreams(file.path, limits.maxDecompressedBytes);
    const pdf = await pdfWorkers.extract(file.path, {
      password: configString(config, 'password'),
      pageTimeoutMs: configNumber(config, 'page_timeout_ms', 60_000),
      totalTimeoutMs: configNumber(config, 'timeout_ms', pdfTimeBudgetMs(file.size)),
      maxPages: limits.maxPdfPages,
      signal: o.signal,
    });
    const docs: ParsedDocument[] = [];
    pdf.pages.forEach((raw, i) => {
      const text = cleanText(raw ?? '');
      if (!text) return;
      docs.push({
        text,
        metadata: {
          page: i + 1,
          total_pages: pdf.numPages,
          ...(pdf.title ? { title: pdf.title } : {}),
          ...(pdf.author ? { author: pdf.author } : {}),
        },
      });
    });
    if (docs.length > 0) return docs;
    if (pdf.encrypted) throw new ParseError('PDF is encrypted and no text could be extracted from it', 'encrypted');
    if (pdf.numPages === 0) throw new ParseError('PDF has no pages', 'malformed');
    throw new ParseError('no extractable text; the PDF appears to be scanned images', 'no_text');
  }
}
