/** What every chunk strategy guarantees, whatever its input. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chunkStrategies, getChunker } from '../../../src/adapters/chunkers/registry.js';
import type { ParsedDocument } from '../../../src/adapters/parsers/types.js';

const INPUTS: Array<[string, ParsedDocument[]]> = [
  ['no documents', []],
  ['empty and whitespace documents', [{ text: '', metadata: {} }, { text: ' \n\t ', metadata: {} }]],
  ['one long word', [{ text: 'x'.repeat(2500), metadata: { page: 1 } }]],
  ['mixed prose, lists and rows', [
    { text: '# Title\n\nSome prose. More prose!\n\n- item one\n- item two\n\nFinal words?', metadata: { page: 2, headings: ['Title'] } },
    { text: 'a: 1\nb: 2', metadata: { sheet: 'S', row: 2 } },
    { text: 'a: 3\nb: 4', metadata: { sheet: 'S', row: 3 } },
  ]],
  ['unicode', [{ text: 'Grüße aus Köln. 東京は大きい。 Ça va? Emoji 🦙 end.', metadata: {} }]],
];

for (const strategy of chunkStrategies()) {
  describe(`chunk strategy ${strategy}`, () => {
    for (const [label, docs] of INPUTS) {
      test(`${label}: non-empty trimmed chunks that keep document metadata`, () => {
        const chunks = getChunker(strategy).chunk(docs, { chunkSize: 100, chunkOverlap: 20 });
        assert.ok(Array.isArray(chunks));
        for (const c of chunks) {
          assert.equal(typeof c.text, 'string');
          assert.ok(c.text.length > 0 && c.text === c.text.trim(), 'non-empty and trimmed');
          assert.ok(c.metadata && typeof c.metadata === 'object');
        }
        const nonEmpty = docs.filter((d) => d.text.trim());
        assert.equal(chunks.length === 0, nonEmpty.length === 0, 'chunks exist exactly when there is text');
        if (nonEmpty.some((d) => d.metadata.page !== undefined)) assert.ok(chunks.some((c) => c.metadata.page !== undefined), 'page survives');
      });
    }
  });
}
