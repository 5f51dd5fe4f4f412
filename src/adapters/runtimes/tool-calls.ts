/**
 * Accumulates OpenAI streamed tool-call deltas into whole calls. Deltas for one call share an `index`; the first
 * carries `id`, `type` and `function.name`, later ones append `function.arguments` text.
 */
import { randomUUID } from 'node:crypto';
import type { ChatDelta, ToolCall } from './types.js';

export type ToolCallDelta = NonNullable<ChatDelta['tool_calls']>[number];

export class ToolCallAccumulator {
  private readonly calls = new Map<number, ToolCall>();

  add(deltas: readonly ToolCallDelta[] | undefined): void {
    for (const d of deltas ?? []) {
      let call = this.calls.get(d.index);
      if (!call) {
        call = { id: '', type: 'function', function: { name: '', arguments: '' } };
        this.calls.set(d.index, call);
      }
      if (d.id) call.id = d.id;
      // Servers send the name once; a few repeat it on every delta, which must not double it.
      if (d.function?.name && d.function.name !== call.function.name) call.function.name += d.function.name;
      if (d.function?.arguments) call.function.arguments += d.function.arguments;
    }
  }

  get size(): number {
    return this.calls.size;
  }

  /** The calls in index order; a call that never got an id gets a generated one. */
  result(): ToolCall[] {
    return [...this.calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, c]) => ({ ...c, id: c.id || newToolCallId(), function: { ...c.function } }));
  }
}

export function newToolCallId(): string {
  return `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
}

/** Whole calls as stream deltas (for upstreams that send calls in one piece). */
export function toolCallsAsDeltas(calls: readonly ToolCall[], firstIndex = 0): ToolCallDelta[] {
  return calls.map((c, i) => ({
    index: firstIndex + i,
    id: c.id,
    type: 'function' as const,
    function: { name: c.function.name, arguments: c.function.arguments },
  }));
}
