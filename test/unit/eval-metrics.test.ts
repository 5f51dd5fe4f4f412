import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateRun, ndcgAt, recallAt, reciprocalRankAt, uniqueInOrder } from '../../src/services/eval/metrics.js';

const close = (actual: number, expected: number, what = '') => assert.ok(Math.abs(actual - expected) < 1e-9, `${what} ${actual} ≠ ${expected}`);
const judged = (pairs: Record<string, number>) => new Map(Object.entries(pairs));

describe('eval metrics', () => {
  test('uniqueInOrder keeps each id once, at its first (best) position', () => {
    assert.deepEqual(uniqueInOrder(['a', 'b', 'a', 'c', 'b']), ['a', 'b', 'c']);
  });

  test('nDCG@k: 1 for the ideal ranking, the textbook value otherwise, 0 without relevant documents', () => {
    const j = judged({ a: 1, b: 1 });
    close(ndcgAt(['a', 'b', 'x'], j, 10), 1, 'ideal');
    close(ndcgAt(['b', 'a'], j, 10), 1, 'order among equally relevant documents does not matter');
    // Relevant at ranks 2 and 3: (1/log2 3 + 1/log2 4) / (1 + 1/log2 3).
    close(ndcgAt(['x', 'a', 'b'], j, 10), (1 / Math.log2(3) + 0.5) / (1 + 1 / Math.log2(3)));
    close(ndcgAt(['x', 'y'], j, 10), 0);
    close(ndcgAt(['a'], judged({ a: 0 }), 10), 0, 'zero-graded judgements are not relevant');
    // Beyond k does not count; the ideal is cut at k too.
    close(ndcgAt(['x', 'a'], judged({ a: 1 }), 1), 0);
    close(ndcgAt(['a'], judged({ a: 1, b: 1, c: 1 }), 1), 1);
  });

  test('nDCG uses linear graded gains (pytrec_eval) and counts a repeated document once', () => {
    const j = judged({ a: 2, b: 1 });
    close(ndcgAt(['b', 'a'], j, 10), (1 + 2 / Math.log2(3)) / (2 + 1 / Math.log2(3)));
    close(ndcgAt(['a', 'a', 'b'], j, 10), 1, 'chunks of one document: the second hit of a is not a new rank');
  });

  test('Recall@k and reciprocal rank', () => {
    const j = judged({ a: 1, b: 1, c: 1, d: 0 });
    close(recallAt(['a', 'x', 'b', 'd'], j, 2), 1 / 3);
    close(recallAt(['a', 'x', 'b', 'd'], j, 10), 2 / 3);
    close(recallAt(['a', 'a', 'a', 'b'], j, 2), 2 / 3, 'repeats do not fill the cut-off');
    close(reciprocalRankAt(['x', 'd', 'c'], j, 10), 1 / 3);
    close(reciprocalRankAt(['x', 'y', 'c'], j, 2), 0);
  });

  test('evaluateRun averages over judged queries; a missing run scores 0; unjudged queries are ignored', () => {
    const qrels = new Map([
      ['q1', judged({ a: 1 })],
      ['q2', judged({ b: 1 })],
      ['q3', judged({ c: 0 })],
    ]);
    const run = new Map([
      ['q1', ['a']],
      ['q3', ['c']],
      ['q9', ['a']],
    ]);
    const m = evaluateRun(run, qrels);
    assert.equal(m.queries, 2);
    close(m.ndcg10, 0.5);
    close(m.recall10, 0.5);
    close(m.recall100, 0.5);
    close(m.mrr10, 0.5);
    const perfect = evaluateRun(new Map([['q1', ['a']], ['q2', ['x', 'b']]]), qrels);
    close(perfect.mrr10, 0.75);
    close(perfect.recall10, 1);
  });
});
