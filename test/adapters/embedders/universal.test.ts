import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { UniversalEmbedder } from '../../../src/adapters/embedders/universal.js';
import { EmbedderError } from '../../../src/adapters/embedders/types.js';
import { disposeLlama } from '../../../src/adapters/llama/instance.js';
import { cosine } from '../../conformance/embedders.js';
import { MODELS, needShared } from '../../helpers/shared.js';

after(() => disposeLlama());

test('a model that is not there is an EmbedderError naming it (no load attempted)', async () => {
  const e = new UniversalEmbedder({ model: '/nowhere/model.gguf' });
  await assert.rejects(e.embed(['x']), (err: Error) => err instanceof EmbedderError && err.message.includes('/nowhere/model.gguf'));
});

test('a file that is not a GGUF model fails with EmbedderError, and again on the next call', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lf-embed-'));
  const path = join(dir, 'broken.gguf');
  writeFileSync(path, 'this is not a model');
  const e = new UniversalEmbedder({ model: path });
  for (let i = 0; i < 2; i++) {
    await assert.rejects(e.embed(['x']), (err: Error) => err instanceof EmbedderError && /could not load/.test(err.message));
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('UniversalEmbedder on the GloVe GGUF', { skip: needShared('models', 'glove-6B-100d-16k-static-bert-f16.gguf') }, () => {
  test('resolves the configured name through resolveModelPath', async () => {
    const asked: string[] = [];
    const e = new UniversalEmbedder({ model_name: 'stanford/glove-100d' }, async (name) => (asked.push(name), MODELS.glove()));
    const [v] = await e.embed(['cat']);
    assert.equal(v.length, 100);
    assert.equal(e.model, 'stanford/glove-100d');
    assert.deepEqual(asked, ['stanford/glove-100d']);
    await e.close();
  });

  test('truncates a text longer than the context instead of failing', async () => {
    const e = new UniversalEmbedder({ model: MODELS.glove() }); // the model's own 512-token context
    const [short] = await e.embed(['cat']);
    for (const n of [509, 510, 511, 512, 600]) {
      const [long] = await e.embed(['cat '.repeat(n)]);
      assert.ok(cosine(long, short) > 0.999, `${n} tokens: mean of "cat"s is "cat": ${cosine(long, short)}`);
    }
    await e.close();
  });

  test('a text without tokens gives a finite vector of the right length', async () => {
    const e = new UniversalEmbedder({ model: MODELS.glove() });
    const [empty] = await e.embed(['']);
    assert.equal(empty.length, 100);
    assert.ok(empty.every(Number.isFinite));
    await e.close();
  });

  test('a configured dimension that the model does not have is refused', async () => {
    const e = new UniversalEmbedder({ model: MODELS.glove(), dimension: 384 });
    assert.equal(e.dimension, 384);
    await assert.rejects(e.embed(['cat']), (err: Error) => err instanceof EmbedderError && /100-d.*384/.test(err.message));
    await e.close();
  });

  test('embedders naming one file share it; closing one leaves the other working', async () => {
    const a = new UniversalEmbedder({ model: MODELS.glove() });
    const b = new UniversalEmbedder({ model: MODELS.glove() });
    const [va] = await a.embed(['market']);
    await a.close();
    const [vb] = await b.embed(['market']);
    assert.deepEqual(va, vb);
    await assert.rejects(a.embed(['x']), /closed/);
    await b.close();
  });

  test('normalize: false keeps the raw pooled vector', async () => {
    const e = new UniversalEmbedder({ model: MODELS.glove(), normalize: false });
    const [v] = await e.embed(['cat']);
    assert.ok(Math.abs(Math.hypot(...v) - 1) > 0.1, 'GloVe LayerNorm output is not unit length');
    await e.close();
  });
});

test('a causal LM GGUF embeds too (plumbing only)', { skip: needShared('models', 'stories260K.gguf') }, async () => {
  const e = new UniversalEmbedder({ model: MODELS.stories() });
  const vectors = await e.embed(['Once upon a time', 'there was a girl']);
  assert.equal(e.dimension, 64);
  assert.equal(vectors.length, 2);
  await e.close();
});
