/** Runs the embedder conformance suite against every embedder this build provides. */
import { after, before } from 'node:test';
import { createEmbedder } from '../../src/adapters/embedders/registry.js';
import { disposeLlama } from '../../src/adapters/llama/instance.js';
import { EmbeddingsFake } from '../fakes/embeddings-fake.js';
import { MODELS, needShared } from '../helpers/shared.js';
import { embedderConformance } from './embedders.js';

const fake = new EmbeddingsFake();
before(() => fake.start());
after(async () => {
  await fake.close();
  await disposeLlama();
});

const FAST_RETRIES = { retry_delay: 0.01 };

embedderConformance({
  name: 'HashingEmbedder',
  make: (o) => createEmbedder('HashingEmbedder', { ...o }),
  semantic: [
    // No model: only shared words, stems and character n-grams make texts close.
    { anchor: 'kittens playing with yarn', near: 'a kitten plays with a ball of yarn', far: 'quarterly stock market earnings' },
    { anchor: 'the dogs were running in the park', near: 'a dog runs through a park', far: 'interest rates and inflation' },
  ],
});

embedderConformance({
  name: 'OllamaEmbedder (fake Ollama)',
  make: (o) => createEmbedder('OllamaEmbedder', { base_url: fake.url, model: 'nomic-embed-text', ...FAST_RETRIES, ...o }),
  remote: { fake, batchPath: '/api/embed', textsIn: (body) => (body as { input: string[] }).input },
});

embedderConformance({
  name: 'OpenAIEmbedder (fake OpenAI-compatible server)',
  make: (o) =>
    createEmbedder('OpenAIEmbedder', { base_url: `${fake.url}/v1`, api_key: 'sk-test', model: 'text-embedding-3-small', ...FAST_RETRIES, ...o }),
  remote: { fake, batchPath: '/v1/embeddings', textsIn: (body) => (body as { input: string[] }).input },
});

embedderConformance({
  name: 'UniversalEmbedder (GloVe GGUF)',
  skip: needShared('models', 'glove-6B-100d-16k-static-bert-f16.gguf'),
  make: (o) => createEmbedder('UniversalEmbedder', { model: MODELS.glove(), ...o }),
  semantic: [
    { anchor: 'cat', near: 'dog', far: 'stocks' },
    { anchor: 'stocks', near: 'shares', far: 'cat' },
    { anchor: 'my cat sleeps on the sofa', near: 'the dog sleeps in its bed', far: 'stock prices fell on the market' },
  ],
});

embedderConformance({
  name: 'SentenceEncoderEmbedder (Universal Sentence Encoder Lite)',
  make: (o) => createEmbedder('SentenceEncoderEmbedder', { ...o }),
  manyTexts: 120,
  semantic: [
    { anchor: 'cat', near: 'kitten', far: 'stock' },
    { anchor: 'my cat sleeps on the sofa', near: 'a kitten naps on the couch', far: 'stock prices fell on the market' },
  ],
});
