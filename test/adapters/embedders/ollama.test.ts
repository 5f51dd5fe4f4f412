import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { OllamaEmbedder, ollamaBaseUrl } from '../../../src/adapters/embedders/ollama.js';
import { EmbedderError } from '../../../src/adapters/embedders/types.js';
import { EmbeddingsFake } from '../../fakes/embeddings-fake.js';

describe('ollamaBaseUrl', () => {
  test('config first (base_url, api_base), trimming a trailing /v1 or /api', () => {
    assert.equal(ollamaBaseUrl({ base_url: 'http://gpu:11434/v1/' }, {}), 'http://gpu:11434');
    assert.equal(ollamaBaseUrl({ api_base: 'http://gpu:11434/api' }, { OLLAMA_HOST: 'other' }), 'http://gpu:11434');
  });

  test('then OLLAMA_HOST in any of the forms Ollama accepts, then localhost', () => {
    assert.equal(ollamaBaseUrl({}, { OLLAMA_HOST: '0.0.0.0' }), 'http://0.0.0.0:11434');
    assert.equal(ollamaBaseUrl({}, { OLLAMA_HOST: 'gpu-box:9999' }), 'http://gpu-box:9999');
    assert.equal(ollamaBaseUrl({}, { OLLAMA_HOST: 'https://ollama.example.com' }), 'https://ollama.example.com');
    assert.equal(ollamaBaseUrl({}, {}), 'http://localhost:11434');
  });
});

describe('OllamaEmbedder against the fake', () => {
  const fake = new EmbeddingsFake();
  before(() => fake.start());
  after(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
    fake.clearFaults();
    fake.knownModels = undefined;
    fake.legacyOnly = false;
  });
  const make = (config: Record<string, unknown> = {}) =>
    new OllamaEmbedder({ base_url: fake.url, model: 'all-minilm', retry_delay: 0.01, ...config }, {});

  test('sends the native request: model, input list, truncate, keep_alive', async () => {
    const [v] = await make({ keep_alive: '5m' }).embed(['hello']);
    assert.deepEqual(Array.from(v), fake.vectorFor('all-minilm', 'hello').map(Math.fround));
    const [req] = fake.requests;
    assert.equal(req.path, '/api/embed');
    assert.deepEqual(req.body, { model: 'all-minilm', input: ['hello'], truncate: true, keep_alive: '5m' });
  });

  test('uses OLLAMA_HOST from the environment it is given', async () => {
    const e = new OllamaEmbedder({ model: 'm', retry_delay: 0.01 }, { OLLAMA_HOST: fake.url.replace('http://', '') });
    assert.equal(e.baseUrl, fake.url);
    assert.equal((await e.embed(['x'])).length, 1);
  });

  test('falls back to the legacy /api/embeddings (one text per request) on an Ollama without /api/embed', async () => {
    fake.legacyOnly = true;
    const e = make();
    const vectors = await e.embed(['a', 'b', 'c']);
    assert.deepEqual(fake.requests.map((r) => r.path), ['/api/embed', '/api/embeddings', '/api/embeddings', '/api/embeddings']);
    assert.deepEqual(fake.requests[1].body, { model: 'all-minilm', prompt: 'a' });
    // The legacy answer is not normalised; the embedder normalises it like /api/embed would.
    assert.ok(Math.abs(Math.hypot(...vectors[0]) - 1) < 1e-5);
    await e.embed(['d']);
    assert.equal(fake.requests.at(-1)?.path, '/api/embeddings', 'remembers the legacy API');
  });

  test('pulls a missing model once, then embeds (auto_pull, the default)', async () => {
    fake.knownModels = new Set();
    const vectors = await make().embed(['x']);
    assert.equal(vectors.length, 1);
    assert.deepEqual(fake.requests.map((r) => r.path), ['/api/embed', '/api/pull', '/api/embed']);
    assert.deepEqual(fake.requests[1].body, { model: 'all-minilm', stream: false });
  });

  test('with auto_pull false a missing model is an EmbedderError that says how to get it', async () => {
    fake.knownModels = new Set();
    await assert.rejects(make({ auto_pull: false }).embed(['x']), (err: Error) => {
      assert.ok(err instanceof EmbedderError);
      assert.match(err.message, /not found/);
      assert.match(err.message, /ollama pull all-minilm/);
      return true;
    });
    assert.equal(fake.requests.length, 1);
  });

  test("honours a 429's Retry-After", async () => {
    fake.inject({ kind: 'status', status: 429, retryAfter: '0' });
    const e = make({ retry_delay: 30 }); // would take 30 s without the header
    assert.equal((await e.embed(['x'])).length, 1);
    assert.equal(fake.requests.length, 2);
  });
});
