/**
 * The options every client command shares (`--server`, `--namespace/-n`, `--project/-p`, `--json`, set on the
 * program so they work before or after the subcommand) and what a command builds from them.
 */
import type { Command } from 'commander';
import { usageError } from './errors.js';
import { LfClient, resolveServerUrl } from './http.js';

export interface GlobalOptions {
  server?: string;
  namespace?: string;
  project?: string;
  json?: boolean;
  apiKey?: string;
}

export interface CommandContext {
  client: LfClient;
  /** Print machine-readable JSON instead of text. */
  json: boolean;
  namespace: string;
  /** The selected project; a usage error when none is given. */
  project(): string;
}

export function addGlobalOptions(program: Command): Command {
  return program
    .option('--server <url>', 'LlamaFarm server URL (env LF_SERVER, default http://127.0.0.1:8000)')
    .option('-n, --namespace <namespace>', 'namespace (env LF_NAMESPACE, default "default")')
    .option('-p, --project <project>', 'project (env LF_PROJECT)')
    .option('--json', 'print JSON for scripts')
    .option('--api-key <key>', 'API key sent to the server (env LF_API_KEY; needed when the server has keys)');
}

export function contextOf(cmd: Command, env: NodeJS.ProcessEnv = process.env): CommandContext {
  const o = cmd.optsWithGlobals<GlobalOptions>();
  let root = cmd;
  while (root.parent) root = root.parent;
  const apiKey = o.apiKey ?? (env.LF_API_KEY?.trim() || undefined);
  const client = new LfClient(resolveServerUrl(o.server, env), `lf/${root.version() ?? ''}`, apiKey);
  const namespace = o.namespace ?? env.LF_NAMESPACE ?? 'default';
  const project = o.project ?? env.LF_PROJECT;
  return {
    client,
    json: Boolean(o.json),
    namespace,
    project: () => {
      if (!project) throw usageError('no project selected: pass --project <name> (or -p) or set LF_PROJECT');
      return project;
    },
  };
}
