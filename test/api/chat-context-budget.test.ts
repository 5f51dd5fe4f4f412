/**
 * Issue #14 item 3: RAG chat on a small context (stories260K, 512 tokens, the universal runtime in-process) fits
 * the prompt with the model's own tokenizer — the lowest-scoring chunks are dropped and the inference event says
 * so — and a question that cannot fit at all is a 400 saying what to change. Through the official openai client.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { multipart } from '../helpers/multipart.js';
import { waitForTask } from '../helpers/projects.js';
import { MODELS, needShared } from '../helpers/shared.js';
import { createChatProject } from './chat-setup.js';
import { disposeLlama } from '../../src/adapters/llama/instance.js';
import { estimateTokens, fitPrompt, estimatingCounter } from '../../src/services/chat/context-budget.js';

const TOPICS = ['shearing', 'feeding', 'grooming', 'fencing', 'herding', 'breeding', 'weather', 'trekking', 'spitting', 'fleece', 'guarding', 'health'];
/** One section per topic, each long enough that a handful of them overflow 512 tokens. */
const HANDBOOK = TOPICS.map((t) => `# Llama ${t}\n\n${`Llama ${t} matters to every farm. The llamas enjoy ${t} in the morning when the field is quiet. `.repeat(6)}`).join('\n\n');

describe('chat context budget (stories260K, n_ctx 512)', { skip: needShared('models', 'stories260K.gguf') }, () => {
  let t: TestApp;
  let client: OpenAI;
  const P = '/v1/projects/org/tiny';

  before(async () => {
    t = await makeTestApp();
    await createChatProject(t.app, 'org', 'tiny', { rag: true, runtime: { models: [{ name: 'default', provider: 'universal', model: MODELS.stories(), extra_body: { n_ctx: 512, n_parallel: 1 } }] } });
    await t.app.inject({ method: 'POST', url: `${P}/datasets`, payload: { name: 'docs', data_processing_strategy: 'universal_processor', database: 'main_database' } });
    const { payload, headers } = multipart([{ filename: 'handbook.md', content: HANDBOOK, contentType: 'text/markdown' }]);
    assert.equal((await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/data`, payload, headers })).statusCode, 200);
    const started = json(await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/actions`, payload: { action_type: 'process' } }));
    const task = await waitForTask(t.app, 'org', 'tiny', started.task_id, 120_000);
    assert.equal(task.state, 'SUCCESS', JSON.stringify(task));
    assert.ok(task.result.stored_count >= 8, `enough chunks to overflow (${task.result.stored_count})`);
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    client = new OpenAI({ baseURL: `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}${P}`, apiKey: 'x', maxRetries: 0, timeout: 120_000 });
  });
  after(async () => {
    await t.close();
    await disposeLlama();
  });

  const latestEvent = async () => {
    const [e] = json(await t.app.inject(`${P}/event_logs?type=inference&limit=1`)).events;
    return json(await t.app.inject(`${P}/event_logs/${e.event_id}`));
  };

  test('ten retrieved chunks do not fit 512 tokens: the lowest scores are dropped, the answer comes, the event says what was trimmed', async () => {
    const res = await client.chat.completions.create({
      model: 'default',
      messages: [{ role: 'user', content: 'How should llamas be shorn?' }],
      max_tokens: 16,
      // @ts-expect-error LlamaFarm's extensions to the OpenAI body
      rag_top_k: 10,
    });
    assert.ok(res.choices[0].message.content, 'an answer, not a 502');
    const detail = await latestEvent();
    const retrieved = detail.events.find((e: any) => e.event_name === 'rag_retrieval_complete').data.chunks_retrieved;
    assert.equal(retrieved, 10);
    const trimmed = detail.events.find((e: any) => e.event_name === 'context_trimmed')?.data;
    assert.ok(trimmed, JSON.stringify(detail.events.map((e: any) => e.event_name)));
    assert.equal(trimmed.context_size, 512);
    assert.equal(trimmed.reserved_tokens, 16);
    assert.equal(trimmed.counted_with, 'tokenizer');
    assert.ok(trimmed.chunks_dropped > 0 && trimmed.chunks_kept + trimmed.chunks_dropped === 10, JSON.stringify(trimmed));
    assert.ok(trimmed.prompt_tokens <= 512 - 16, JSON.stringify(trimmed));
  });

  test('a stream with RAG on a small context answers too', async () => {
    const stream = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'Tell me about fleece.' }], max_tokens: 8, stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    assert.ok(text.length > 0);
  });

  test('a question longer than the context is a 400 saying what to change', async () => {
    const question = 'Why do llamas hum so much at night? '.repeat(120);
    await assert.rejects(client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: question }], max_tokens: 32 }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.BadRequestError, String(e));
      assert.match(e.message, /does not fit the model's context: .*max_tokens reserves 32 of the 512-token context.*lower max_tokens, or use a larger context \(n_ctx/);
      return true;
    });
  });
});

describe('fitPrompt (estimated counts)', () => {
  const chunk = (score: number, n: number) => ({ content: 'x'.repeat(n), score, metadata: { source: `s${score}` }, chunk_id: `c${score}` });

  test('keeps the system prompt, the question and the previous exchange; drops the lowest-scoring chunks and the oldest turns', async () => {
    const conversation = [
      { role: 'user' as const, content: 'a'.repeat(700) },
      { role: 'assistant' as const, content: 'b'.repeat(700) },
      { role: 'user' as const, content: 'previous question' },
      { role: 'assistant' as const, content: 'previous answer' },
      { role: 'user' as const, content: 'the question' },
    ];
    const chunks = [chunk(0.9, 350), chunk(0.2, 350), chunk(0.5, 350)];
    const fitted = await fitPrompt({ systemTexts: ['Be brief.'], conversation, chunks, maxTokens: 64 }, estimatingCounter(500));
    assert.deepEqual(fitted.conversation.map((m) => m.content), ['previous question', 'previous answer', 'the question']);
    assert.deepEqual(fitted.chunks.map((c) => c.score), [0.9, 0.5]);
    assert.equal(fitted.trimmed?.chunks_dropped, 1);
    assert.deepEqual(fitted.trimmed?.dropped_chunk_scores, [0.2]);
    assert.equal(fitted.trimmed?.turns_dropped, 2);
    assert.ok(estimateTokens(fitted.system ?? '') < 500 - 64);
  });

  test('nothing trimmed when everything fits; no max_tokens reserves a quarter of the context', async () => {
    const fitted = await fitPrompt({ systemTexts: [], conversation: [{ role: 'user', content: 'hi' }], chunks: [chunk(0.5, 10)] }, estimatingCounter(4096));
    assert.equal(fitted.trimmed, undefined);
    assert.equal(fitted.chunks.length, 1);
    await assert.rejects(fitPrompt({ systemTexts: [], conversation: [{ role: 'user', content: 'x'.repeat(4000) }], chunks: [] }, estimatingCounter(1024)), /1024-token context/);
  });
});
