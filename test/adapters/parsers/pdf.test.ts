import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { pdfWorkers } from '../../../src/adapters/parsers/pdf.js';
import { getParser } from '../../../src/adapters/parsers/registry.js';
import { ParseError } from '../../../src/adapters/parsers/types.js';
import { needShared } from '../../helpers/shared.js';
import { corpus, inputFor, parseWith, rejection } from './input.js';

const skip = needShared('corpora', 'docs');
const PDFS = (...p: string[]) => corpus('docs', ...p);

after(() => pdfWorkers.close());

async function parseError(p: Promise<unknown>): Promise<ParseError> {
  const err = await rejection(p);
  assert.ok(err instanceof ParseError, `expected a ParseError, got ${String(err)}`);
  return err;
}

describe('PDFParser', { skip }, () => {
  test('one document per page with 1-based page numbers and document info', async () => {
    const docs = await parseWith('PDFParser_PyPDF2', corpus('llamafarm/samples/pdfs/test_document.pdf'));
    assert.deepEqual(docs.map((d) => d.metadata.page), [1, 2]);
    assert.ok(docs.every((d) => d.metadata.total_pages === 2));
    assert.equal(docs[0].metadata.title, 'Test RAG Document');
    assert.match(docs[0].text, /^Test Document for RAG System/);
    assert.match(docs[1].text, /Technical Documentation/);
  });

  test('encrypted PDFs fail as encrypted; the right password opens them', async () => {
    for (const file of [PDFS('unstructured/pdf/password.pdf'), PDFS('pdfminer/encryption/aes-256-r6.pdf'), PDFS('pdfminer/encryption/rc4-40.pdf')]) {
      const err = await parseError(parseWith('PDFParser', file));
      assert.equal(err.reason, 'encrypted', file);
      assert.match(err.message, /password is required/);
    }
    const wrong = await parseError(parseWith('PDFParser', PDFS('pdfminer/encryption/aes-256-r6.pdf'), { password: 'nope' }));
    assert.match(wrong.message, /password is incorrect/);
    const opened = await parseWith('PDFParser', PDFS('unstructured/pdf/password.pdf'), { password: 'password' });
    assert.ok(opened.length >= 1 && opened[0].text.trim().length > 0);
  });

  test('encrypted with an empty user password: opens when text decrypts, else fails as encrypted', async () => {
    const open = await parseWith('PDFParser', PDFS('unstructured/pdf/copy-protected.pdf'));
    assert.match(open[0].text, /LayoutParser/);
    const noId = await parseError(parseWith('PDFParser', PDFS('pdfminer/encryption/encrypted_doc_no_id.pdf')));
    assert.equal(noId.reason, 'encrypted');
  });

  test('image-only (scanned) PDFs fail with no_text', async () => {
    for (const file of [corpus('llamafarm/samples/pdfs/272161.pdf'), PDFS('unstructured/pdf/loremipsum-flat.pdf')]) {
      const err = await parseError(parseWith('PDFParser', file));
      assert.equal(err.reason, 'no_text');
      assert.equal(err.message, 'no extractable text; the PDF appears to be scanned images');
    }
  });

  test('corrupted and malformed PDFs parse what they can or fail cleanly', async () => {
    const zen = await parseWith('PDFParser', PDFS('pdfminer/zen_of_python_corrupted.pdf'));
    assert.match(zen[0].text, /Beautiful is better than ugly/);
    const evil = await parseWith('PDFParser', PDFS('pdfminer/contrib/issue-1113-evil-xobjects.pdf'));
    assert.match(evil[0].text, /Hello world/);
    const patchelf = await parseError(parseWith('PDFParser', PDFS('pdfminer/scancode/patchelf.pdf')));
    assert.ok(['no_text', 'malformed'].includes(patchelf.reason));
    const notPdf = await parseError(parseWith('PDFParser', corpus('docs/mammoth-docx/hello.zip'), {}, 'x.pdf'));
    assert.equal(notPdf.reason, 'malformed');
  });

  test('a file over its time limit fails with timeout, and the next file still parses', async () => {
    const err = await parseError(parseWith('PDFParser', PDFS('unstructured/pdf/failure-after-repair.pdf'), { timeout_ms: 30 }));
    assert.equal(err.reason, 'timeout');
    const docs = await parseWith('PDFParser', corpus('llamafarm/samples/pdfs/llama.pdf'));
    assert.deepEqual(docs.map((d) => d.metadata.page), [1, 2, 3]);
  });

  test('an abort signal stops the parse with its reason', async () => {
    const controller = new AbortController();
    const parser = getParser('PDFParser');
    const pending = parser.parse(await inputFor(PDFS('unstructured/pdf/failure-after-repair.pdf')), {}, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('cancelled by test')), 20);
    const err = await rejection(pending);
    assert.ok(err instanceof Error);
    assert.equal(err.message, 'cancelled by test');
  });

  test('the 619-page PDF parses page by page', { timeout: 120_000 }, async () => {
    const docs = await parseWith('PDFParser', PDFS('unstructured/pdf/DA-619p.pdf'));
    assert.ok(docs.length > 600);
    assert.equal(docs[docs.length - 1].metadata.page, 619);
    assert.ok(docs.every((d, i) => i === 0 || (d.metadata.page as number) > (docs[i - 1].metadata.page as number)));
    assert.ok(docs.reduce((n, d) => n + d.text.length, 0) > 1_000_000);
  });
});
