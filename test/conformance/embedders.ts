/**
 * The embedder conformance suite: every `Embedder` implementation must pass it. It only uses the `Embedder`
 * interface (plus, for remote embedders, the request log and failure switches of the fake server behind them).
 *
 *   embedderConformance({ name: 'MyEmbedder', make: (overrides) => createEmbedder('MyEmbedder', {...}), ... });
 *
 * `make(overrides)` builds a fresh embedder whose config is the subject's base config plus `overrides`
 * (e.g. `{batch_size: 7}`); the suite closes every embedder it makes.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { EmbedderError, type Embedder } from '../../src/adapters/embedders/types.js';
import type { EmbeddingsFake } from '../fakes/embeddings-fake.js';

export interface SemanticCase {
  anchor: string;
  near: string;
  far: string;
}

export interface EmbedderSubject {
  name: string;
  /** A skip reason (missing model file, package that does not load), or false. */
  skip?: string | false;
  make(overrides?: Record<string, unknown>): Embedder | Promise<Embedder>;
  /** Cases where the model's meaning is real enough to expect `anchor` closer to `near` than to `far`. */
  semantic?: SemanticCase[];
  /** The fake server behind a remote embedder, and the path one batch is sent to. */
  remote?: { fake: EmbeddingsFake; batchPath: string; textsIn(body: unknown): string[] };
  /** Texts for the ordering test (default 250; fewer for slow models). */
  manyTexts?: number;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

function assertSameVector(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths differ`);
  assert.ok(cosine(a, b) > 0.99999, `${what}: vectors differ (cosine ${cosine(a, b)})`);
}

const SAMPLE = [
  'The quick brown fox jumps over the lazy dog.',
  'Retrieval-augmented generation grounds answers in documents.',
  'Llamas are domesticated South American camelids.',
];

export function embedderConformance(subject: EmbedderSubject): void {
  describe(`embedder conformance: ${subject.name}`, { skip: subject.skip ?? false }, () => {
    const made: Embedder[] = [];
    const make = async (overrides?: Record<string, unknown>): Promise<Embedder> => {
      const e = await subject.make(overrides);
      made.push(e);
      return e;
    };
    after(async () => {
      for (const e of made) await e.close?.();
    });

    test('reports a dimension equal to the vector length, and unit-length finite vectors', async () => {
      const e = await make();
      const vectors = await e.embed(SAMPLE);
      assert.equal(vectors.length, SAMPLE.length);
      assert.ok(e.dimension > 0, 'dimension is known after the first embed');
      for (const v of vectors) {
        assert.ok(v instanceof Float32Array);
        assert.equal(v.length, e.dimension);
        assert.ok(v.every(Number.isFinite));
        assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-3, `unit length, got ${Math.hypot(...v)}`);
      }
      assert.ok(typeof e.model === 'string' && e.model.length > 0, 'model identity is recorded with databases');
      assert.ok(typeof e.type === 'string' && e.type.endsWith('Embedder'));
    });

    test('the same text gives the same vector, within a call and across calls', async () => {
      const e = await make();
      const [a, b, c] = await e.embed([SAMPLE[0], SAMPLE[1], SAMPLE[0]]);
      const [again] = await e.embed([SAMPLE[0]]);
      assertSameVector(a, c, 'same call');
      assertSameVector(a, again, 'across calls');
      assert.ok(cosine(a, b) < 0.99, 'different texts give different vectors');
    });

    test('many texts come back in order, one vector each, whatever the batching', async () => {
      const n = subject.manyTexts ?? 250;
      const texts = Array.from({ length: n }, (_, i) => `note ${i}: ${SAMPLE[i % 3]} (${['alpha', 'beta', 'gamma', 'delta'][i % 4]} ${i})`);
      const e = await make({ batch_size: 16 });
      const vectors = await e.embed(texts);
      assert.equal(vectors.length, n);
      for (const i of [0, 1, 17, Math.floor(n / 2), n - 1]) {
        const [single] = await e.embed([texts[i]]);
        assertSameVector(vectors[i], single, `text ${i}`);
      }
    });

    test('an empty input gives an empty result', async () => {
      const e = await make();
      const before = subject.remote?.fake.requests.length;
      assert.deepEqual(await e.embed([]), []);
      if (subject.remote) assert.equal(subject.remote.fake.requests.length, before, 'no request for nothing');
    });

    test('a caller abort rejects with the abort reason, not an EmbedderError', async () => {
      const e = await make();
      const ac = new AbortController();
      ac.abort();
      await assert.rejects(e.embed(['x'], { signal: ac.signal }), (err: Error) => {
        assert.equal(err.name, 'AbortError');
        return true;
      });
    });

    if (subject.semantic?.length) {
      test('related texts are closer than unrelated ones', async () => {
        const e = await make();
        for (const { anchor, near, far } of subject.semantic ?? []) {
          const [a, n, f] = await e.embed([anchor, near, far]);
          const close = cosine(a, n);
          const distant = cosine(a, f);
          assert.ok(close > distant, `"${anchor}": "${near}" ${close.toFixed(3)} should beat "${far}" ${distant.toFixed(3)}`);
        }
      });
    }

    if (subject.remote) remoteConformance(subject, make, subject.remote);
  });
}

function remoteConformance(
  subject: EmbedderSubject,
  make: (overrides?: Record<string, unknown>) => Promise<Embedder>,
  remote: NonNullable<EmbedderSubject['remote']>,
): void {
  const { fake, batchPath } = remote;
  const fresh = () => {
    fake.clearFaults();
    fake.delayMs = 0;
    fake.requests.length = 0;
  };

  test('a batch size smaller than the input splits the requests, in order', async () => {
    fresh();
    const e = await make({ batch_size: 7 });
    const texts = Array.from({ length: 20 }, (_, i) => `text ${i}`);
    await e.embed(texts);
    const sent = fake.embedRequests(batchPath).map((r) => remote.textsIn(r.body));
    assert.deepEqual(sent.map((b) => b.length), [7, 7, 6]);
    assert.deepEqual(sent.flat(), texts);
  });

  test('the dimension is discovered on the first call, or taken from the config', async () => {
    fresh();
    const discovered = await make();
    assert.equal(discovered.dimension, 0, 'unknown before the first call');
    await discovered.embed(['x']);
    assert.equal(discovered.dimension, fake.dimension);
    const configured = await make({ dimension: fake.dimension });
    assert.equal(configured.dimension, fake.dimension);
    const wrong = await make({ dimension: fake.dimension + 3 });
    await assert.rejects(wrong.embed(['x']), EmbedderError);
  });

  test('a server that recovers after one failure is retried to success', async () => {
    fresh();
    fake.failNext(1, 503);
    const e = await make({ max_retries: 3 });
    const vectors = await e.embed(['recover']);
    assert.equal(vectors.length, 1);
    assert.equal(fake.embedRequests(batchPath).length, 2);
  });

  test('a server that keeps failing past max_retries gives EmbedderError (no zero vectors)', async () => {
    fresh();
    fake.failNext(10, 500);
    const e = await make({ max_retries: 2 });
    await assert.rejects(e.embed(['down']), (err: Error) => {
      assert.ok(err instanceof EmbedderError);
      assert.match(err.message, /3 attempts/);
      assert.match(err.message, /500/);
      return true;
    });
    assert.equal(fake.embedRequests(batchPath).length, 3);
  });

  test('a client error is not retried', async () => {
    fresh();
    fake.failNext(5, 400);
    const e = await make({ max_retries: 3 });
    await assert.rejects(e.embed(['bad']), EmbedderError);
    assert.equal(fake.embedRequests(batchPath).length, 1);
  });

  test('a slow server times out per request and then fails with EmbedderError', async () => {
    fresh();
    fake.delayMs = 400;
    const e = await make({ timeout: 0.05, max_retries: 1 });
    await assert.rejects(e.embed(['slow']), (err: Error) => {
      assert.ok(err instanceof EmbedderError);
      assert.match(err.message, /within 0\.05s/);
      return true;
    });
    fake.delayMs = 0;
  });

  for (const fault of [
    { kind: 'empty' },
    { kind: 'ragged' },
    { kind: 'null-value' },
    { kind: 'not-json' },
  ] as const) {
    test(`a ${fault.kind} answer is rejected with EmbedderError`, async () => {
      fresh();
      fake.inject(fault);
      const e = await make();
      await assert.rejects(e.embed(['a', 'b']), EmbedderError);
    });
  }

  test('a dimension that changes between calls is rejected', async () => {
    fresh();
    const e = await make();
    await e.embed(['first']);
    fake.inject({ kind: 'dimension', dimension: fake.dimension * 2 });
    await assert.rejects(e.embed(['second']), (err: Error) => err instanceof EmbedderError && /dimension/.test(err.message));
  });

  test(`${subject.name} names its upstream in errors`, async () => {
    fresh();
    fake.failNext(1, 500);
    const e = await make({ max_retries: 0 });
    await assert.rejects(e.embed(['x']), (err: Error) => {
      assert.ok(err instanceof EmbedderError);
      assert.ok(err.upstream?.includes(fake.url), `upstream ${err.upstream}`);
      assert.ok(err.message.includes(fake.url));
      return true;
    });
  });
}
