/**
 * OpenAI chat messages → node-llama-cpp chat history. An assistant message's tool calls become function-call
 * items whose `result` is the matching later `tool` message, so the model's chat template renders the
 * call/result pairs its own way. Tools become node-llama-cpp functions (JSON schema parameters).
 */
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelFunctions, ChatModelResponse } from 'node-llama-cpp';
import type { ChatMessage, ToolDefinition } from '../types.js';

export function toLlamaHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const results = new Map<string, ChatMessage>();
  for (const m of messages) if ((m.role === 'tool' || m.role === 'function') && m.tool_call_id) results.set(m.tool_call_id, m);
  const used = new Set<ChatMessage>();
  const history: ChatHistoryItem[] = [];
  for (const m of messages) {
    const text = m.content ?? '';
    switch (m.role) {
      case 'system':
      case 'developer':
        history.push({ type: 'system', text });
        break;
      case 'user':
        history.push({ type: 'user', text });
        break;
      case 'assistant': {
        const response: ChatModelResponse['response'] = [];
        if (text) response.push(text);
        for (const c of m.tool_calls ?? []) {
          const result = results.get(c.id);
          if (result) used.add(result);
          const call: ChatModelFunctionCall = {
            type: 'functionCall',
            name: c.function.name,
            params: parseJson(c.function.arguments, {}),
            result: result ? parseJson(result.content ?? '', result.content ?? '') : '',
          };
          response.push(call);
        }
        history.push({ type: 'model', response });
        break;
      }
      case 'tool':
      case 'function':
        // A result without a matching call is shown to the model as a user turn.
        if (!used.has(m)) history.push({ type: 'user', text: `Result of ${m.name ?? 'a tool call'}: ${text}` });
        break;
    }
  }
  return history;
}

export function toLlamaFunctions(tools: readonly ToolDefinition[] | undefined): ChatModelFunctions | undefined {
  if (!tools?.length) return undefined;
  const out: Record<string, ChatModelFunctions[string]> = {};
  for (const t of tools) {
    if (t.type !== 'function' || !t.function?.name) continue;
    out[t.function.name] = {
      ...(t.function.description ? { description: t.function.description } : {}),
      ...(t.function.parameters ? { params: t.function.parameters as ChatModelFunctions[string]['params'] } : {}),
    };
  }
  return Object.keys(out).length ? out : undefined;
}

function parseJson(s: string, fallback: unknown): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return fallback;
  }
}
