/** The shared pieces: DimensionGuard, the retry loop, embedAll. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { embedAll } from '../../../src/adapters/embedders/embed-all.js';
import { HashingEmbedder } from '../../../src/adapters/embedders/hashing.js';
import { backoffMs, HttpAttemptError, withRetries } from '../../../src/adapters/embedders/retry.js';
import { EmbedderError, type Embedder } from '../../../src/adapters/embedders/types.js';
import { DimensionGuard } from '../../../src/adapters/embedders/vectors.js';

describe('DimensionGuard', () => {
  test('learns the dimension from the first answer and enforces it afterwards', () => {
    const g = new DimensionGuard('up');
    assert.equal(g.dimension, 0);
    assert.deepEqual(g.accept([], 0), []);
    assert.equal(g.dimension, 0, 'nothing learned from nothing');
    const [v] = g.accept([[1, 2, 3]], 1);
    assert.deepEqual(Array.from(v), [1, 2, 3]);
    assert.equal(g.dimension, 3);
    assert.throws(() => g.accept([[1, 2]], 1), /2-d embedding \(item 0\) but the dimension is 3/);
  });

  test('rejects a wrong count, ragged, empty, non-numeric and non-finite answers', () => {
    const cases: [unknown, number, RegExp][] = [
      [undefined, 1, /no embeddings list/],
      [[[1]], 2, /1 embeddings for 2 texts/],
      [[[1, 2], [1]], 2, /1-d embedding \(item 1\) but item 0 has 2/],
      [[[]], 1, /empty embedding/],
      [[[1, null]], 1, /non-finite/],
      [[[1, '2']], 1, /non-finite/],
      [[new Float32Array([1, NaN])], 1, /non-finite/],
    ];
    for (const [raw, n, message] of cases) {
      assert.throws(() => new DimensionGuard('up').accept(raw, n), (err: Error) => err instanceof EmbedderError && message.test(err.message));
    }
  });
});

describe('withRetries', () => {
  const policy = { upstream: 'srv', maxRetries: 2, retryDelayMs: 1, timeoutMs: 1000 };

  test('network errors are retried, then reported with their cause', async () => {
    let calls = 0;
    await assert.rejects(
      withRetries(policy, undefined, async () => {
        calls++;
        throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) });
      }),
      /srv failed after 3 attempts: fetch failed \(ECONNREFUSED\)/,
    );
    assert.equal(calls, 3);
  });

  test('an abort while waiting between attempts ends the wait at once, with the abort reason', async () => {
    const ac = new AbortController();
    const started = Date.now();
    const run = withRetries({ ...policy, retryDelayMs: 60_000 }, ac.signal, async () => {
      setTimeout(() => ac.abort(), 10);
      throw new HttpAttemptError('HTTP 503', 503, true, '');
    });
    await assert.rejects(run, { name: 'AbortError' });
    assert.ok(Date.now() - started < 30_000);
  });

  test('backoff doubles per retry, is capped, and a sane Retry-After wins', () => {
    assert.ok(backoffMs(500, 0) <= 500 && backoffMs(500, 0) >= 400);
    assert.ok(backoffMs(500, 2) <= 2000 && backoffMs(500, 2) >= 1600);
    assert.ok(backoffMs(500, 10) <= 8000);
    assert.equal(backoffMs(500, 3, 1200), 1200);
    assert.ok(backoffMs(500, 0, 10 * 60_000) <= 500, 'an absurd Retry-After is ignored');
  });
});

describe('embedAll', () => {
  test('embeds in batches, reports progress and keeps order', async () => {
    const inner = new HashingEmbedder();
    const calls: number[] = [];
    const spy: Embedder = { type: 'SpyEmbedder', model: 'spy', dimension: 384, embed: (t, o) => (calls.push(t.length), inner.embed(t, o)) };
    const texts = Array.from({ length: 25 }, (_, i) => `text ${i}`);
    const progress: [number, number][] = [];
    const out = await embedAll(spy, texts, { batchSize: 10, onProgress: (d, t) => progress.push([d, t]) });
    assert.deepEqual(calls, [10, 10, 5]);
    assert.deepEqual(progress, [[10, 25], [20, 25], [25, 25]]);
    assert.deepEqual(out[13], inner.embedOne('text 13'));
    assert.deepEqual(await embedAll(spy, []), []);
  });

  test("uses the embedder's batch size by default", async () => {
    const calls: number[] = [];
    const e = new HashingEmbedder({ batch_size: 4 });
    const spy: Embedder = { type: 'SpyEmbedder', model: 'spy', dimension: 384, batchSize: e.batchSize, embed: (t) => (calls.push(t.length), e.embed(t)) };
    await embedAll(spy, ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(calls, [4, 1]);
  });

  test('stops at an abort and refuses a short answer', async () => {
    const ac = new AbortController();
    const e = new HashingEmbedder();
    const texts = ['a', 'b', 'c'];
    await assert.rejects(
      embedAll(e, texts, { batchSize: 1, signal: ac.signal, onProgress: () => ac.abort() }),
      { name: 'AbortError' },
    );
    const short: Embedder = { type: 'ShortEmbedder', model: 's', dimension: 1, embed: async () => [] };
    await assert.rejects(embedAll(short, texts), (err: Error) => err instanceof EmbedderError && /0 vectors for 3 texts/.test(err.message));
  });
});
