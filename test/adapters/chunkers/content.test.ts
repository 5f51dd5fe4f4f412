import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasContentWords } from '../../../src/adapters/chunkers/content.js';

test('page numbers, page labels and separators have no content words; words in any script do', () => {
  for (const t of ['12', '- 12 -', 'Page 3 of 15', 'p. 4', '3/15', '-----', '* * *', 'iv', '•', '']) assert.equal(hasContentWords(t), false, JSON.stringify(t));
  for (const t of ['Ahab', 'I am', 'id: 42', '東京', 'Call me Ishmael. Page 3', 'Ωμέγα']) assert.equal(hasContentWords(t), true, JSON.stringify(t));
});
