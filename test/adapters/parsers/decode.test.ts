import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { binarySignature, decodeCp1252, decodeText, looksLikeText } from '../../../src/adapters/parsers/decode.js';
import { needShared, sharedPath } from '../../helpers/shared.js';

const U = (name: string) => sharedPath('corpora', 'docs', 'unstructured', name);
const skip = needShared('corpora', 'docs', 'unstructured');

describe('decodeText', () => {
  test('UTF-8 with and without a BOM', () => {
    const bom = decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Grüße', 'utf8')]));
    assert.deepEqual(bom, { text: 'Grüße', encoding: 'utf-8', bom: true });
    assert.equal(decodeText(Buffer.from('naïve café', 'utf8')).text, 'naïve café');
  });

  const words = (s: string) => s.replace(/\s+/g, ' ').trim();
  for (const name of ['fake-text-utf-16.txt', 'fake-text-utf-16-le.txt', 'fake-text-utf-16-be.txt', 'fake-text-utf-32.txt']) {
    test(`${name} (BOM or not) decodes to the words of the UTF-8 original`, { skip }, async () => {
      const expected = await readFile(U('fake-text.txt'), 'utf8');
      const decoded = decodeText(await readFile(U(name)));
      assert.match(decoded.encoding, name.includes('32') ? /^utf-32/ : /^utf-16/);
      assert.equal(decoded.bom, !name.endsWith('-le.txt') && !name.endsWith('-be.txt'));
      assert.equal(words(decoded.text), words(expected));
    });
  }

  test('Latin-1 Markdown (not valid UTF-8) falls back to Windows-1252', { skip }, async () => {
    const decoded = decodeText(await readFile(U('umlauts-non-utf8.md')));
    assert.equal(decoded.encoding, 'windows-1252');
    assert.equal(decoded.text.trim(), (await readFile(U('umlauts-utf8.md'), 'utf8')).trim());
  });

  test('Windows-1252 maps 0x80–0x9F to the WHATWG characters (€, curly quotes, dashes)', () => {
    assert.equal(decodeCp1252(Uint8Array.from([0x80, 0x20, 0x93, 0x41, 0x94, 0x20, 0x96, 0x20, 0xe4])), '€ “A” – ä');
    assert.equal(decodeText(Uint8Array.from([0x35, 0x80])).text, '5€');
  });

  test('a declared charset is used for non-UTF-8 bytes', () => {
    const decoded = decodeText(Uint8Array.from([0xa4]), 'iso-8859-15');
    assert.deepEqual([decoded.text, decoded.encoding], ['€', 'iso-8859-15']);
  });
});

describe('looksLikeText / binarySignature', () => {
  test('recognises binary containers and accepts wide-encoded text', { skip }, async () => {
    assert.equal(binarySignature(Buffer.from('%PDF-1.4\n')), 'PDF');
    assert.equal(looksLikeText(Buffer.from('%PDF-1.4\n')), false);
    assert.equal(looksLikeText(await readFile(U('img/example.jpg'))), false);
    assert.equal(looksLikeText(await readFile(U('password_protected.xlsx'))), false);
    assert.equal(looksLikeText(await readFile(U('fake-text-utf-16-be.txt'))), true);
    assert.equal(looksLikeText(await readFile(U('umlauts-non-utf8.md'))), true);
    assert.equal(looksLikeText(Buffer.alloc(0)), true);
    assert.equal(looksLikeText(Buffer.from([1, 2, 3, 0, 5, 6])), false);
  });
});
