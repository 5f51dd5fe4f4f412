/**
 * Fitting a chat request into the model's context (decision 0130). Tokens are counted with the model's own
 * tokenizer when it runs in-process (`universal`), else estimated. `max_tokens` (or a default share of the
 * context; at most half of it) is reserved for the answer. What is kept, in order: the system prompt and this request's turn (when
 * even they do not fit: a 400 saying what to change), the previous exchange, the retrieved chunks by score
 * (lowest scores dropped first), then older turns, newest first. What was dropped is reported.
 */
import type { ChatMessage } from '../../adapters/runtimes/types.js';
import { badRequest } from '../../core/errors.js';
import { ragContextBlock, systemPrompt } from './prompts.js';
import type { RetrievedChunk } from './types.js';

/** Chat-template tokens around each message (role markers, separators): a safe allowance. */
export const MESSAGE_OVERHEAD = 8;
/** Template tokens around the whole prompt (BOS, the assistant turn's opening). */
export const PROMPT_OVERHEAD = 16;
/** Without `max_tokens`, this share of the context (at most 512 tokens) is kept for the answer. */
export const DEFAULT_RESERVE_SHARE = 0.25;
export const DEFAULT_RESERVE_MAX = 512;

export interface TokenCounter {
  contextSize: number;
  /** `tokenizer` (the model's own) or `estimate`. */
  method: 'tokenizer' | 'estimate';
  count(texts: string[]): Promise<number[]>;
}

/** About 3.5 characters a token for English prose: rounds up, so estimates err towards fitting. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3.5);
}

export function estimatingCounter(contextSize: number): TokenCounter {
  return { contextSize, method: 'estimate', count: async (texts) => texts.map(estimateTokens) };
}

export interface BudgetInput {
  systemTexts: string[];
  /** The conversation without system messages; this request's turn (from its last user message) at the end. */
  conversation: ChatMessage[];
  /** Retrieved chunks, in the order the prompt lists them. */
  chunks: RetrievedChunk[];
  /** The request's `max_tokens`, if any. */
  maxTokens?: number;
}

export interface TrimReport {
  context_size: number;
  reserved_tokens: number;
  prompt_tokens: number;
  counted_with: 'tokenizer' | 'estimate';
  chunks_kept: number;
  chunks_dropped: number;
  dropped_chunk_scores: number[];
  turns_dropped: number;
}

export interface FittedPrompt {
  system: string | undefined;
  conversation: ChatMessage[];
  chunks: RetrievedChunk[];
  /** Set when anything was dropped. */
  trimmed?: TrimReport;
}

function messageText(m: ChatMessage): string {
  return (m.content ?? '') + (m.tool_calls?.length ? JSON.stringify(m.tool_calls) : '');
}

/** At most this share of the context is held back for the answer, however large `max_tokens` is. */
export const MAX_RESERVE_SHARE = 0.5;

/**
 * Room kept for the answer: `max_tokens`, else a quarter of the context (at most 512); never more than half the
 * context, so a `max_tokens` larger than a small context (the reference's 1000 on 512) still leaves the prompt
 * room (the answer then ends when the context is full, as it would anyway).
 */
function reserveFor(contextSize: number, maxTokens: number | undefined): number {
  const wanted = maxTokens ?? Math.min(DEFAULT_RESERVE_MAX, Math.floor(contextSize * DEFAULT_RESERVE_SHARE));
  return Math.min(wanted, Math.floor(contextSize * MAX_RESERVE_SHARE));
}

/** Where this request's turn starts: its last user message (tool results after it belong to it too). */
function currentTurnStart(conversation: ChatMessage[]): number {
  for (let i = conversation.length - 1; i >= 0; i--) if (conversation[i].role === 'user') return i;
  return Math.max(0, conversation.length - 1);
}

export async function fitPrompt(input: BudgetInput, counter: TokenCounter): Promise<FittedPrompt> {
  const { systemTexts, conversation, chunks } = input;
  const contextSize = counter.contextSize;
  const reserve = reserveFor(contextSize, input.maxTokens);
  const budget = contextSize - reserve - PROMPT_OVERHEAD;

  const baseSystem = systemPrompt(systemTexts, []) ?? '';
  const header = ragContextBlock([]);
  const [baseCost, headerCost, ...rest] = await counter.count([baseSystem, header, ...chunks.map((c) => ragContextBlock([c])), ...conversation.map(messageText)]);
  const chunkCost = rest.slice(0, chunks.length).map((n) => Math.max(1, n - headerCost + 2));
  const messageCost = rest.slice(chunks.length).map((n) => n + MESSAGE_OVERHEAD);

  const start = currentTurnStart(conversation);
  const systemOverhead = baseSystem ? MESSAGE_OVERHEAD : 0;
  let used = baseCost + systemOverhead + messageCost.slice(start).reduce((a, b) => a + b, 0);
  if (used > budget) {
    const what = input.maxTokens !== undefined ? `max_tokens reserves ${reserve}` : `${reserve} are kept for the answer`;
    throw badRequest(
      `The request does not fit the model's context: the system prompt and this message need about ${used} tokens, and ${what} of the ${contextSize}-token context ` +
        `(${PROMPT_OVERHEAD} more for the chat template). Shorten the message or the system prompt, lower max_tokens, or use a larger context (n_ctx in the request or in runtime.models[].extra_body).`,
    );
  }

  const keptMessages = new Set<number>();
  for (let i = start; i < conversation.length; i++) keptMessages.add(i);
  const tryMessage = (i: number) => {
    if (used + messageCost[i] > budget) return false;
    used += messageCost[i];
    keptMessages.add(i);
    return true;
  };
  // The previous exchange, newest first.
  for (let i = start - 1; i >= Math.max(0, start - 2); i--) if (!tryMessage(i)) break;
  // Chunks by score, highest first; one that does not fit is skipped (a smaller one may).
  const byScore = chunks.map((_, i) => i).sort((a, b) => chunks[b].score - chunks[a].score);
  const keptChunks = new Set<number>();
  for (const i of byScore) {
    const cost = chunkCost[i] + (keptChunks.size === 0 ? headerCost : 0);
    if (used + cost > budget) continue;
    used += cost;
    keptChunks.add(i);
  }
  // Older turns, newest first, while they fit (the kept history stays one unbroken tail).
  for (let i = Math.max(0, start - 2) - 1; i >= 0 && keptMessages.has(i + 1); i--) if (!tryMessage(i)) break;

  let kept = conversation.filter((_, i) => keptMessages.has(i));
  // A tool result whose call was dropped cannot lead the history.
  while (kept.length > 1 && kept[0].role === 'tool' && kept.length > conversation.length - start) kept = kept.slice(1);

  // Check the assembled prompt itself (block numbering and joins differ slightly from the per-chunk counts).
  let finalChunks = chunks.filter((_, i) => keptChunks.has(i));
  for (;;) {
    const system = systemPrompt(systemTexts, finalChunks);
    const counts = await counter.count([system ?? '', ...kept.map(messageText)]);
    const total = counts[0] + (system ? MESSAGE_OVERHEAD : 0) + counts.slice(1).reduce((a, n) => a + n + MESSAGE_OVERHEAD, 0);
    if (total <= budget || finalChunks.length === 0) {
      const droppedChunks = chunks.filter((c) => !finalChunks.includes(c));
      const turnsDropped = conversation.length - kept.length;
      const fitted: FittedPrompt = { system, conversation: kept, chunks: finalChunks };
      if (droppedChunks.length || turnsDropped) {
        fitted.trimmed = {
          context_size: contextSize,
          reserved_tokens: reserve,
          prompt_tokens: total + PROMPT_OVERHEAD,
          counted_with: counter.method,
          chunks_kept: finalChunks.length,
          chunks_dropped: droppedChunks.length,
          dropped_chunk_scores: droppedChunks.map((c) => Math.round(c.score * 1000) / 1000),
          turns_dropped: turnsDropped,
        };
      }
      return fitted;
    }
    const lowest = finalChunks.reduce((lo, c) => (c.score < lo.score ? c : lo));
    finalChunks = finalChunks.filter((c) => c !== lowest);
  }
}
