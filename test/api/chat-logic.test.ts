/** The chat feature's pure rules: context block format, merging, the suffix rule, prompts, RAG plan, request. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ragContextBlock, systemPrompt, configPrompts, modelMessages } from '../../src/services/chat/prompts.js';
import { mergeResults, planRag } from '../../src/services/chat/rag.js';
import { newMessages } from '../../src/services/chat/conversation.js';
import { normaliseRequest } from '../../src/services/chat/request.js';
import { ChunkBuilder, completionFromResult } from '../../src/services/chat/responses.js';
import { listModels, selectModel } from '../../src/services/chat/models.js';
import { parseVariations } from '../../src/services/chat/variations.js';
import type { RetrievedChunk } from '../../src/services/chat/types.js';
import type { ProjectConfig } from '../../src/config/schema.js';

const chunk = (content: string, score: number, metadata: Record<string, unknown> = {}): RetrievedChunk => ({ content, score, metadata, chunk_id: content.slice(0, 8) });

const baseConfig = (extra: Partial<ProjectConfig> = {}): ProjectConfig =>
  ({ version: 'v1', name: 'p', namespace: 'n', runtime: { models: [{ name: 'a', provider: 'openai', model: 'ma' }, { name: 'b', provider: 'openai', model: 'mb' }] }, ...extra }) as ProjectConfig;

describe('prompt assembly', () => {
  test('the context block is exactly the original format', () => {
    const block = ragContextBlock([chunk('Shear in spring.', 0.87654, { source: 'handbook.md' }), chunk('Page text.', 0.5, { filename: 'doc.pdf', page: 3 }), chunk('Loose.', 0.1)]);
    assert.equal(
      block,
      '# EXTRA INFORMATION AND CONTEXT\n## Project Chat Context\n' +
        '<chunk>\n  <chunk_name>Source 1: "handbook.md", Relevance: 0.877</chunk_name>\n  <chunk_content>Shear in spring.</chunk_content>\n</chunk>\n\n' +
        '<chunk>\n  <chunk_name>Source 2: "doc.pdf", Page 3, Relevance: 0.5</chunk_name>\n  <chunk_content>Page text.</chunk_content>\n</chunk>\n\n' +
        '<chunk>\n  <chunk_name>Source 3: "unknown", Relevance: 0.1</chunk_name>\n  <chunk_content>Loose.</chunk_content>\n</chunk>',
    );
    assert.equal(ragContextBlock([chunk('x', 1, { page_number: 7 })]).includes(', Page 7, '), true);
  });

  test('system prompt: each text followed by a blank line, then the block; no block without chunks', () => {
    assert.equal(systemPrompt(['A', 'B'], []), 'A\n\nB');
    assert.equal(systemPrompt([], []), undefined);
    assert.ok(systemPrompt(['A'], [chunk('x', 1)])!.startsWith('A\n\n# EXTRA INFORMATION AND CONTEXT\n## Project Chat Context\n<chunk>'));
    assert.deepEqual(modelMessages(undefined, [{ role: 'system', content: 'dropped' }, { role: 'user', content: 'u' }]), [{ role: 'user', content: 'u' }]);
  });

  test("config prompts: a model's named sets in its order, else all; bare messages always; developer counts as system", () => {
    const config = baseConfig({
      prompts: [
        { name: 'one', messages: [{ role: 'system', content: 'S1' }, { role: 'user', content: 'U1' }] },
        { name: 'two', messages: [{ role: 'developer', content: 'S2' }, { role: 'assistant', content: 'A2' }] },
        { role: 'system', content: 'Bare' },
      ],
    });
    assert.deepEqual(configPrompts(config, {}), { system: ['Bare', 'S1', 'S2'], seeds: [{ role: 'user', content: 'U1' }, { role: 'assistant', content: 'A2' }] });
    assert.deepEqual(configPrompts(config, { prompts: ['two', 'missing', 'one'] }).system, ['Bare', 'S2', 'S1']);
  });
});

describe('RAG merge and plan', () => {
  test('merge: query order, de-duplicated on the first 200 characters, best first (stable), cut to top_k', () => {
    const long = 'x'.repeat(200);
    const merged = mergeResults(
      [
        [chunk('a', 0.5), chunk(`${long}1`, 0.7), chunk('b', 0.9)],
        [chunk('a', 0.99), chunk(`${long}2`, 0.8), chunk('c', 0.5)],
      ],
      3,
    );
    assert.deepEqual(merged.map((c) => [c.content.slice(0, 3), c.score]), [['b', 0.9], ['xxx', 0.7], ['a', 0.5]]);
    assert.equal(mergeResults([[chunk('c', 0.5)], [chunk('d', 0.5)]], 5).map((c) => c.content).join(''), 'cd', 'ties keep their order');
  });

  test('plan: on iff databases; database → default → first; unknown → off; top_k and threshold from the strategy', () => {
    const rag = {
      default_database: 'second',
      databases: [
        { name: 'first', type: 'LanceDBStore', retrieval_strategies: [{ name: 's', type: 'BasicSimilarityStrategy', config: { top_k: 7, score_threshold: 0.3 } }] },
        { name: 'second', type: 'LanceDBStore' },
      ],
    } as ProjectConfig['rag'];
    const convo = [{ role: 'user' as const, content: 'first q' }, { role: 'assistant' as const, content: 'x' }, { role: 'user' as const, content: 'latest q' }];
    assert.deepEqual(planRag(baseConfig(), { queries: [] }, convo), { run: false, reason: 'the project has no RAG databases' });
    const d = planRag(baseConfig({ rag }), { queries: [] }, convo);
    assert.ok(d.run);
    assert.deepEqual(d.plan, { database: 'second', topK: 5, queries: ['latest q'], custom: false });
    const f = planRag(baseConfig({ rag }), { database: 'first', queries: ['a', 'b'] }, convo);
    assert.ok(f.run);
    assert.deepEqual(f.plan, { database: 'first', topK: 7, scoreThreshold: 0.3, strategyName: 's', queries: ['a', 'b'], custom: true });
    const o = planRag(baseConfig({ rag }), { database: 'first', topK: 2, scoreThreshold: 0, queries: [] }, convo);
    assert.ok(o.run && o.plan.topK === 2 && o.plan.scoreThreshold === 0);
    assert.deepEqual(planRag(baseConfig({ rag }), { database: 'nope', queries: [] }, convo), { run: false, reason: "database 'nope' not found (valid names: first, second)" });
    assert.equal(planRag(baseConfig({ rag }), { enabled: false, queries: [] }, convo).run, false);
    assert.equal(planRag(baseConfig({ rag }), { queries: [] }, [{ role: 'assistant', content: 'only' }]).run, false);
  });
});

describe('the suffix rule (decision 0007)', () => {
  const u = (c: string) => ({ role: 'user' as const, content: c });
  const a = (c: string | null) => ({ role: 'assistant' as const, content: c });
  test('a resent conversation appends only its new suffix; anything else is all new', () => {
    const stored = [u('q1'), a('a1')];
    assert.deepEqual(newMessages(stored, 0, [{ role: 'system', content: 's' }, u('q1'), a('a1'), u('q2')]), [u('q2')]);
    assert.deepEqual(newMessages(stored, 0, [u('q2')]), [u('q2')]);
    assert.deepEqual(newMessages(stored, 0, [u('q1')]), [u('q1')], 'shorter than the history: new');
    assert.deepEqual(newMessages(stored, 0, [u('Q1'), a('a1'), u('q2')]), [u('Q1'), a('a1'), u('q2')], 'content must match exactly');
    assert.deepEqual(newMessages([], 0, [u('q')]), [u('q')]);
    assert.deepEqual(newMessages([u('q'), a(null)], 0, [u('q'), a(''), u('r')]), [u('r')], 'null and empty content are the same');
  });
  test('seeds: a client that never saw them matches the history after them', () => {
    const stored = [u('seed q'), a('seed a'), u('q1'), a('a1')];
    assert.deepEqual(newMessages(stored, 2, [u('q1'), a('a1'), u('q2')]), [u('q2')]);
    assert.deepEqual(newMessages(stored, 2, [u('seed q'), a('seed a'), u('q1'), a('a1'), u('q2')]), [u('q2')]);
  });
});

describe('request normalisation and response shapes', () => {
  test('think → answer budget 512 unless max_tokens; aliases; nulls ignored; blank rag queries dropped', () => {
    const n = normaliseRequest({ messages: [{ role: 'user', content: 'x' }], think: true, stop: 'END', temperature: null, rag_queries: [' a ', ' '] } as never);
    assert.deepEqual(n.sampling, { max_tokens: 512, stop: ['END'] });
    assert.deepEqual(n.thinking, { think: true });
    assert.deepEqual(n.rag.queries, ['a']);
    assert.equal(normaliseRequest({ messages: [{ role: 'user', content: 'x' }], think: true, max_completion_tokens: 64 } as never).sampling.max_tokens, 64);
    assert.equal(normaliseRequest({ messages: [{ role: 'user', content: 'x' }] } as never).sampling.max_tokens, undefined);
  });

  test('chunks: role on the first delta only, reasoning as reasoning_content, a finish chunk even when nothing streamed', () => {
    const b = new ChunkBuilder('fallback');
    assert.equal(b.delta({ id: 'up-1', model: 'm' }), undefined);
    const first = b.delta({ thinking: 'hmm' })!;
    assert.deepEqual(first.choices[0].delta, { role: 'assistant', reasoning_content: 'hmm' });
    assert.equal(first.id, 'up-1');
    assert.deepEqual(b.delta({ content: 'Hi' })!.choices[0], { index: 0, delta: { content: 'Hi' }, finish_reason: null });
    assert.deepEqual(b.finish('stop').choices[0], { index: 0, delta: {}, finish_reason: 'stop' });
    const empty = new ChunkBuilder('fallback').finish('length');
    assert.equal(empty.model, 'fallback');
    assert.deepEqual(empty.choices[0].delta, { role: 'assistant', content: '' });
  });

  test('completion: thinking {content, tokens}; content null only beside tool calls', () => {
    const c = completionFromResult({ model: 'm', content: 'A', thinking: 'T', thinking_tokens: 3, finish_reason: 'stop' }, 'f');
    assert.deepEqual(c.thinking, { content: 'T', tokens: 3 });
    assert.equal(completionFromResult({ model: '', content: '', finish_reason: 'stop' }, 'f').choices[0].message.content, '');
    assert.equal(completionFromResult({ model: '', content: '', finish_reason: 'stop' }, 'f').model, 'f');
  });

  test('model selection and listing', () => {
    assert.equal(selectModel(baseConfig(), undefined).name, 'a', 'first model without default_model');
    assert.equal(selectModel(baseConfig({ runtime: { ...baseConfig().runtime, default_model: 'b' } }), undefined).name, 'b');
    assert.throws(() => selectModel(baseConfig(), 'zzz'), /Model 'zzz' not found. Available: a, b/);
    assert.deepEqual(listModels(baseConfig()).map((m) => m.default), [true, false]);
  });
});

test('query variations from a model reply: one per line, numbering, bullets and quotes removed, duplicates dropped', () => {
  assert.deepEqual(parseVariations('1. first one\n- "second"\n\n(3) First One\n* third\nfourth', 3), ['first one', 'second', 'third']);
});
