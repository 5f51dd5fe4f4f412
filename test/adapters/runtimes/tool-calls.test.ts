import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectStream } from '../../../src/adapters/runtimes/collect.js';
import { ToolCallAccumulator, toolCallsAsDeltas } from '../../../src/adapters/runtimes/tool-calls.js';
import type { ChatDelta } from '../../../src/adapters/runtimes/types.js';

test('ToolCallAccumulator joins argument deltas per index, in index order', () => {
  const acc = new ToolCallAccumulator();
  acc.add([{ index: 1, id: 'call_b', type: 'function', function: { name: 'b', arguments: '' } }]);
  acc.add([{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"ci' } }]);
  acc.add([{ index: 0, function: { arguments: 'ty":"Par' } }, { index: 1, function: { arguments: '{}' } }]);
  acc.add([{ index: 0, function: { name: 'get_weather', arguments: 'is"}' } }]); // a repeated name is not doubled
  assert.deepEqual(acc.result(), [
    { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
    { id: 'call_b', type: 'function', function: { name: 'b', arguments: '{}' } },
  ]);
});

test('a call without an id gets a generated call_ id', () => {
  const acc = new ToolCallAccumulator();
  acc.add([{ index: 0, function: { name: 'f', arguments: '{}' } }]);
  assert.match(acc.result()[0].id, /^call_[0-9a-f]{24}$/);
});

test('collectStream folds deltas into a result (tool calls, thinking, usage, finish)', async () => {
  const calls = toolCallsAsDeltas([{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }]);
  async function* deltas(): AsyncGenerator<ChatDelta> {
    yield { id: 'chatcmpl-1', model: 'm1', thinking: 'hm' };
    yield { content: 'Hel' };
    yield { content: 'lo', tool_calls: calls };
    yield { finish_reason: 'tool_calls', usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } };
  }
  assert.deepEqual(await collectStream(deltas(), 'fallback'), {
    id: 'chatcmpl-1',
    model: 'm1',
    content: 'Hello',
    thinking: 'hm',
    tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }],
    finish_reason: 'tool_calls',
    usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
  });
});
