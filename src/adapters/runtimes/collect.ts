/** Folding a stream of deltas into one result: the non-stream view of a streamed reply. */
import { ToolCallAccumulator } from './tool-calls.js';
import type { ChatDelta, ChatResult } from './types.js';

export class ResultCollector {
  private id: string | undefined;
  private model: string | undefined;
  private content = '';
  private thinking = '';
  private finish: ChatResult['finish_reason'] | undefined;
  private usage: ChatResult['usage'];
  private readonly tools = new ToolCallAccumulator();

  constructor(private readonly fallbackModel: string) {}

  add(d: ChatDelta): void {
    if (d.id && !this.id) this.id = d.id;
    if (d.model && !this.model) this.model = d.model;
    if (d.content) this.content += d.content;
    if (d.thinking) this.thinking += d.thinking;
    this.tools.add(d.tool_calls);
    if (d.finish_reason) this.finish = d.finish_reason;
    if (d.usage) this.usage = d.usage;
  }

  result(extra: Partial<ChatResult> = {}): ChatResult {
    const r: ChatResult = {
      model: this.model ?? this.fallbackModel,
      content: this.content,
      finish_reason: this.finish ?? (this.tools.size ? 'tool_calls' : 'stop'),
    };
    if (this.id) r.id = this.id;
    if (this.thinking) r.thinking = this.thinking;
    if (this.tools.size) r.tool_calls = this.tools.result();
    if (this.usage) r.usage = this.usage;
    return { ...r, ...extra };
  }
}

export async function collectStream(deltas: AsyncIterable<ChatDelta>, model = ''): Promise<ChatResult> {
  const c = new ResultCollector(model);
  for await (const d of deltas) c.add(d);
  return c.result();
}
