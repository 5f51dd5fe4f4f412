/**
 * Every reranker implementation through the one conformance suite: the HTTP reranker against a protocol-exact
 * rerank server (both list flavours: OpenAI-style `data` and Cohere/Jina/llama.cpp-style `results`), and the
 * in-process universal (GGUF) pool on the tiny real model, which cannot rank (it is no reranker) — its contract
 * there is to fail cleanly so the strategy degrades.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { rerankerConformance } from './rerankers.js';
import { RerankFake } from '../fakes/rerank-fake.js';
import { HttpReranker, UniversalRerankerPool } from '../../src/adapters/retrievers/rerankers/index.js';
import { MODELS, needShared } from '../helpers/shared.js';

for (const flavor of ['data', 'results'] as const) {
  rerankerConformance(`HttpReranker (${flavor} list)`, async () => {
    const fake = await new RerankFake(flavor).start();
    return {
      reranker: new HttpReranker({ baseUrl: `${fake.url}/v1`, model: 'bge-reranker', timeoutMs: 10_000 }),
      breakIt: () => void (fake.behaviour = { status: 500 }),
      fixIt: () => void (fake.behaviour = {}),
      slowDown: (ms) => void (fake.behaviour = ms ? { delayMs: ms } : {}),
      close: () => fake.close(),
    };
  });
}

describe('UniversalRerankerPool on a model that cannot rank', () => {
  test('rejects with the reason instead of inventing scores', { skip: needShared('models', 'stories260K.gguf') }, async () => {
    const pool = new UniversalRerankerPool({ contextSize: 256 });
    try {
      const reranker = pool.reranker(MODELS.stories());
      assert.deepEqual(await reranker.rerank('q', []), [], 'no documents: no model load, no call');
      await assert.rejects(reranker.rerank('plants', ['a leaf', 'a stone']), (e: unknown) => e instanceof Error && e.message.length > 0);
    } finally {
      await pool.close();
    }
  });
  test('a missing model file is a clear error', async () => {
    const pool = new UniversalRerankerPool();
    await assert.rejects(pool.reranker('/nonexistent/reranker.gguf').rerank('q', ['d']), /not found/);
    await pool.close();
  });
});
