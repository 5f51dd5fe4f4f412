#!/usr/bin/env node
/** The `lf` command. `lf serve` runs the server; client commands talk to it over HTTP. */
import { Command, CommanderError } from 'commander';
import { loadSettings } from '../core/settings.js';
import { addGlobalOptions } from './context.js';
import { CliError, EXIT } from './errors.js';
import { registerProjects } from './commands/projects.js';
import { registerDatasets } from './commands/datasets.js';
import { registerTasks } from './commands/tasks.js';
import { registerRag } from './commands/rag.js';
import { registerChat } from './commands/chat.js';
import { registerModels } from './commands/models.js';
import { registerExamples } from './commands/examples.js';
import { registerWorker } from './commands/worker.js';

export function buildProgram(): Command {
  const program = new Command();
  const version = loadSettings({}, {}).version;
  program.name('lf').description('LlamaFarm: local-first AI platform server and client').version(version, '-v, --version');
  // Usage errors throw (exit 2 in main) instead of exiting inside commander; subcommands inherit this.
  program.exitOverride().configureHelp({ showGlobalOptions: true }).showSuggestionAfterError();
  addGlobalOptions(program);

  program
    .command('serve')
    .description('run the LlamaFarm server (defaults: 127.0.0.1:8000, data in ~/.llamafarm)')
    .option('--host <host>', 'address to bind (env HOST)')
    .option('--port <port>', 'port to listen on (env PORT)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`invalid port '${v}'`);
      return n;
    })
    .option('--data-dir <dir>', 'data directory (env LF_DATA_DIR)')
    .action(async (opts: { host?: string; port?: number; dataDir?: string }) => {
      const { startServer, handleSignals } = await import('../server.js');
      const server = await startServer({ host: opts.host, port: opts.port, dataDir: opts.dataDir });
      handleSignals(server);
      process.stdout.write(`LlamaFarm ${server.ctx.settings.version} listening on ${server.url}\ndata dir: ${server.ctx.settings.dataDir}\nAPI docs: ${server.url}/docs\n`);
    });

  program
    .command('version')
    .description('print the version')
    .action(() => {
      process.stdout.write(`${version}\n`);
    });

  registerProjects(program);
  registerDatasets(program);
  registerTasks(program);
  registerRag(program);
  registerChat(program);
  registerModels(program);
  registerExamples(program);
  registerWorker(program);

  return program;
}

/** The exit code for an error that ended a command (see ./errors.ts). */
export function exitCodeOf(e: unknown): number {
  if (e instanceof CliError) return e.exitCode;
  if (e instanceof Error && e.name === 'UnsafeBindingError') return EXIT.usage;
  if (e instanceof CommanderError) return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? EXIT.ok : EXIT.usage;
  return EXIT.serverError;
}

export async function main(argv = process.argv): Promise<void> {
  // `lf ... | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    const code = exitCodeOf(e);
    // commander has already printed its own usage message.
    if (!(e instanceof CommanderError)) process.stderr.write(`lf: ${(e as Error).message}\n`);
    process.exitCode = code;
  }
}
