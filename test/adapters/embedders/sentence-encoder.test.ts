import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SENTENCE_ENCODER_MODEL, SentenceEncoderEmbedder } from '../../../src/adapters/embedders/sentence-encoder.js';

test('Universal Sentence Encoder Lite loads offline from the npm package and gives 512-d vectors', async () => {
  const e = new SentenceEncoderEmbedder({ batch_size: 2 });
  assert.equal(e.model, SENTENCE_ENCODER_MODEL);
  // An empty string has no tokens; the model would silently drop its row and misalign the batch.
  const vectors = await e.embed(['first', '', 'third']);
  assert.equal(vectors.length, 3);
  for (const v of vectors) assert.equal(v.length, 512);
  const [third] = await e.embed(['third']);
  assert.ok(third.every((x, i) => Math.abs(x - vectors[2][i]) < 1e-5), 'row 3 is still "third"');
});
