/**
 * What a request adds to a session (decision 0007). OpenAI-style clients resend the whole conversation; LlamaFarm
 * clients send only the new message. When the request's non-system messages start with the stored history
 * (role and content equal) — or with the history after its seed prompts, which such clients never saw — only
 * the new suffix is appended; otherwise every non-system message is new.
 */
import type { ChatMessage } from '../../adapters/runtimes/types.js';
import { isSystem } from './prompts.js';

function sameMessage(a: ChatMessage, b: ChatMessage): boolean {
  return a.role === b.role && (a.content ?? '') === (b.content ?? '');
}

function startsWith(list: readonly ChatMessage[], prefix: readonly ChatMessage[]): boolean {
  if (prefix.length === 0 || prefix.length > list.length) return false;
  for (let i = 0; i < prefix.length; i++) if (!sameMessage(list[i], prefix[i])) return false;
  return true;
}

/** The request's messages that are new to a session holding `stored` (whose first `seedCount` are seeds). */
export function newMessages(stored: readonly ChatMessage[], seedCount: number, request: readonly ChatMessage[]): ChatMessage[] {
  const incoming = request.filter((m) => !isSystem(m));
  if (startsWith(incoming, stored)) return incoming.slice(stored.length);
  const afterSeeds = stored.slice(seedCount);
  if (seedCount > 0 && startsWith(incoming, afterSeeds)) return incoming.slice(afterSeeds.length);
  return incoming;
}
