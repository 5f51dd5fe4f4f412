/**
 * Structured output on the in-process universal runtime (issue 18 item 6), through the official `openai` client:
 * `response_format` json_schema / json_object constrain decoding with node-llama-cpp's grammar (stream and
 * non-stream) on stories260K, which on its own only writes children's stories; invalid formats are 422.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Ajv } from 'ajv';
import OpenAI from 'openai';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { MODELS, needShared } from '../helpers/shared.js';
import { disposeLlama } from '../../src/adapters/llama/instance.js';
import { createChatProject } from './chat-setup.js';

const SCHEMA = {
  type: 'object',
  properties: {
    mood: { enum: ['happy', 'sad'] },
    friends: { type: 'integer' },
    ok: { type: 'boolean' },
  },
  required: ['mood', 'friends', 'ok'],
  additionalProperties: false,
};
const check = new Ajv().compile(SCHEMA);

describe('response_format on the universal runtime (stories260K)', { skip: needShared('models', 'stories260K.gguf') }, () => {
  let t: TestApp;
  let client: OpenAI;
  const P = '/v1/projects/org/tiny';
  const format = { type: 'json_schema' as const, json_schema: { name: 'story', schema: SCHEMA } };

  before(async () => {
    t = await makeTestApp();
    await createChatProject(t.app, 'org', 'tiny', { runtime: { models: [{ name: 'default', provider: 'universal', model: MODELS.stories(), extra_body: { n_ctx: 512 } }] } });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    client = new OpenAI({ baseURL: `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}${P}`, apiKey: 'x', maxRetries: 0, timeout: 60_000 });
  });
  after(async () => {
    await t.close();
    await disposeLlama();
  });

  test('json_schema, non-stream: the answer parses and matches the schema', async () => {
    for (const seed of [1, 2, 3]) {
      const r = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'Once upon a time' }], response_format: format, max_tokens: 60, seed, temperature: 0.8 }, { headers: { 'X-No-Session': '1' } });
      const text = r.choices[0].message.content!;
      const value = JSON.parse(text);
      assert.ok(check(value), `${text} ${JSON.stringify(check.errors)}`);
      assert.equal(r.choices[0].finish_reason, 'stop');
    }
  });

  test('json_schema, stream: the joined deltas parse and match the schema', async () => {
    const stream = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'Tell me a story' }], response_format: format, max_tokens: 60, stream: true, seed: 7 }, { headers: { 'X-No-Session': '1' } });
    let text = '';
    let deltas = 0;
    for await (const c of stream) {
      const d = c.choices[0]?.delta.content;
      if (d) {
        text += d;
        deltas++;
      }
    }
    assert.ok(deltas > 1, 'streamed in pieces');
    assert.ok(check(JSON.parse(text)), text);
  });

  test('json_object: any JSON object; without a format the model writes prose', async () => {
    const r = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'Once upon a time' }], response_format: { type: 'json_object' }, max_tokens: 80, temperature: 0 }, { headers: { 'X-No-Session': '1' } });
    const text = r.choices[0].message.content!;
    if (r.choices[0].finish_reason === 'stop') assert.doesNotThrow(() => JSON.parse(text), text);
    assert.match(text.trimStart(), /^[{[]/, text);
    const prose = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 20, temperature: 0 }, { headers: { 'X-No-Session': '1' } });
    assert.doesNotMatch(prose.choices[0].message.content!.trimStart(), /^\{/);
  });

  test('an invalid schema or format is 422 naming the problem, before the model runs', async () => {
    const cases: [unknown, RegExp][] = [
      [{ type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { a: { type: 'strnig' } } } } }, /"properties","a","type"\].*unknown type \\"strnig\\"/],
      [{ type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { a: {} } } } }, /must state what it allows/],
      [{ type: 'json_schema', json_schema: { name: 'x' } }, /json_schema\.schema should be a JSON Schema object/],
      [{ type: 'json_schema', json_schema: { name: 'x', schema: { type: 'array', minItems: -1 } } }, /not a valid JSON Schema/],
      [{ type: 'yaml' }, /'text', 'json_object' or 'json_schema'/],
    ];
    for (const [rf, msg] of cases) {
      const res = await t.app.inject({ method: 'POST', url: `${P}/chat/completions`, payload: { messages: [{ role: 'user', content: 'hi' }], response_format: rf, stream: true }, headers: { 'x-no-session': '1' } });
      assert.equal(res.statusCode, 422, res.body);
      assert.match(res.body, msg);
    }
    // Through the client: an APIError with status 422.
    await assert.rejects(
      client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'nope' } } } }),
      (e: unknown) => e instanceof OpenAI.APIError && e.status === 422,
    );
  });

  test('a format with tools is refused with 400 on this runtime', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `${P}/chat/completions`,
      payload: { messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_object' }, tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }] },
      headers: { 'x-no-session': '1' },
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.match(json(res).detail, /cannot be combined with tools/);
  });
});
