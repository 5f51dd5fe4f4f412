import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEmbedder, embedderTypes } from '../../../src/adapters/embedders/registry.js';
import { EmbedderError } from '../../../src/adapters/embedders/types.js';

test('every decision-A5 type is registered, with the original names as aliases', () => {
  for (const t of [
    'HashingEmbedder',
    'OllamaEmbedder',
    'OpenAIEmbedder',
    'UniversalEmbedder',
    'SentenceEncoderEmbedder',
    'HuggingFaceEmbedder',
    'SentenceTransformerEmbedder',
  ]) {
    assert.ok(embedderTypes().includes(t), t);
  }
});

test('an unknown type is an error that lists the known types', () => {
  assert.throws(
    () => createEmbedder('FancyEmbedder', {}),
    (err: Error) => /unknown embedder type "FancyEmbedder"/.test(err.message) && err.message.includes('HashingEmbedder, OllamaEmbedder'),
  );
});

test('type names match case-insensitively', () => {
  assert.equal(createEmbedder('hashingembedder', {}).type, 'HashingEmbedder');
});

test('HuggingFaceEmbedder and SentenceTransformerEmbedder are UniversalEmbedder with their model_name', async () => {
  for (const type of ['HuggingFaceEmbedder', 'SentenceTransformerEmbedder']) {
    const asked: string[] = [];
    const e = createEmbedder(type, { model_name: 'sentence-transformers/all-MiniLM-L6-v2', device: 'cpu' }, {
      resolveModelPath: async (name) => {
        asked.push(name);
        throw new Error('not in the cache');
      },
    });
    assert.equal(e.type, 'UniversalEmbedder');
    assert.equal(e.model, 'sentence-transformers/all-MiniLM-L6-v2');
    await assert.rejects(e.embed(['x']), (err: Error) => err instanceof EmbedderError && /not in the cache/.test(err.message));
    assert.deepEqual(asked, ['sentence-transformers/all-MiniLM-L6-v2']);
  }
});

test('wrongly typed config values are rejected at creation, naming the key', () => {
  assert.throws(() => createEmbedder('OllamaEmbedder', { batch_size: 'lots' }), /OllamaEmbedder: config "batch_size" must be a number/);
  assert.throws(() => createEmbedder('OpenAIEmbedder', { max_retries: -1 }), /"max_retries" must be >= 0/);
  assert.throws(() => createEmbedder('OllamaEmbedder', { auto_pull: 'maybe' }), /"auto_pull" must be a boolean/);
  assert.throws(() => createEmbedder('UniversalEmbedder', { model: 42 }), /"model" must be a string/);
  // Numbers written as strings in YAML are fine.
  assert.equal(createEmbedder('OllamaEmbedder', { batch_size: '8' }).batchSize, 8);
});

test('defaults follow the original config keys', () => {
  const ollama = createEmbedder('OllamaEmbedder', {}, { env: {} });
  assert.equal(ollama.model, 'nomic-embed-text');
  assert.equal(ollama.batchSize, 16);
  const openai = createEmbedder('OpenAIEmbedder', {}, { env: {} });
  assert.equal(openai.model, 'text-embedding-3-small');
  assert.equal(openai.batchSize, 100);
  assert.equal(createEmbedder('HashingEmbedder', {}).dimension, 384);
  assert.equal(createEmbedder('SentenceEncoderEmbedder', {}).dimension, 512);
});
