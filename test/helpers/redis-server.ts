/**
 * A real Redis for tests: `redis-server` (Debian's package) started on a free 127.0.0.1 port with no persistence,
 * in a temp dir, and stopped afterwards. Tests skip with `needRedis()` when the binary is not installed.
 *
 *   const redis = await startRedisServer();
 *   ... use redis.url (redis://127.0.0.1:<port>/0) ...
 *   await redis.stop();
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { tempDir } from './tmp.js';
import { freePort } from './ports.js';
import { outOfProcessBackend } from './tier.js';

export const REDIS_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';

export interface RedisServer {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

let available: boolean | undefined;

/** `false` when redis-server can run here, else a skip reason. */
export function needRedis(): false | string {
  const tier = outOfProcessBackend('Redis');
  if (tier) return tier;
  available ??= spawnSync(REDIS_BIN, ['--version'], { stdio: 'ignore' }).status === 0;
  return available ? false : `needs ${REDIS_BIN} (install it with \`apt-get install -y redis-server\`)`;
}

async function startOnce(): Promise<RedisServer> {
  const port = await freePort();
  const dir = await tempDir('lf-redis-');
  const child = spawn(REDIS_BIN, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
      const onData = (d: Buffer) => {
        out += d;
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}): ${out}`));
      });
    });
  } catch (e) {
    child.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  child.stdout!.resume();
  child.stderr!.resume();
  let stopped: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    child,
    stop: () =>
      (stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
        await rm(dir, { recursive: true, force: true });
      })()),
  };
}

/** Starts redis-server on a free port (retrying if another process took the port in between). */
export async function startRedisServer(): Promise<RedisServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce();
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}
