/**
 * #15 items 2 and 3: hostile files fail alone, fast and with a message naming the limit — a zip that inflates
 * past LF_MAX_DECOMPRESSED_BYTES (DOCX, XLSX shared strings), too many zip entries, more rows than
 * LF_MAX_ROWS_PER_FILE (XLSX streamed row by row, CSV), a small PDF that lists 200,000 pages, a PDF flate bomb. The files are
 * generated here (small on disk).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { tempDir } from '../helpers/tmp.js';
import { writeZip } from '../helpers/zip.js';
import { parseWith, rejection } from '../adapters/parsers/input.js';
import { ParseError } from '../../src/adapters/parsers/types.js';
import { checkZipBudget } from '../../src/adapters/parsers/zip-budget.js';
import { DEFAULT_LIMITS } from '../../src/core/settings.js';
import { pdfWorkers } from '../../src/adapters/parsers/pdf.js';

const CONTENT_TYPES = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>';

function assertTooLarge(err: unknown, limitName: RegExp): void {
  assert.ok(err instanceof ParseError, String(err));
  assert.equal(err.reason, 'too_large', err.message);
  assert.match(err.message, limitName);
}

/** A small PDF listing `count` pages that are all the same page object (6 bytes per page in the tree). */
function pdfClaimingPages(count: number): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${Array(count).fill('3 0 R').join(' ')}] /Count ${count} >>`,
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>',
    '<< /Length 44 >>\nstream\nBT /F1 12 Tf 20 100 Td (hello) Tj ET\nendstream',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/** A one-page PDF whose content stream is the given FlateDecode data. */
function pdfWithContent(deflated: Buffer): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n')];
  const offsets: number[] = [];
  let length = parts[0].length;
  const add = (b: Buffer) => {
    offsets.push(length);
    parts.push(b);
    length += b.length;
  };
  add(Buffer.from('1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n'));
  add(Buffer.from('2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n'));
  add(Buffer.from('3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>\nendobj\n'));
  add(Buffer.concat([Buffer.from(`4 0 obj\n<< /Length ${deflated.length} /Filter /FlateDecode >>\nstream\n`), deflated, Buffer.from('\nendstream\nendobj\n')]));
  const xref = length;
  parts.push(Buffer.from(`xref\n0 5\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`));
  return Buffer.concat(parts);
}

describe('hostile files', () => {
  let dir: string;
  const saved = { ...process.env };
  before(async () => {
    dir = await tempDir('lf-hostile-');
  });
  after(async () => {
    process.env = saved;
    await rm(dir, { recursive: true, force: true });
  });

  test('a DOCX that inflates past the default limit fails naming LF_MAX_DECOMPRESSED_BYTES (inflated as a counted stream)', async () => {
    const path = join(dir, 'bomb.docx');
    await writeZip(path, [
      { name: '[Content_Types].xml', data: CONTENT_TYPES },
      { name: 'word/document.xml', data: { fill: ' ', size: DEFAULT_LIMITS.maxDecompressedBytes + (16 << 20) } },
    ]);
    const heapBefore = process.memoryUsage().heapUsed;
    assertTooLarge(await rejection(parseWith('DocxParser', path)), /LF_MAX_DECOMPRESSED_BYTES/);
    // The check streams: nothing like the inflated size was ever held (generous bound, GC-independent).
    assert.ok(process.memoryUsage().heapUsed - heapBefore < DEFAULT_LIMITS.maxDecompressedBytes / 4);
  });

  test('an XLSX whose shared strings inflate past the limit fails the same way', async () => {
    process.env.LF_MAX_DECOMPRESSED_BYTES = String(8 << 20);
    const path = join(dir, 'strings.xlsx');
    await writeZip(path, [
      { name: '[Content_Types].xml', data: CONTENT_TYPES },
      { name: 'xl/sharedStrings.xml', data: { fill: 'a', size: 32 << 20 } },
    ]);
    assertTooLarge(await rejection(parseWith('ExcelParser', path)), /limit is 8388608 bytes \(LF_MAX_DECOMPRESSED_BYTES\)/);
    delete process.env.LF_MAX_DECOMPRESSED_BYTES;
  });

  test('a package with more entries than LF_MAX_ZIP_ENTRIES fails before anything is inflated', async () => {
    const path = join(dir, 'many.docx');
    await writeZip(path, Array.from({ length: DEFAULT_LIMITS.maxZipEntries + 1 }, (_, i) => ({ name: `e/${i}`, data: '' })));
    assertTooLarge(await rejection(parseWith('DocxParser', path)), /LF_MAX_ZIP_ENTRIES/);
    const ok = join(dir, 'ok.zip');
    await writeZip(ok, [{ name: 'a.txt', data: 'hello' }, { name: 'b.txt', data: { fill: 'b', size: 3 << 20 } }]);
    assert.deepEqual(await checkZipBudget(ok, { maxEntries: 2, maxBytes: 4 << 20 }), { entries: 2, bytes: 5 + (3 << 20) });
  });

  test('an XLSX with more rows than LF_MAX_ROWS_PER_FILE fails naming the limit; at the limit it parses (streamed)', async () => {
    process.env.LF_MAX_ROWS_PER_FILE = '1000';
    const make = async (rows: number) => {
      const path = join(dir, `rows-${rows}.xlsx`);
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('Data');
      ws.addRow(['id', 'name']);
      for (let i = 1; i < rows; i++) ws.addRow([i, `llama ${i}`]);
      await wb.xlsx.writeFile(path);
      return path;
    };
    assertTooLarge(await rejection(parseWith('ExcelParser', await make(1001))), /limit is 1000 rows per file \(LF_MAX_ROWS_PER_FILE\)/);
    const docs = await parseWith('ExcelParser', await make(1000));
    assert.equal(docs.length, 999);
    assert.equal(docs[998].metadata.sheet, 'Data');
    assert.equal(docs[998].text, 'id: 999\nname: llama 999');
    delete process.env.LF_MAX_ROWS_PER_FILE;
  });

  test('a CSV with more rows than LF_MAX_ROWS_PER_FILE fails naming the limit', async () => {
    process.env.LF_MAX_ROWS_PER_FILE = '1000';
    const path = join(dir, 'rows.csv');
    await writeFile(path, `id,name\n${Array.from({ length: 1500 }, (_, i) => `${i},llama ${i}`).join('\n')}\n`);
    assertTooLarge(await rejection(parseWith('CSVParser', path)), /LF_MAX_ROWS_PER_FILE/);
    delete process.env.LF_MAX_ROWS_PER_FILE;
  });

  test('a 1 KB PDF claiming 200,000 pages fails at once naming LF_MAX_PDF_PAGES', async () => {
    const path = join(dir, 'pages.pdf');
    await writeFile(path, pdfClaimingPages(200_000));
    assertTooLarge(await rejection(parseWith('PDFParser', path)), /200000 pages; the limit is 5000 pages per file \(LF_MAX_PDF_PAGES\)/);
    const fine = join(dir, 'one.pdf');
    await writeFile(fine, pdfClaimingPages(1));
    const docs = await parseWith('PDFParser', fine);
    assert.equal(docs[0].text, 'hello');
  });

  test('a PDF flate bomb (1 MB inflating past the limit) fails before pdf.js opens it; a normal compressed PDF parses', async () => {
    process.env.LF_MAX_DECOMPRESSED_BYTES = String(8 << 20);
    const bomb = join(dir, 'bomb.pdf');
    await writeFile(bomb, pdfWithContent(deflateSync(Buffer.alloc(32 << 20, 0x20), { level: 9 })));
    assertTooLarge(await rejection(parseWith('PDFParser', bomb)), /compressed streams inflate to more than 8388608 bytes.*LF_MAX_DECOMPRESSED_BYTES/);
    const fine = join(dir, 'compressed.pdf');
    await writeFile(fine, pdfWithContent(deflateSync(Buffer.from('BT /F1 12 Tf 20 100 Td (compressed hello) Tj ET'))));
    assert.equal((await parseWith('PDFParser', fine))[0].text, 'compressed hello');
    delete process.env.LF_MAX_DECOMPRESSED_BYTES;
  });

  after(async () => pdfWorkers.close?.());
});
