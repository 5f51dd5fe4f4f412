/**
 * Every recorded wire exchange (test/fixtures/wire) replayed through the adapter that would meet it in production:
 * OpenAI-compatible and Ollama chat runtimes (non-stream and stream, reasoning, tool calls, errors) and the
 * OpenAI/Ollama embedders. The expectations live in the recordings, so adding a capture adds a test.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { loadRecordings, replay, type WireRecording } from '../../fakes/wire-replay.js';
import { createRuntime } from '../../../src/adapters/runtimes/registry.js';
import { RuntimeError, type ChatDelta, type ChatResult, type ToolCall } from '../../../src/adapters/runtimes/types.js';
import { createEmbedder } from '../../../src/adapters/embedders/registry.js';

const TOOLS = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }];

async function runChat(rec: WireRecording, baseUrl: string): Promise<ChatResult> {
  const provider = rec.call.provider as 'openai' | 'ollama';
  const runtime = createRuntime(
    { name: 'm', provider, model: 'recorded-model', base_url: provider === 'openai' ? `${baseUrl}/v1` : baseUrl, api_key: 'sk-test' },
    { env: {}, timeoutMs: 5_000 },
  );
  const req = {
    model: 'recorded-model',
    messages: [{ role: 'user' as const, content: 'hello' }],
    ...(rec.call.think !== undefined ? { think: rec.call.think } : {}),
    ...(rec.call.tools ? { tools: TOOLS } : {}),
  };
  const signal = new AbortController().signal;
  if (!rec.call.stream) return runtime.complete(req, { signal });
  // Fold the stream the way a client would: text deltas concatenated, tool-call deltas merged by index.
  const out: ChatResult = { model: '', content: '', finish_reason: 'stop' };
  let thinking = '';
  const calls: ToolCall[] = [];
  for await (const d of runtime.stream(req, { signal }) as AsyncIterable<ChatDelta>) {
    if (d.id) out.id = d.id;
    if (d.model) out.model = d.model;
    out.content += d.content ?? '';
    thinking += d.thinking ?? '';
    for (const t of d.tool_calls ?? []) {
      const c = (calls[t.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
      if (t.id) c.id = t.id;
      if (t.function?.name) c.function.name += t.function.name;
      if (t.function?.arguments) c.function.arguments += t.function.arguments;
    }
    if (d.finish_reason) out.finish_reason = d.finish_reason;
    if (d.usage) out.usage = d.usage;
  }
  if (thinking) out.thinking = thinking;
  if (calls.length) out.tool_calls = calls;
  return out;
}

function checkChat(rec: WireRecording, r: ChatResult): void {
  const e = rec.expect;
  assert.equal(r.content, e.content, 'content');
  assert.equal(r.thinking ?? undefined, e.thinking ?? undefined, 'reasoning is separated from content');
  assert.equal(r.finish_reason, e.finish_reason, 'finish_reason');
  if (e.usage) assert.deepEqual(r.usage, e.usage, 'usage');
  if (e.model) assert.equal(r.model, e.model, 'model as the upstream names it');
  if (e.id) assert.equal(r.id, e.id, 'upstream completion id');
  if (e.tool_calls) {
    assert.equal(r.tool_calls?.length, e.tool_calls.length, 'tool calls');
    e.tool_calls.forEach((want: any, i: number) => {
      const got = r.tool_calls![i];
      assert.equal(got.type, 'function');
      assert.equal(got.function.name, want.name);
      assert.deepEqual(JSON.parse(got.function.arguments), want.arguments, 'arguments are a JSON string of the recorded object');
      if (want.id) assert.equal(got.id, want.id);
      else assert.ok(got.id, 'a tool call always gets an id');
    });
  } else {
    assert.equal(r.tool_calls, undefined);
  }
}

describe('recorded wire fixtures replayed through the adapters', () => {
  const recordings = loadRecordings();
  test('the fixture set covers chat, streams, reasoning, tool calls, embeddings and errors of both protocols', () => {
    const names = recordings.map((r) => r.name);
    assert.ok(recordings.length >= 12, names.join(', '));
    for (const r of recordings) assert.ok(r.source.length > 10, `${r.name} says where it comes from`);
    assert.ok(recordings.some((r) => r.call.provider === 'ollama' && r.call.stream));
    assert.ok(recordings.some((r) => r.call.provider === 'openai' && r.call.stream && r.expect.tool_calls));
    assert.ok(recordings.some((r) => r.expect.thinking));
    assert.ok(recordings.some((r) => r.call.kind === 'embed'));
    assert.ok(recordings.some((r) => r.expect.error));
  });

  for (const rec of recordings) {
    test(`${rec.name}: ${rec.source}`, async () => {
      const server = await replay(rec);
      try {
        if (rec.call.kind === 'embed') {
          const embedder = createEmbedder(rec.call.provider, { base_url: server.url, model: 'recorded-model', auto_pull: false, max_retries: 0 } as never);
          const vectors = await embedder.embed(rec.call.inputs ?? ['x']);
          assert.equal(vectors.length, rec.expect.vectors);
          for (const v of vectors) {
            assert.equal(v.length, rec.expect.dimension);
            assert.ok(v.some((x) => x !== 0), 'a real vector');
          }
          assert.equal(embedder.dimension, rec.expect.dimension);
        } else if (rec.expect.error) {
          await assert.rejects(runChat(rec, server.url), (err: unknown) => {
            assert.ok(err instanceof RuntimeError, `a RuntimeError, got ${String(err)}`);
            assert.equal(err.status, rec.expect.error.status);
            assert.ok(err.message.includes(rec.expect.error.message_includes), `the upstream's own message is kept: ${err.message}`);
            return true;
          });
        } else {
          checkChat(rec, await runChat(rec, server.url));
        }
        assert.equal(server.requests.at(-1)?.path, rec.request.path, 'the adapter called the recorded route');
      } finally {
        await server.close();
      }
    });
  }
});
