/**
 * A real PostgreSQL server for tests: `LF_TEST_PG_URL` when set (CI sets it, see scripts/ci-postgres.sh), else a
 * throwaway cluster — `initdb` into a temp dir and `postgres` on a free 127.0.0.1 port (unix socket in the temp
 * dir), run as the `postgres` user (via setpriv) when the tests run as root — stopped and removed by `stop()`.
 * Tests skip with `needPostgres()`'s reason when neither is available.
 *
 *   const pg = await startPostgresServer();
 *   const url = await pg.freshSchema();   // an empty schema of its own: postgres://…?options=-c search_path=…
 *   await pg.stop();
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { tempDir } from './tmp.js';
import { freePort } from './ports.js';
import { outOfProcessBackend } from './tier.js';

export interface PostgresServer {
  /** The server's URL (no schema chosen). */
  url: string;
  /** Creates an empty schema and returns a URL whose connections use it. */
  freshSchema(): Promise<string>;
  stop(): Promise<void>;
}

function findBinDir(): string | undefined {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

/** `false` when a Postgres server is available (LF_TEST_PG_URL or installed binaries), else a skip reason. */
export function needPostgres(): false | string {
  const tier = outOfProcessBackend('PostgreSQL');
  if (tier) return tier;
  if (process.env.LF_TEST_PG_URL) return false;
  return findBinDir() ? false : 'needs PostgreSQL: set LF_TEST_PG_URL, or install it (`apt-get install -y postgresql`)';
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Runs a server binary, as the postgres user when we are root (initdb and postgres refuse to run as root).
 * `setpriv` execs the binary, so signals reach postgres itself.
 */
function command(bin: string, args: string[]): [string, string[]] {
  return asRoot ? ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', bin, ...args]] : [bin, args];
}

async function startCluster(binDir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = await tempDir('lf-pg-');
  if (asRoot) {
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gids = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (ids.status !== 0) throw new Error('running as root, but there is no postgres user to run the server as');
    await chown(dir, Number(ids.stdout.trim()), Number(gids.stdout.trim()));
  }
  const data = join(dir, 'data');
  const [initBin, initArgs] = command(join(binDir, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const init = spawnSync(initBin, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  }
  const port = await freePort();
  const settings = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'shared_buffers=16MB', '-c', 'max_connections=200'];
  const [bin, args] = command(join(binDir, 'postgres'), ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, ...settings]);
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT'); // fast shutdown
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return { url, stop };
    } catch {
      await client.end().catch(() => undefined);
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`postgres did not start: ${out}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

let schemas = 0;

export async function startPostgresServer(): Promise<PostgresServer> {
  const given = process.env.LF_TEST_PG_URL;
  let url: string;
  let stopCluster = async () => {};
  if (given) {
    url = given;
  } else {
    const binDir = findBinDir();
    if (!binDir) throw new Error(needPostgres() || 'no PostgreSQL');
    const cluster = await startCluster(binDir);
    url = cluster.url;
    stopCluster = cluster.stop;
  }
  const created: string[] = [];
  const admin = () => new pg.Client({ connectionString: url });
  return {
    url,
    async freshSchema() {
      const name = `lf_test_${process.pid}_${++schemas}_${Date.now().toString(36)}`;
      const c = admin();
      await c.connect();
      try {
        await c.query(`CREATE SCHEMA ${name}`);
      } finally {
        await c.end();
      }
      created.push(name);
      const u = new URL(url);
      u.searchParams.set('options', `-c search_path=${name}`);
      return u.toString();
    },
    async stop() {
      if (given && created.length) {
        const c = admin();
        await c.connect();
        try {
          for (const s of created.splice(0)) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
        } finally {
          await c.end();
        }
      }
      await stopCluster();
    },
  };
}
