/** What every extractor guarantees: it only adds metadata, and copes with empty and odd text. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Chunk } from '../../../src/adapters/chunkers/types.js';
import { extractorTypes, getExtractor } from '../../../src/adapters/extractors/registry.js';

const TEXTS = ['', '   ', 'plain words only', '\u0000\u0001 ###### ||| ``` [x]( <a href=> 99999999999999999999 @@ ..', 'Ünïcödé 東京 🦙 — “quotes” ‘single’'];

for (const type of extractorTypes()) {
  describe(`extractor ${type}`, () => {
    test('handles no chunks', async () => {
      await getExtractor(type).extract([], {}, { filename: 'x.txt' });
    });

    test('adds metadata without changing text or existing keys, for empty and odd texts', async () => {
      const chunks: Chunk[] = TEXTS.map((text) => ({ text, metadata: { page: 3, source: 'x.txt' } }));
      await getExtractor(type).extract(chunks, {}, { filename: 'x.txt' });
      chunks.forEach((c, i) => {
        assert.equal(c.text, TEXTS[i]);
        assert.equal(c.metadata.page, 3);
        assert.equal(c.metadata.source, 'x.txt');
        assert.doesNotThrow(() => JSON.stringify(c.metadata), 'metadata stays JSON-serialisable');
      });
    });
  });
}
