import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { looksLikePath, publicModelId } from '../../src/services/chat/responses.js';

describe('response `model`: never a local path', () => {
  test('paths and model files are recognised; hub ids and provider ids are not', () => {
    for (const p of ['/home/me/models/x.gguf', './m.gguf', '../m', '~/m', 'C:\\models\\m', 'C:/m', 'qwen.Q4_K_M.gguf', 'model.safetensors']) assert.ok(looksLikePath(p), p);
    for (const id of ['gpt-4o', 'unsloth/Qwen3-0.6B-GGUF:Q4_K_M', 'llama3.2:3b', 'org/repo']) assert.ok(!looksLikePath(id), id);
  });

  test('universal: the configured name; remote: the provider id unless it is a path', () => {
    assert.equal(publicModelId('/data/stories260K.gguf', { name: 'tiny', provider: 'universal', model: '/data/stories260K.gguf' }), 'tiny');
    assert.equal(publicModelId('unsloth/Qwen3-0.6B-GGUF:Q4_K_M', { name: 'q', provider: 'universal', model: 'unsloth/Qwen3-0.6B-GGUF:Q4_K_M' }), 'q');
    assert.equal(publicModelId('gpt-4o-2024-08-06', { name: 'default', provider: 'openai', model: 'gpt-4o' }), 'gpt-4o-2024-08-06');
    // A llama.cpp server behind the openai provider answers with its file's path.
    assert.equal(publicModelId('/models/qwen.gguf', { name: 'local', provider: 'openai', model: 'qwen' }), 'local');
    assert.equal(publicModelId(undefined, { name: 'x', provider: 'ollama', model: 'llama3.2:3b' }), 'llama3.2:3b');
  });
});
