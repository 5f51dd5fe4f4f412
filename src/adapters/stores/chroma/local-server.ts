/**
 * A local Chroma server for a ChromaStore without `host`: the chromadb package's own server (`chroma run`, a
 * native module) in a child process, persisting under the store directory, on 127.0.0.1 and a free port.
 * One server per directory in this process, stopped when its last store closes (or the process exits).
 *
 * That native module needs a recent glibc (2.38+, dependencies.md §11); where it cannot load, opening the
 * store fails with StoreError('unavailable') saying so and what to do instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { StoreError } from '../types.js';

export interface LocalServer {
  host: string;
  port: number;
  dir: string;
  refs: number;
  child: ChildProcess;
}

const servers = new Map<string, Promise<LocalServer>>();
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

function chromaCli(): string {
  // The package exports only its entry points; its `chroma` bin lives beside them in dist/.
  const entry = createRequire(import.meta.url).resolve('chromadb');
  return join(dirname(entry), '..', 'cli.mjs');
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

async function heartbeat(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/v2/heartbeat`, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

const children = new Set<ChildProcess>();
let exitHook = false;
/** Set once the native server failed to load: it will not load later in this process either. */
let cannotLoad: StoreError | undefined;

function unavailable(reason: string): StoreError {
  return new StoreError(
    `ChromaStore: no Chroma host is configured and the local Chroma server of the chromadb package cannot run here (${reason}). ` +
      'Set host and port of a Chroma server in the database config, or use LanceDBStore.',
    'unavailable',
  );
}

async function start(dir: string): Promise<LocalServer> {
  if (cannotLoad) throw cannotLoad;
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = spawn(process.execPath, [chromaCli(), 'run', '--path', dir, '--host', '127.0.0.1', '--port', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const c of children) c.kill('SIGKILL');
    });
  }
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    children.delete(child);
    exited = `exit ${code ?? signal}`;
  });
  child.once('error', (err) => {
    exited = err.message;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      const line = stderr.split('\n').map((l) => l.trim()).filter(Boolean).find((l) => /error|not found|cannot/i.test(l)) ?? exited;
      const err = unavailable(line.slice(0, 300));
      if (/GLIBC|dlopen|Cannot find module|Unsupported (platform|architecture)/i.test(stderr)) cannotLoad = err;
      throw err;
    }
    if (await heartbeat(port)) return { host: '127.0.0.1', port, dir, refs: 0, child };
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  throw unavailable(`no heartbeat within ${START_TIMEOUT_MS / 1000} s`);
}

/** The local server persisting in `dir`, started if needed, counted for one more user. */
export async function acquireLocalServer(dir: string): Promise<LocalServer> {
  const key = resolve(dir);
  let pending = servers.get(key);
  if (!pending) {
    pending = start(key);
    servers.set(key, pending);
    pending.catch(() => servers.delete(key));
  }
  const server = await pending;
  server.refs++;
  return server;
}

/** Gives a server back; the last user stops it (SIGINT, which Chroma's CLI handles; SIGKILL after a grace period). */
export async function releaseLocalServer(server: LocalServer): Promise<void> {
  server.refs--;
  if (server.refs > 0) return;
  servers.delete(server.dir);
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((res) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      res();
    });
    child.kill('SIGINT');
  });
}
