/**
 * The names MCP tools get in an OpenAI `tools` list, where a function name must match `^[a-zA-Z0-9_-]{1,64}$`
 * and be unique. Deterministic for a given server order (the config's) and tool order (the server's listing):
 * - a tool keeps its own name (other characters become `_`, cut to 64) when no other offered tool has it;
 * - tools whose names collide across servers are all named `<server>__<tool>`;
 * - if that still collides (or a server lists a name twice), later ones get `_2`, `_3`, ….
 */
export interface NamedTool<T> {
  /** The name offered to the model. */
  name: string;
  server: string;
  tool: T;
}

const MAX = 64;

export function sanitizeToolName(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, MAX);
  return s || 'tool';
}

export function exposeToolNames<T extends { name: string }>(listings: readonly { server: string; tools: readonly T[] }[]): NamedTool<T>[] {
  const plain = listings.flatMap((l) => l.tools.map((tool) => ({ server: l.server, tool, base: sanitizeToolName(tool.name) })));
  const servers = new Map<string, Set<string>>();
  for (const t of plain) {
    if (!servers.has(t.base)) servers.set(t.base, new Set());
    servers.get(t.base)!.add(t.server);
  }
  const taken = new Set<string>();
  const out: NamedTool<T>[] = [];
  for (const t of plain) {
    const collides = servers.get(t.base)!.size > 1;
    const wanted = collides ? sanitizeToolName(`${t.server}__${t.tool.name}`) : t.base;
    let name = wanted;
    for (let n = 2; taken.has(name); n++) name = `${wanted.slice(0, MAX - String(n).length - 1)}_${n}`;
    taken.add(name);
    out.push({ name, server: t.server, tool: t.tool });
  }
  return out;
}
