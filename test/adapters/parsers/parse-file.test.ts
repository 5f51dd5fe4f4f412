import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FileParseError, chunkSettings, parseFile } from '../../../src/adapters/parsers/parse-file.js';
import { pdfWorkers } from '../../../src/adapters/parsers/pdf.js';
import { getParser } from '../../../src/adapters/parsers/registry.js';
import type { ParserEntry } from '../../../src/adapters/parsers/select.js';
import { needShared } from '../../helpers/shared.js';
import { corpus, inputFor, rejection } from './input.js';

const skip = needShared('corpora', 'docs');

/** Parser entries shaped like the original default template's. */
const ENTRIES: ParserEntry[] = [
  { type: 'PDFParser_LlamaIndex', file_include_patterns: ['*.pdf', '*.PDF'], priority: 100, config: { chunk_strategy: 'semantic', chunk_size: 1000, chunk_overlap: 200 } },
  { type: 'PDFParser_PyPDF2', file_include_patterns: ['*.pdf', '*.PDF'], priority: 50, config: { chunk_size: 1000, chunk_overlap: 150, chunk_strategy: 'paragraphs' } },
  { type: 'DocxParser_LlamaIndex', file_include_patterns: ['*.docx'], priority: 100, config: { chunk_size: 1000, chunk_overlap: 150 } },
  { type: 'MarkdownParser_Python', file_include_patterns: ['*.md', 'README*'], priority: 100, config: { chunk_size: 1000, chunk_strategy: 'sections' } },
  { type: 'CSVParser_Pandas', file_include_patterns: ['*.csv', '*.tsv'], priority: 100, config: { chunk_size: 5, chunk_strategy: 'rows' } },
  { type: 'ExcelParser_Pandas', file_include_patterns: ['*.xlsx', '*.xls'], priority: 100, config: { chunk_size: 50 } },
  { type: 'TextParser_Python', file_include_patterns: ['*.txt', '*.json', '*.log'], priority: 50, config: { chunk_size: 1200, chunk_overlap: 200, chunk_strategy: 'sentences' } },
];

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-parse-file-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
  await pdfWorkers.close();
});

async function failure(p: Promise<unknown>): Promise<FileParseError> {
  const err = await rejection(p);
  assert.ok(err instanceof FileParseError, `expected a FileParseError, got ${String(err)}`);
  return err;
}

describe('parseFile', { skip }, () => {
  test('PDF: lowest priority number wins; chunks carry page, source, parser and chunk settings', async () => {
    const r = await parseFile(ENTRIES, await inputFor(corpus('llamafarm/samples/pdfs/llama.pdf'), 'llama.pdf', 'application/pdf'));
    assert.equal(r.parser, 'PDFParser');
    assert.equal(r.documents.length, 3);
    assert.ok(r.chunks.length >= 3);
    for (const c of r.chunks) {
      assert.ok(c.text.length <= 1000);
      assert.ok([1, 2, 3].includes(c.metadata.page as number));
      assert.equal(c.metadata.source, 'llama.pdf');
      assert.equal(c.metadata.parser, 'PDFParser');
      assert.equal(c.metadata.chunk_strategy, 'paragraphs'); // PyPDF2's entry (priority 50) ran
      assert.equal(c.metadata.chunk_size, 1000);
      assert.equal(c.metadata.chunk_overlap, 150);
    }
  });

  test('CSV: chunk_size is rows per chunk', async () => {
    const r = await parseFile(ENTRIES, await inputFor(corpus('llamafarm/demos/static_samples/customer_support/support_tickets.csv')));
    assert.equal(r.parser, 'CSVParser');
    assert.deepEqual(r.chunks.map((c) => c.metadata.row_count), [5, 5, 5, 5]);
    assert.deepEqual([r.chunks[0].metadata.row_start, r.chunks[0].metadata.row_end], [2, 6]);
  });

  test('Markdown sections carry their heading path', async () => {
    const r = await parseFile(ENTRIES, await inputFor(corpus('llamafarm/samples/documents/machine_learning_guide.md')));
    assert.equal(r.parser, 'MarkdownParser');
    const c = r.chunks.find((x) => x.metadata.section === 'Model Selection');
    assert.ok(c);
    assert.deepEqual(c.metadata.headings, ['Machine Learning Implementation Guide', 'Implementation Best Practices', 'Model Selection']);
  });

  test('an encrypted PDF fails with reason encrypted and every attempt listed', async () => {
    const err = await failure(parseFile(ENTRIES, await inputFor(corpus('docs/unstructured/pdf/password.pdf'))));
    assert.equal(err.reason, 'encrypted');
    assert.deepEqual(err.attempts.map((a) => [a.parser, a.reason]), [['PDFParser', 'encrypted'], ['PDFParser', 'encrypted'], ['TextParser', 'unsupported']]);
    assert.match(err.message, /password\.pdf: could not be parsed \(PDFParser: PDF is encrypted/);
  });

  test('an image-only PDF fails with no_text', async () => {
    const err = await failure(parseFile(ENTRIES, await inputFor(corpus('llamafarm/samples/pdfs/272161.pdf'))));
    assert.equal(err.reason, 'no_text');
    assert.match(err.message, /scanned images/);
  });

  test('empty files fail as empty', async () => {
    for (const name of ['empty.txt', 'fake-text-all-whitespace.txt']) {
      const err = await failure(parseFile(ENTRIES, await inputFor(corpus('docs/unstructured', name))));
      assert.equal(err.reason, 'empty', name);
    }
  });

  test('text-decodable content falls back to TextParser when the matching parsers fail', async () => {
    // a plain-text file named .xlsx: ExcelParser fails, the text fallback reads it
    const r = await parseFile(ENTRIES, await inputFor(corpus('llamafarm/demos/static_samples/business_reports/quarterly_financial_report.xlsx')));
    assert.equal(r.parser, 'TextParser');
    assert.equal(r.chunks[0].metadata.parse_fallback, 'text');
    assert.match(r.chunks[0].text, /^Q3 2024 Financial Report/);
    // …and says the file is not what its name claims.
    assert.match(r.notice ?? '', /^quarterly_financial_report\.xlsx is not a XLSX file \(not an Excel document.*\); it was read as plain text$/);
    // invalid JSON with a JSONParser entry: the final text fallback reads it
    const json = await parseFile([{ type: 'JSONParser' }], await inputFor(corpus('docs/unstructured/fake-incomplete-json.txt'), 'broken.json'));
    assert.equal(json.parser, 'TextParser');
  });

  test('binary content no parser handles fails as unsupported', async () => {
    const err = await failure(parseFile(ENTRIES, await inputFor(corpus('docs/mammoth-docx/hello.zip'))));
    assert.equal(err.reason, 'unsupported');
    assert.match(err.message, /^hello\.zip: no configured parser can read this file \(TextParser: binary content \(ZIP/);
  });

  test('an unknown parser type is recorded as a failed attempt and the next candidate runs', async () => {
    const path = join(dir, 'notes.txt');
    await writeFile(path, 'One sentence here. Another one there.');
    const r = await parseFile([{ type: 'MsgParser_ExtractMsg', priority: 1 }, { type: 'TextParser' }], await inputFor(path));
    assert.equal(r.parser, 'TextParser');
    assert.deepEqual(r.chunks.map((c) => c.text), ['One sentence here. Another one there.']);
  });

  test('auto picks the parser from the file name or content', async () => {
    const r = await parseFile([{ type: 'auto', config: { chunk_size: 3 } }], await inputFor(corpus('docs/unstructured/stanley-cups.csv'), 'upload.bin'));
    assert.equal(r.parser, 'TextParser'); // unknown extension, text content
    const csv = await parseFile([{ type: 'auto' }], await inputFor(corpus('docs/unstructured/stanley-cups.csv')));
    assert.equal(csv.parser, 'CSVParser');
  });

  test('an aborted signal stops parsing with its reason', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    const err = await rejection(parseFile(ENTRIES, await inputFor(corpus('llamafarm/samples/pdfs/llama.pdf')), { signal: controller.signal }));
    assert.equal((err as Error).message, 'stop');
  });
});

describe('chunkSettings', () => {
  test('defaults: 1000/100, rows 10 rows and no overlap; unknown strategies fall back to the parser default with a warning', () => {
    const warnings: unknown[] = [];
    const log = { warn: (obj: Record<string, unknown>) => void warnings.push(obj) };
    assert.deepEqual(chunkSettings(getParser('TextParser'), {}), { strategy: 'sentences', size: 1000, overlap: 100 });
    assert.deepEqual(chunkSettings(getParser('CSVParser'), {}), { strategy: 'rows', size: 10, overlap: 0 });
    assert.deepEqual(chunkSettings(getParser('PDFParser'), { chunk_strategy: 'semantic', chunk_size: '800', chunk_overlap: 50 }), { strategy: 'sentences', size: 800, overlap: 50 });
    assert.deepEqual(chunkSettings(getParser('MarkdownParser'), { chunk_strategy: 'bogus' }, log), { strategy: 'sections', size: 1000, overlap: 100 });
    assert.equal(warnings.length, 1);
  });
});
