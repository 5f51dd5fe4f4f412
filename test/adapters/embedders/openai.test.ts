import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { OpenAIEmbedder, openaiBaseUrl } from '../../../src/adapters/embedders/openai.js';
import { EmbedderError } from '../../../src/adapters/embedders/types.js';
import { EmbeddingsFake } from '../../fakes/embeddings-fake.js';

describe('openaiBaseUrl', () => {
  test('config, then OPENAI_BASE_URL, then OpenAI; a bare host gets /v1', () => {
    assert.equal(openaiBaseUrl({ base_url: 'http://localhost:8080' }, {}), 'http://localhost:8080/v1');
    assert.equal(openaiBaseUrl({ api_base: 'http://vllm:8000/v1/' }, {}), 'http://vllm:8000/v1');
    assert.equal(openaiBaseUrl({}, { OPENAI_BASE_URL: 'http://lmstudio:1234/v1' }), 'http://lmstudio:1234/v1');
    assert.equal(openaiBaseUrl({}, {}), 'https://api.openai.com/v1');
  });
});

describe('OpenAIEmbedder against the fake', () => {
  const fake = new EmbeddingsFake();
  before(() => fake.start());
  after(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
    fake.clearFaults();
    fake.apiKey = undefined;
  });

  test('sends the key, the model, float encoding and the requested dimensions', async () => {
    fake.apiKey = 'sk-secret';
    const e = new OpenAIEmbedder({ base_url: fake.url, api_key: 'sk-secret', model: 'text-embedding-3-large', dimensions: 8 }, {});
    const [v] = await e.embed(['hello']);
    assert.equal(v.length, 8);
    assert.equal(e.dimension, 8);
    const [req] = fake.requests;
    assert.equal(req.path, '/v1/embeddings');
    assert.equal(req.headers.authorization, 'Bearer sk-secret');
    assert.deepEqual(req.body, { model: 'text-embedding-3-large', input: ['hello'], encoding_format: 'float', dimensions: 8 });
    assert.deepEqual(Array.from(v), fake.vectorFor('text-embedding-3-large', 'hello', 8).map(Math.fround));
  });

  test('takes OPENAI_API_KEY from the environment; a bad key is a 401 EmbedderError, not retried', async () => {
    fake.apiKey = 'sk-right';
    const e = new OpenAIEmbedder({ base_url: fake.url, retry_delay: 0.01 }, { OPENAI_API_KEY: 'sk-wrong' });
    await assert.rejects(e.embed(['x']), (err: Error) => {
      assert.ok(err instanceof EmbedderError);
      assert.match(err.message, /401.*Incorrect API key/);
      return true;
    });
    assert.equal(fake.requests.length, 1);
  });

  test('a local server needs no key; api.openai.com without one fails clearly before any request', async () => {
    const local = new OpenAIEmbedder({ base_url: fake.url }, {});
    assert.equal((await local.embed(['x'])).length, 1);
    assert.equal(fake.requests[0].headers.authorization, 'Bearer no-key');
    const remote = new OpenAIEmbedder({}, {});
    await assert.rejects(remote.embed(['x']), /no API key \(set api_key in the embedder config or OPENAI_API_KEY\)/);
  });
});
