/**
 * Server cold start (ms from spawn to the first 200 on /health/liveness) and idle RSS, against a bare Fastify
 * hello-world started the same way in the same run. Uses the built server (dist/), as `npm start` does.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { median, type Report } from './harness.js';

const ROOT = new URL('..', import.meta.url).pathname;
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 5);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

async function measure(args: (port: number, dataDir: string) => string[]): Promise<{ coldMs: number; rssMb: number }> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'lf-bench-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, args(port, dataDir), { cwd: ROOT, stdio: 'ignore', env: { ...process.env, LF_LOG_LEVEL: 'warn' } });
  try {
    let coldMs = NaN;
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health/liveness`);
        await res.arrayBuffer();
        if (res.status === 200) {
          coldMs = performance.now() - t0;
          break;
        }
      } catch {
        /* not up yet */
      }
      if (performance.now() - t0 > 60_000) throw new Error('did not start within 60 s');
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 1000));
    const rssMb = rssKb(child.pid!) / 1024;
    return { coldMs, rssMb };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function run(report: Report): Promise<void> {
  const ours: { coldMs: number; rssMb: number }[] = [];
  const base: { coldMs: number; rssMb: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    base.push(await measure((port) => [join(ROOT, 'bench/fixtures/hello-fastify.mjs'), String(port)]));
    ours.push(await measure((port, dataDir) => [join(ROOT, 'bin/lf.js'), 'serve', '--port', String(port), '--data-dir', dataDir]));
  }
  report({ bench: 'startup', metric: 'cold_start_ms', value: median(ours.map((x) => x.coldMs)), baseline: median(base.map((x) => x.coldMs)), unit: 'ms', note: `median of ${RUNS}; baseline: bare Fastify hello-world` });
  report({ bench: 'startup', metric: 'idle_rss_mb', value: median(ours.map((x) => x.rssMb)), baseline: median(base.map((x) => x.rssMb)), unit: 'MB', note: 'RSS 1 s after the first 200' });
}
