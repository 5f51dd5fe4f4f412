/** Batch checks and score mappings shared by the stores (decision 0006). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bm25ToScore, checkBatch, cosineDistanceToScore, firstOfEachId, rrfToScore, RRF_K } from '../../../src/adapters/stores/checks.js';
import { StoreError, type StoredChunk } from '../../../src/adapters/stores/types.js';

const c = (id: string, vector: number[], extra: Partial<StoredChunk> = {}): StoredChunk => ({ id, text: id, vector: Float32Array.from(vector), metadata: {}, ...extra });
const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StoreError, String(e));
    return e.code;
  }
  return 'none';
};

test('checkBatch returns the dimension and refuses bad vectors, ids and metadata', () => {
  assert.equal(checkBatch([c('a', [1, 0]), c('b', [0, 1])], undefined), 2);
  assert.equal(checkBatch([], 3), 3);
  assert.equal(code(() => checkBatch([c('a', [1, 0])], 3)), 'dimension_mismatch');
  assert.equal(code(() => checkBatch([c('a', [1, 0]), c('b', [1, 0, 0])], undefined)), 'dimension_mismatch');
  assert.equal(code(() => checkBatch([c('a', [1, NaN])], undefined)), 'invalid_vector');
  assert.equal(code(() => checkBatch([c('a', [0, 0])], undefined)), 'invalid_vector');
  assert.equal(code(() => checkBatch([{ ...c('a', [1]), vector: [1] as never }], undefined)), 'invalid_vector');
  assert.equal(code(() => checkBatch([c('', [1])], undefined)), 'other');
  assert.equal(code(() => checkBatch([c('a', [1], { metadata: [] as never })], undefined)), 'other');
});

test('firstOfEachId keeps the first of repeated ids', () => {
  const { unique, repeats } = firstOfEachId([c('a', [1], { text: '1' }), c('b', [1]), c('a', [1], { text: '2' })]);
  assert.deepEqual(unique.map((x) => x.text), ['1', 'b']);
  assert.equal(repeats, 1);
});

test('scores are in [0, 1] and keep the order', () => {
  assert.equal(cosineDistanceToScore(0), 1);
  assert.equal(cosineDistanceToScore(1), 0.5);
  assert.equal(cosineDistanceToScore(2), 0);
  assert.equal(cosineDistanceToScore(2.0001), 0);
  assert.equal(cosineDistanceToScore(-1e-7), 1);
  assert.equal(bm25ToScore(0), 0);
  assert.equal(bm25ToScore(2), 0.5);
  assert.ok(bm25ToScore(30) > bm25ToScore(3) && bm25ToScore(30) < 1, 'bm25 mapping not monotone in (0, 1)');
  assert.equal(rrfToScore(2 / RRF_K), 1);
  assert.equal(rrfToScore(1 / RRF_K), 0.5);
  assert.equal(rrfToScore(0), 0);
});
