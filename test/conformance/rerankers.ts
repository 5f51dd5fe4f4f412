/**
 * The Reranker conformance suite: what every reranker implementation promises the retrieval strategies
 * (src/adapters/retrievers/types.ts `Reranker`), run against each implementation by rerankers.test.ts.
 *
 * - no documents → no call, `[]`;
 * - one entry per document, each `index` once, in [0, n), best first, finite scores;
 * - the document that answers the query ranks above ones that do not;
 * - a caller's abort rejects promptly;
 * - a failure rejects with an Error (the strategy degrades to the base order); it never resolves with garbage.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Reranker } from '../../src/adapters/retrievers/types.js';

export interface RerankerHarness {
  reranker: Reranker;
  /** Makes the next calls fail the way this implementation fails (upstream error, model unable to rank). */
  breakIt(): void | Promise<void>;
  /** Restores normal behaviour. */
  fixIt(): void | Promise<void>;
  /** Delays answers, so an abort can land mid-call. */
  slowDown(ms: number): void;
  close(): Promise<void>;
}

const QUERY = 'how do plants make energy from sunlight';
const DOCS = [
  'The stock market closed higher on Tuesday after strong earnings.',
  'Plants make energy from sunlight through photosynthesis in their leaves.',
  'A recipe for lemon cake with vanilla icing.',
  'The train to Paris leaves at noon.',
];

export function rerankerConformance(name: string, make: () => Promise<RerankerHarness>): void {
  describe(`Reranker conformance: ${name}`, () => {
    let h: RerankerHarness | undefined;
    const harness = async (): Promise<RerankerHarness> => (h ??= await make());
    after(async () => {
      await h?.close();
    });

    test('no documents: an empty ranking', async () => {
      assert.deepEqual(await (await harness()).reranker.rerank(QUERY, []), []);
    });

    test('one entry per document, each index once, best first, finite scores', async () => {
      const ranked = await (await harness()).reranker.rerank(QUERY, DOCS);
      assert.equal(ranked.length, DOCS.length);
      assert.deepEqual([...ranked.map((r) => r.index)].sort(), [0, 1, 2, 3]);
      for (const r of ranked) assert.ok(Number.isFinite(r.score), `finite score, got ${r.score}`);
      for (let i = 1; i < ranked.length; i++) assert.ok(ranked[i - 1].score >= ranked[i].score, 'sorted best first');
    });

    test('the document that answers the query ranks first', async () => {
      const ranked = await (await harness()).reranker.rerank(QUERY, DOCS);
      assert.equal(ranked[0].index, 1);
    });

    test('a caller abort rejects promptly', async () => {
      const hh = await harness();
      hh.slowDown(5_000);
      const ctl = new AbortController();
      const call = hh.reranker.rerank(QUERY, DOCS, { signal: ctl.signal });
      setTimeout(() => ctl.abort(), 20);
      await assert.rejects(call);
      hh.slowDown(0);
    });

    test('a failure rejects with an Error, never garbage', async () => {
      const hh = await harness();
      await hh.breakIt();
      try {
        await assert.rejects(hh.reranker.rerank(QUERY, DOCS), (e: unknown) => e instanceof Error && e.message.length > 0);
      } finally {
        await hh.fixIt();
      }
      assert.equal((await hh.reranker.rerank(QUERY, DOCS)).length, DOCS.length, 'works again after the failure');
    });
  });
}
