import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { chunkStrategies, getChunker, resolveChunkStrategy } from '../../../src/adapters/chunkers/registry.js';
import { markdownSections } from '../../../src/adapters/chunkers/sections.js';
import { packSpans, sentenceSpans, windowSpans } from '../../../src/adapters/chunkers/split.js';
import type { ParsedDocument } from '../../../src/adapters/parsers/types.js';
import { needShared, sharedPath } from '../../helpers/shared.js';

const doc = (text: string, metadata: Record<string, unknown> = {}): ParsedDocument => ({ text, metadata });
const skip = needShared('corpora', 'longtext');

describe('split helpers', () => {
  test('sentences end at .!? before whitespace, not after abbreviations or initials', () => {
    const text = 'Dr. Smith met J. Doe at 3.14 p.m. today. Was it fun? Yes!\n\nNew paragraph without stop';
    const sentences = sentenceSpans(text).map(([s, e]) => text.slice(s, e));
    assert.deepEqual(sentences, ['Dr. Smith met J. Doe at 3.14 p.m. today.', 'Was it fun?', 'Yes!', 'New paragraph without stop']);
  });

  test('windows never exceed the size, prefer word breaks and always progress', () => {
    const text = 'alpha beta gamma delta epsilon zeta eta theta iota kappa';
    const spans = windowSpans(text, [0, text.length], 12, 4);
    assert.ok(spans.every(([s, e]) => e - s <= 12));
    assert.ok(spans.every(([s]) => s === 0 || /\s/.test(text[s - 1])), 'windows start at word starts');
    assert.equal(text.slice(spans[0][0], spans[0][1]), 'alpha beta');
    assert.equal(text.slice(spans.at(-1)![0], spans.at(-1)![1]).split(' ').at(-1), 'kappa');
  });

  test('packing with an overlap that would not leave room still progresses', () => {
    const text = 'aaaa bbbb cccc dddd';
    const spans = [[0, 4], [5, 9], [10, 14], [15, 19]] as const;
    assert.deepEqual(packSpans(text, [...spans], 9, 9), ['aaaa bbbb', 'bbbb cccc', 'cccc dddd']);
  });
});

describe('chunk strategies', () => {
  const prose = Array.from({ length: 40 }, (_, i) => `Sentence number ${i + 1} says something about topic ${i % 5}.`).join(' ');

  for (const strategy of ['characters', 'sentences', 'paragraphs', 'sections'] as const) {
    test(`${strategy}: every chunk fits chunk_size, and all words survive in order`, () => {
      const chunks = getChunker(strategy).chunk([doc(prose, { page: 7 })], { chunkSize: 200, chunkOverlap: 0 });
      assert.ok(chunks.length > 5);
      assert.ok(chunks.every((c) => c.text.length <= 200), strategy);
      assert.ok(chunks.every((c) => c.metadata.page === 7), 'document metadata is copied');
      assert.equal(chunks.map((c) => c.text).join(' ').replace(/\s+/g, ' '), prose);
    });
  }

  test('sentences: overlap repeats trailing sentences at the start of the next chunk', () => {
    const chunks = getChunker('sentences').chunk([doc(prose)], { chunkSize: 200, chunkOverlap: 60 });
    for (let i = 1; i < chunks.length; i++) {
      const firstSentence = chunks[i].text.split(/(?<=\.)\s/)[0];
      assert.ok(chunks[i - 1].text.includes(firstSentence), `chunk ${i} starts inside the previous one`);
    }
  });

  test('characters: fixed windows step chunk_size - chunk_overlap', () => {
    const text = 'x'.repeat(1000);
    const chunks = getChunker('characters').chunk([doc(text)], { chunkSize: 300, chunkOverlap: 100 });
    assert.deepEqual(chunks.map((c) => c.text.length), [300, 300, 300, 300, 200]);
  });

  test('paragraphs: packs blank-line separated paragraphs, splitting only oversized ones', () => {
    const text = ['First short paragraph.', 'Second short paragraph.', 'x '.repeat(150).trim(), 'Last one.'].join('\n\n');
    const chunks = getChunker('paragraphs').chunk([doc(text)], { chunkSize: 60, chunkOverlap: 0 });
    assert.equal(chunks[0].text, 'First short paragraph.\n\nSecond short paragraph.');
    assert.ok(chunks.every((c) => c.text.length <= 60));
    assert.equal(chunks.at(-1)!.text.endsWith('Last one.'), true);
  });

  test('sections: Markdown headings in plain text give heading paths; parser sections keep theirs', () => {
    const text = '# Guide\nIntro text.\n## Install\nRun it.\n```\n# comment, not a heading\n```\n## Use\nCall it.\n# Appendix\n## Notes\nEnd.';
    const chunks = getChunker('headings').chunk([doc(text)], { chunkSize: 1000, chunkOverlap: 0 });
    assert.deepEqual(chunks.map((c) => c.metadata.headings), [['Guide'], ['Guide', 'Install'], ['Guide', 'Use'], ['Appendix', 'Notes']]);
    assert.match(chunks[1].text, /# comment, not a heading/);
    assert.match(chunks[3].text, /^# Appendix\n## Notes\nEnd\.$/, 'an empty section merges into the next');
    const given = getChunker('sections').chunk([doc('Body.', { headings: ['A', 'B'] })], { chunkSize: 100, chunkOverlap: 0 });
    assert.deepEqual(given.map((c) => [c.metadata.headings, c.metadata.section]), [[['A', 'B'], 'B']]);
    assert.equal(markdownSections('no headings at all').length, 1);
  });

  test('rows: rows_per_chunk rows per chunk, never across sheets, with row ranges', () => {
    const rows = [
      ...Array.from({ length: 5 }, (_, i) => doc(`a: ${i}`, { sheet: 'S1', row: i + 2 })),
      ...Array.from({ length: 2 }, (_, i) => doc(`b: ${i}`, { sheet: 'S2', row: i + 2 })),
    ];
    const chunks = getChunker('rows').chunk(rows, { chunkSize: 1000, chunkOverlap: 0, rowsPerChunk: 2 });
    assert.deepEqual(chunks.map((c) => [c.metadata.sheet, c.metadata.row_start, c.metadata.row_end, c.metadata.row_count]),
      [['S1', 2, 3, 2], ['S1', 4, 5, 2], ['S1', 6, 6, 1], ['S2', 2, 3, 2]]);
    assert.equal(chunks[0].text, 'a: 0\n\na: 1');
    assert.equal('row' in chunks[0].metadata, false);
    const overlapping = getChunker('rows').chunk(rows.slice(0, 5), { chunkSize: 1000, chunkOverlap: 1, rowsPerChunk: 3 });
    assert.deepEqual(overlapping.map((c) => [c.metadata.row_start, c.metadata.row_end]), [[2, 4], [4, 6]]);
  });

  test('rows on plain text: rows_per_chunk lines per chunk with line numbers', () => {
    const chunks = getChunker('rows').chunk([doc('l1\nl2\n\nl3\nl4\nl5')], { chunkSize: 1000, chunkOverlap: 0, rowsPerChunk: 2 });
    assert.deepEqual(chunks.map((c) => [c.text, c.metadata.line_start, c.metadata.line_end]), [['l1\nl2', 1, 2], ['l3\nl4', 4, 5], ['l5', 6, 6]]);
  });

  test('tokens: word windows of chunk_size with chunk_overlap words repeated', () => {
    const text = Array.from({ length: 25 }, (_, i) => `w${i}`).join(' ');
    const chunks = getChunker('tokens').chunk([doc(text)], { chunkSize: 10, chunkOverlap: 2 });
    assert.deepEqual(chunks.map((c) => c.metadata.token_count), [10, 10, 9]);
    assert.ok(chunks[1].text.startsWith('w8 w9 '));
    assert.ok(chunks[2].text.endsWith('w24'));
  });

  test('documents (pages/full): one chunk per document; empty documents give none', () => {
    const chunks = getChunker('pages').chunk([doc('page one', { page: 1 }), doc('   '), doc('page two', { page: 2 })], { chunkSize: 1, chunkOverlap: 0 });
    assert.deepEqual(chunks.map((c) => [c.text, c.metadata.page]), [['page one', 1], ['page two', 2]]);
  });

  test('a long real text (War and Peace, 3.2 MB) chunks within size', { skip }, async () => {
    const text = await readFile(sharedPath('corpora', 'longtext', 'war-and-peace.txt'), 'utf8');
    const chunks = getChunker('paragraphs').chunk([doc(text)], { chunkSize: 1000, chunkOverlap: 100 });
    assert.ok(chunks.length > 3000);
    assert.ok(chunks.every((c) => c.text.length <= 1000 && c.text.trim() === c.text && c.text.length > 0));
    const words = (t: string) => t.split(/\s+/).filter(Boolean);
    assert.deepEqual(words(chunks[0].text).slice(0, 5), words(text).slice(0, 5));
    assert.deepEqual(words(chunks.at(-1)!.text).slice(-5), words(text).slice(-5));
  });
});

describe('chunker registry', () => {
  test('strategies and aliases; unknown names throw with the list', () => {
    assert.deepEqual(chunkStrategies(), ['characters', 'sentences', 'paragraphs', 'sections', 'rows', 'tokens', 'documents']);
    for (const [alias, name] of [['semantic', 'sentences'], ['headings', 'sections'], ['pages', 'documents'], ['Paragraphs', 'paragraphs'], ['token', 'tokens']]) {
      assert.equal(resolveChunkStrategy(alias), name);
      assert.equal(getChunker(alias).strategy, name);
    }
    assert.throws(() => getChunker('magic'), /Unknown chunk strategy "magic". Known strategies: characters, sentences/);
  });
});
