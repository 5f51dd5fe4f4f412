/**
 * Size bounds of a chat request, checked before any work (tokenising, embedding a RAG query): all message
 * contents together at most `maxChatChars`, each custom RAG query at most `maxQueryChars`. The model-aware part
 * (the context budget) is the turn's; this only refuses requests no model could take.
 */
import { unprocessable, type ValidationIssue } from '../../core/errors.js';
import { limitEnvName, type Limits } from '../../core/settings.js';

function contentChars(content: unknown): number {
  if (typeof content === 'string') return content.length;
  if (!Array.isArray(content)) return 0;
  let n = 0;
  for (const part of content as unknown[]) {
    const text = part && typeof part === 'object' ? (part as { text?: unknown }).text : undefined;
    if (typeof text === 'string') n += text.length;
  }
  return n;
}

export function assertChatInputSize(
  body: { messages: { content?: unknown }[]; rag_queries?: string[] | null },
  limits: Pick<Limits, 'maxChatChars' | 'maxQueryChars'>,
): void {
  const issues: ValidationIssue[] = [];
  const total = body.messages.reduce((n, m) => n + contentChars(m.content), 0);
  if (total > limits.maxChatChars) {
    issues.push({
      loc: ['body', 'messages'],
      msg: `message contents total ${total} characters; the limit is ${limits.maxChatChars} (${limitEnvName('maxChatChars')})`,
      type: 'string_too_long',
    });
  }
  (body.rag_queries ?? []).forEach((q, i) => {
    if (typeof q === 'string' && q.length > limits.maxQueryChars) {
      issues.push({
        loc: ['body', 'rag_queries', i],
        msg: `query has ${q.length} characters; the limit is ${limits.maxQueryChars} (${limitEnvName('maxQueryChars')})`,
        type: 'string_too_long',
      });
    }
  });
  if (issues.length) throw unprocessable(issues);
}
