/**
 * Ingestion benchmarks (HashingEmbedder, so no model is needed):
 * - throughput through the server (upload + process task) vs the same parse+chunk+extract+embed in a plain loop;
 * - /health p99 while the 619-page PDF ingests vs idle;
 * - peak RSS above idle while ingesting the 619-page PDF.
 */
import { readFile, rm, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { existsSync } from 'node:fs';
import { percentile, type Report } from './harness.js';
import { tempDir } from '../test/helpers/tmp.js';
import { sharedPath } from '../test/helpers/shared.js';
import { startServerProcess, api, type ServerProcess } from '../test/helpers/server-process.js';
import { parseFile } from '../src/adapters/parsers/parse-file.js';
import { runExtractors } from '../src/adapters/extractors/run.js';
import { createEmbedder } from '../src/adapters/embedders/registry.js';
import { renderTemplate } from '../src/config/templates.js';

const THROUGHPUT_FILES = [
  ['corpora', 'longtext', 'pride-and-prejudice_pg1342.txt'],
  ['corpora', 'longtext', 'moby-dick_pg2701.html'],
  ['corpora', 'longtext', 'pride-and-prejudice_pg1342.pdf'],
  ['corpora', 'longtext', 'tinyshakespeare.txt'],
].map((p) => sharedPath(...p));
const BIG_PDF = sharedPath('corpora', 'docs', 'unstructured', 'pdf', 'DA-619p.pdf');
const EMBEDDER = { type: 'HashingEmbedder', config: { dimension: 384 } };

async function setupProject(server: ServerProcess, ns: string): Promise<string> {
  const P = `/v1/projects/${ns}/bench`;
  await api(server.url, `/v1/projects/${ns}`, { method: 'POST', body: { name: 'bench', config_template: 'rag' } });
  const config = (await api(server.url, P)).body.project.config;
  config.rag.databases[0].embedding_strategies = [{ name: 'default_embeddings', ...EMBEDDER }];
  await api(server.url, P, { method: 'PUT', body: { config } });
  await api(server.url, `${P}/datasets`, { method: 'POST', body: { name: 'd', data_processing_strategy: 'universal_processor', database: 'main_database' } });
  return P;
}

async function uploadAll(server: ServerProcess, P: string, files: string[]): Promise<void> {
  for (const f of files) {
    const form = new FormData();
    form.append('file', new Blob([await readFile(f)]), basename(f));
    const res = await fetch(`${server.url}${P}/datasets/d/data`, { method: 'POST', body: form });
    await res.arrayBuffer();
  }
}

async function processAndWait(server: ServerProcess, P: string, during?: () => Promise<void>): Promise<any> {
  const { body } = await api(server.url, `${P}/datasets/d/actions`, { method: 'POST', body: { action_type: 'process' } });
  let done = false;
  const side = during ? (async () => { while (!done) await during(); })() : Promise.resolve();
  for (;;) {
    const t = (await api(server.url, `${P}/tasks/${body.task_id}`)).body;
    if (t.state === 'SUCCESS' || t.state === 'FAILURE') {
      done = true;
      await side;
      return t;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function healthLatencies(url: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(`${url}/health`);
    await res.arrayBuffer();
    out.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 5));
  }
  return out;
}

export async function run(report: Report): Promise<void> {
  if (![...THROUGHPUT_FILES, BIG_PDF].every(existsSync)) {
    process.stderr.write('# ingest bench skipped: ../shared/corpora not found\n');
    return;
  }
  const totalBytes = (await Promise.all(THROUGHPUT_FILES.map((f) => stat(f)))).reduce((a, s) => a + s.size, 0);
  const strategy = ((await renderTemplate('rag', 'b', 'b')).config as any).rag.data_processing_strategies[0];

  // Baseline: the same work in a plain loop, no server, no store.
  const embedder = createEmbedder(EMBEDDER.type, EMBEDDER.config);
  const t0 = performance.now();
  for (const f of THROUGHPUT_FILES) {
    const st = await stat(f);
    const parsed = await parseFile(strategy.parsers, { path: f, filename: basename(f), mimeType: 'application/octet-stream', size: st.size });
    await runExtractors(strategy.extractors, parsed.chunks, { filename: basename(f) });
    await embedder.embed(parsed.chunks.map((c) => c.text));
  }
  const baselineS = (performance.now() - t0) / 1000;

  const dataDir = await tempDir('lf-bench-ingest-');
  const server = await startServerProcess(dataDir);
  try {
    const P = await setupProject(server, 'tp');
    await uploadAll(server, P, THROUGHPUT_FILES);
    const t1 = performance.now();
    const task = await processAndWait(server, P);
    const serverS = (performance.now() - t1) / 1000;
    if (task.state !== 'SUCCESS') throw new Error(`ingest failed: ${task.error}`);
    const mb = totalBytes / 1024 / 1024;
    report({ bench: 'ingest', metric: 'throughput_mb_per_s', value: mb / serverS, baseline: mb / baselineS, unit: 'MB/s', note: `${THROUGHPUT_FILES.length} files, ${mb.toFixed(1)} MB, ${task.result.stored_count} chunks; baseline: parse+chunk+extract+embed loop without server/store` });

    // /health while the 619-page PDF ingests, and peak RSS.
    const idle = await healthLatencies(server.url, 200);
    const idleRss = rssMb(server.child.pid!);
    const P2 = await setupProject(server, 'pdf');
    await uploadAll(server, P2, [BIG_PDF]);
    const busy: number[] = [];
    let peak = idleRss;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(server.child.pid!))), 50);
    const pdfTask = await processAndWait(server, P2, async () => {
      busy.push(...(await healthLatencies(server.url, 10)));
    });
    clearInterval(sampler);
    if (pdfTask.state !== 'SUCCESS') throw new Error(`pdf ingest failed: ${pdfTask.error}`);
    report({ bench: 'ingest', metric: 'health_p99_during_619p_pdf_ms', value: percentile(busy, 99), baseline: percentile(idle, 99), unit: 'ms', note: `${busy.length} requests during ingest; baseline idle; goal ≤ 20 ms` });
    report({ bench: 'ingest', metric: 'health_p50_during_619p_pdf_ms', value: percentile(busy, 50), baseline: percentile(idle, 50), unit: 'ms' });
    report({ bench: 'ingest', metric: 'peak_rss_above_idle_619p_pdf_mb', value: peak - idleRss, baseline: idleRss, unit: 'MB', note: 'baseline = idle RSS; goal ≤ 300 MB above idle' });
  } finally {
    await server.stop('SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
  }
}
