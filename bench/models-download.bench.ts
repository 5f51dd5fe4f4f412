/**
 * Model download throughput: a ~50 MB generated file from the local fake hub (test/fakes/hf-hub-fake.ts) through
 * the models-cache downloader (metadata calls, redirect, sha256 check, cache layout), against a plain streamed
 * fetch-to-file copy of the same file from the same server in the same run. Median of a few runs each, in MB/s.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { FakeHfHub } from '../test/fakes/hf-hub-fake.js';
import { ModelsCacheService } from '../src/services/models-cache/service.js';
import { median, type Report } from './harness.js';

const SIZE = Number(process.env.BENCH_MODEL_BYTES ?? 50 * 1024 * 1024);
const RUNS = Number(process.env.BENCH_MODEL_RUNS ?? 3);
const REPO = 'lf-bench/generated-GGUF';
const FILE = 'generated.Q4_K_M.gguf';

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export async function run(report: Report): Promise<void> {
  const hub = await FakeHfHub.start();
  hub.addRepo({ id: REPO, files: [{ path: FILE, content: Buffer.concat([Buffer.from('GGUF'), randomBytes(SIZE - 4)]) }] });
  const work = await mkdtemp(join(tmpdir(), 'lf-bench-models-'));
  const mb = SIZE / 1e6;
  const viaDownloader: number[] = [];
  const plainCopy: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      // Plain copy: follow the hub's redirect and stream the body to a file.
      const copyMs = await timed(async () => {
        const res = await fetch(`${hub.endpoint}/${REPO}/resolve/main/${FILE}`);
        if (!res.ok || !res.body) throw new Error(`plain copy answered ${res.status}`);
        await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(join(work, `plain-${i}.gguf`)));
      });
      plainCopy.push(mb / (copyMs / 1000));

      const cacheDir = join(work, `cache-${i}`);
      const service = new ModelsCacheService({ cacheDir, endpoint: hub.endpoint, autoDownload: true, offline: false, requestTimeoutMs: 10_000, stallTimeoutMs: 30_000, retries: 0 });
      const downloadMs = await timed(async () => {
        const { plan } = await service.prepareDownload(`${REPO}:Q4_K_M`);
        await service.download(plan);
      });
      viaDownloader.push(mb / (downloadMs / 1000));
      await rm(cacheDir, { recursive: true, force: true });
      await rm(join(work, `plain-${i}.gguf`), { force: true });
    }
    report({
      bench: 'models-download',
      metric: `download throughput, ${Math.round(mb)} MB (downloader with sha256 check vs plain fetch-to-file copy)`,
      value: median(viaDownloader),
      baseline: median(plainCopy),
      unit: 'MB/s',
    });
  } finally {
    await rm(work, { recursive: true, force: true });
    await hub.close();
  }
}
