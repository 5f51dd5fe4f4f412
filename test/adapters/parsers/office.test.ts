import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ParseError } from '../../../src/adapters/parsers/types.js';
import { needShared } from '../../helpers/shared.js';
import { corpus, parseWith, rejection } from './input.js';

const skip = needShared('corpora', 'docs');

async function parseError(p: Promise<unknown>): Promise<ParseError> {
  const err = await rejection(p);
  assert.ok(err instanceof ParseError, `expected a ParseError, got ${String(err)}`);
  return err;
}

describe('DocxParser', { skip }, () => {
  test('tables become `cell | cell` lines', async () => {
    const docs = await parseWith('DocxParser_PythonDocx', corpus('docs/mammoth-docx/tables.docx'));
    assert.deepEqual(docs.map((d) => d.text), ['Above\nTop left | Top right\nBottom left | Bottom right\nBelow']);
  });

  test('headings split sections and form the heading path', async () => {
    const docs = await parseWith('DocxParser', corpus('docs/unstructured/category-level.docx'));
    const h2 = docs.find((d) => d.metadata.section === 'A Heading 2');
    assert.ok(h2);
    assert.deepEqual(h2.metadata.headings, ['A Heading 1', 'A Heading 2']);
    assert.match(h2.text, /^A Heading 2\nThis is my substitute for pistol and ball/);
    assert.ok(docs.some((d) => /^- A top level list item$/m.test(d.text)), 'list items are kept as `- item` lines');
  });

  test('strict OOXML and a UTF-8 BOM in the XML parse; an empty document gives no documents', async () => {
    assert.deepEqual((await parseWith('DocxParser', corpus('docs/mammoth-docx/strict-format.docx'))).map((d) => d.text), ['Test']);
    assert.match((await parseWith('DocxParser', corpus('docs/mammoth-docx/utf8-bom.docx')))[0].text, /byte order mark/);
    assert.deepEqual(await parseWith('DocxParser', corpus('docs/mammoth-docx/empty.docx')), []);
  });

  test('zips that are not Word documents and legacy .doc files fail with a clear reason', async () => {
    for (const name of ['hello.zip', 'empty.zip']) {
      const err = await parseError(parseWith('DocxParser', corpus('docs/mammoth-docx', name), {}, 'upload.docx'));
      assert.equal(err.reason, 'malformed');
      assert.match(err.message, /not a Word document/);
    }
    const doc = await parseError(parseWith('DocxParser', corpus('docs/unstructured/simple.doc')));
    assert.equal(doc.reason, 'unsupported');
    assert.match(doc.message, /legacy binary Word format/);
  });
});

describe('ExcelParser', { skip }, () => {
  test('one document per row with sheet, row number and the title row above the header', async () => {
    const docs = await parseWith('ExcelParser_OpenPyXL', corpus('docs/unstructured/stanley-cups.xlsx'));
    assert.deepEqual(docs.map((d) => d.metadata.sheet), ['Stanley Cups', 'Stanley Cups', 'Stanley Cups', 'Stanley Cups Since 67', 'Stanley Cups Since 67', 'Stanley Cups Since 67']);
    assert.equal(docs[0].text, 'Team: Blues\nLocation: STL\nStanley Cups: 1');
    assert.equal(docs[0].metadata.row, 3);
    assert.equal(docs[0].metadata.table_title, 'Stanley Cups');
  });

  test('config.sheets limits the sheets read', async () => {
    const docs = await parseWith('ExcelParser', corpus('docs/unstructured/stanley-cups.xlsx'), { sheets: ['Stanley Cups Since 67'] });
    assert.equal(docs.length, 3);
    assert.ok(docs.every((d) => d.metadata.sheet === 'Stanley Cups Since 67'));
  });

  test('an encrypted workbook fails as encrypted; an empty one gives no documents', async () => {
    const err = await parseError(parseWith('ExcelParser', corpus('docs/unstructured/password_protected.xlsx')));
    assert.equal(err.reason, 'encrypted');
    assert.match(err.message, /password-protected/);
    assert.deepEqual(await parseWith('ExcelParser', corpus('docs/unstructured/empty.xlsx')), []);
  });

  test('a text file named .xlsx and a legacy .xls fail with a clear reason', async () => {
    const text = await parseError(parseWith('ExcelParser', corpus('llamafarm/demos/static_samples/business_reports/quarterly_financial_report.xlsx')));
    assert.equal(text.reason, 'malformed');
    assert.match(text.message, /not an Excel document/);
    const xls = await parseError(parseWith('ExcelParser', corpus('docs/unstructured/tests-example.xls')));
    assert.equal(xls.reason, 'unsupported');
  });
});
