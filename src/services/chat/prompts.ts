/**
 * Prompt assembly (original §3.3). The config's prompts give system texts and, from their non-system
 * messages, the seed of a new session. The model sees one leading system message — config system texts, the
 * request's own system messages, then the retrieved context block — followed by the conversation.
 */
import type { ChatMessage } from '../../adapters/runtimes/types.js';
import type { ModelConfig, ProjectConfig, PromptMessage } from '../../config/schema.js';
import type { RetrievedChunk } from './types.js';

export interface ConfigPrompts {
  system: string[];
  /** Non-system prompt messages: the start of every new session (and of every stateless request). */
  seeds: ChatMessage[];
}

const ROLES = new Set<ChatMessage['role']>(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

/** The prompt sets a model uses: those its `prompts` names (in that order), else all of them. */
export function configPrompts(config: ProjectConfig, model: Pick<ModelConfig, 'prompts'>): ConfigPrompts {
  const entries = config.prompts ?? [];
  const messages: PromptMessage[] = [];
  const sets = new Map<string, PromptMessage[]>();
  for (const e of entries) {
    if ('messages' in e) sets.set(e.name, e.messages);
    else messages.push(e); // bare messages (an older form) always apply
  }
  const wanted = model.prompts?.length ? model.prompts : [...sets.keys()];
  for (const name of wanted) messages.push(...(sets.get(name) ?? []));
  const out: ConfigPrompts = { system: [], seeds: [] };
  for (const m of messages) {
    if (m.role === 'system' || m.role === 'developer') {
      if (m.content.trim()) out.system.push(m.content);
    } else if (ROLES.has(m.role as ChatMessage['role'])) {
      out.seeds.push({ role: m.role as ChatMessage['role'], content: m.content, ...(m.tool_call_id ? { tool_call_id: m.tool_call_id } : {}) });
    }
  }
  return out;
}

export function isSystem(m: ChatMessage): boolean {
  return m.role === 'system' || m.role === 'developer';
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** Where a chunk came from: `source`, else `filename`, else "unknown". */
export function chunkSource(metadata: Record<string, unknown>): string {
  for (const k of ['source', 'filename', 'file_name']) {
    const v = metadata[k];
    if (typeof v === 'string' && v) return v;
  }
  return 'unknown';
}

/** The retrieved-context block of the system prompt, in the original's format. */
export function ragContextBlock(chunks: readonly RetrievedChunk[]): string {
  const blocks = chunks.map((c, i) => {
    const page = c.metadata.page ?? c.metadata.page_number;
    const pagePart = page !== undefined && page !== null && page !== '' ? `, Page ${String(page)}` : '';
    return (
      `<chunk>\n` +
      `  <chunk_name>Source ${i + 1}: "${chunkSource(c.metadata)}"${pagePart}, Relevance: ${round3(c.score)}</chunk_name>\n` +
      `  <chunk_content>${c.content}</chunk_content>\n` +
      `</chunk>`
    );
  });
  return `# EXTRA INFORMATION AND CONTEXT\n## Project Chat Context\n${blocks.join('\n\n')}`;
}

/** The system prompt: each text followed by a blank line, then the context block (when chunks were found). */
export function systemPrompt(texts: readonly string[], chunks: readonly RetrievedChunk[]): string | undefined {
  if (!chunks.length) return texts.length ? texts.join('\n\n') : undefined;
  return texts.map((t) => `${t}\n\n`).join('') + ragContextBlock(chunks);
}

/** What the model is sent: the system prompt (if any), then the conversation without system messages. */
export function modelMessages(system: string | undefined, conversation: readonly ChatMessage[]): ChatMessage[] {
  const out: ChatMessage[] = system ? [{ role: 'system', content: system }] : [];
  for (const m of conversation) if (!isSystem(m)) out.push(m);
  return out;
}
