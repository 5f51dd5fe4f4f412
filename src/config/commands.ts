/**
 * What in a project config makes the server start a process (decision 0110). Today that is one thing: an MCP
 * server with `transport: stdio` runs its `command` (with `args` and `env`) when the project chats. The other
 * child processes of the server (the local Chroma server, the PDF and LanceDB workers) run fixed programs that no
 * config field chooses.
 *
 * A config arriving over the API (PUT, any write through `ProjectsService.mutate`, project create from a
 * template) may not add or change such an entry unless the server runs with `LF_MCP_ALLOW_STDIO=1`; entries
 * already on disk, unchanged, stay accepted (editing `llamafarm.yaml` is the local user's own act).
 */
import { LfError } from '../core/errors.js';

export const ALLOW_COMMANDS_ENV = 'LF_MCP_ALLOW_STDIO';

export interface CommandEntry {
  /** Where it is, e.g. `mcp.servers[2]`. */
  path: string;
  name: string;
  /** The whole entry, as the identity compared between the stored and the new config. */
  key: string;
}

/** Every entry of `config` that starts a process. */
export function commandEntries(config: unknown): CommandEntry[] {
  const servers = (config as { mcp?: { servers?: unknown } } | null | undefined)?.mcp?.servers;
  if (!Array.isArray(servers)) return [];
  const out: CommandEntry[] = [];
  servers.forEach((s: unknown, i) => {
    if (!s || typeof s !== 'object') return;
    const entry = s as Record<string, unknown>;
    if (entry.transport !== 'stdio') return;
    out.push({ path: `mcp.servers[${i}]`, name: String(entry.name ?? ''), key: stableJson(entry) });
  });
  return out;
}

/**
 * Throws 403 when `next` holds a process-starting entry that `current` (the config on disk; none for a new
 * project) does not hold exactly, unless `allow`.
 */
export function assertNoNewCommands(next: unknown, current: unknown, allow: boolean): void {
  if (allow) return;
  const known = new Set(commandEntries(current).map((e) => e.key));
  const added = commandEntries(next).filter((e) => !known.has(e.key));
  if (!added.length) return;
  const which = added.map((e) => `${e.path} ('${e.name}')`).join(', ');
  throw new LfError(
    'forbidden',
    `This config starts a command on the server (${which}: an MCP server with transport 'stdio'). ` +
      `Configs sent over the API may not add or change commands. To allow it, restart the server with ${ALLOW_COMMANDS_ENV}=1, ` +
      `or edit llamafarm.yaml in the project folder yourself.`,
  );
}

/** JSON with object keys sorted, so that key order never makes two equal entries differ. */
export function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
    const o = value as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
  });
}
