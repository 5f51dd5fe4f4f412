#!/usr/bin/env node
/** The `lf` command. `lf serve` runs the server; client commands talk to it over HTTP. */
import { Command } from 'commander';
import { loadSettings } from '../core/settings.js';

export function buildProgram(): Command {
  const program = new Command();
  const version = loadSettings({}, {}).version;
  program.name('lf').description('LlamaFarm: local-first AI platform server and client').version(version, '-v, --version');

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

  return program;
}

export async function main(argv = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    process.stderr.write(`lf: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
