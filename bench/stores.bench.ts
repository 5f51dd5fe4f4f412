/**
 * Vector store benchmarks (LanceDBStore, default settings, no embedding in the loop):
 * - search latency p50/p99 at 10k and 100k × 384 synthetic vectors, top-10, against exact (flat) search of the
 *   same store in the same run (the baseline);
 * - recall@10 of what the store serves against that exact search;
 * - which vector index answered, how long the automatic index build took, and upsert throughput.
 *
 * Vectors: a seeded mixture of Gaussian clusters on the unit sphere (noise large enough that a query's ten
 * neighbours span several clusters), queries drawn from the same mixture. `LF_BENCH_STORE_SIZES=10000,100000`
 * picks the sizes, `LF_BENCH_STORE_INDEX=IVF_RQ` (etc.) another ANN index than the default.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile, type Report } from './harness.js';
import { isAnnIndexKind } from '../src/adapters/stores/lancedb/ann.js';
import { LanceDBStore } from '../src/adapters/stores/lancedb/store.js';
import type { StoredChunk } from '../src/adapters/stores/types.js';

const DIM = 384;
const TOP_K = 10;
const BATCH = 5_000;
const QUERIES = 200;
const WARMUP = 10;

function gaussianSource(seed: number): () => number {
  let s = seed >>> 0;
  const uniform = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967297;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** `count` unit vectors from a mixture of `clusters` Gaussian clusters. */
function mixture(count: number, clusters: number, seed: number, centres?: Float32Array): { vectors: Float32Array[]; centres: Float32Array } {
  const gauss = gaussianSource(seed);
  const c = centres ?? Float32Array.from({ length: clusters * DIM }, gauss);
  const vectors: Float32Array[] = [];
  for (let i = 0; i < count; i++) {
    const k = Math.floor(Math.abs(gauss() * 7919)) % clusters;
    const v = new Float32Array(DIM);
    let norm = 0;
    for (let j = 0; j < DIM; j++) {
      v[j] = c[k * DIM + j] + 1.5 * gauss();
      norm += v[j] * v[j];
    }
    norm = Math.sqrt(norm);
    for (let j = 0; j < DIM; j++) v[j] /= norm;
    vectors.push(v);
  }
  return { vectors, centres: c };
}

async function latencies(store: LanceDBStore, queries: Float32Array[], exact: boolean): Promise<{ ms: number[]; ids: string[][] }> {
  for (const q of queries.slice(0, WARMUP)) await store.search({ vector: q, topK: TOP_K, exact });
  const ms: number[] = [];
  const ids: string[][] = [];
  for (const q of queries) {
    const t = performance.now();
    const hits = await store.search({ vector: q, topK: TOP_K, exact });
    ms.push(performance.now() - t);
    ids.push(hits.map((h) => h.id));
  }
  return { ms, ids };
}

async function benchSize(rows: number, report: Report): Promise<void> {
  const label = rows >= 1000 ? `${Math.round(rows / 1000)}k` : String(rows);
  const dir = mkdtempSync(join(tmpdir(), 'lf-bench-stores-'));
  const annIndex = process.env.LF_BENCH_STORE_INDEX;
  const store = await LanceDBStore.open({ dir, indexPolicy: annIndex && isAnnIndexKind(annIndex) ? { annIndex } : {} });
  try {
    const clusters = Math.max(20, Math.round(rows / 100));
    const { vectors, centres } = mixture(rows, clusters, 42);
    const chunks: StoredChunk[] = vectors.map((vector, i) => ({
      id: `v${i}`,
      text: `synthetic chunk ${i}`,
      vector,
      metadata: { file_hash: `f${i % 100}`, chunk_index: i },
    }));
    let t = performance.now();
    for (let i = 0; i < chunks.length; i += BATCH) await store.upsert(chunks.slice(i, i + BATCH));
    const upsertS = (performance.now() - t) / 1000;
    report({ bench: 'stores', metric: `upsert_rows_per_s_${label}`, value: rows / upsertS, baseline: null, unit: 'rows/s', note: `batches of ${BATCH}` });

    t = performance.now();
    await store.settle();
    const settleS = (performance.now() - t) / 1000;
    const { indexes } = await store.describe();
    const index = indexes?.vector ?? 'unknown';
    report({
      bench: 'stores',
      metric: `index_build_s_${label}`,
      value: settleS,
      baseline: null,
      unit: 's',
      note: `vector index in use: ${index} (threshold ${indexes?.vectorThreshold ?? '-'} rows; built in a child process after the writes)`,
    });

    const queries = mixture(QUERIES + WARMUP, clusters, 7, centres).vectors;
    // Exact search over all rows is the baseline; fewer queries at large sizes, it is slow by design.
    const exactQueries = rows > 50_000 ? queries.slice(0, 50 + WARMUP) : queries;
    const exact = await latencies(store, exactQueries, true);
    const served = await latencies(store, queries, false);
    let found = 0;
    exact.ids.forEach((truth, i) => {
      const got = new Set(served.ids[i]);
      found += truth.filter((id) => got.has(id)).length;
    });
    const recall = found / (exact.ids.length * TOP_K);
    const note = `${rows}×${DIM}, top-${TOP_K}, index ${index}; baseline = exact flat search, same store, same run`;
    for (const p of [50, 99]) {
      report({
        bench: 'stores',
        metric: `search_p${p}_ms_${label}`,
        value: percentile(served.ms, p),
        baseline: percentile(exact.ms, p),
        unit: 'ms',
        note,
      });
    }
    report({ bench: 'stores', metric: `recall_at_10_${label}`, value: recall, baseline: 1, unit: 'ratio', note: `${exact.ids.length} queries; ${note}` });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(report: Report): Promise<void> {
  const sizes = (process.env.LF_BENCH_STORE_SIZES ?? '10000,100000').split(',').map(Number).filter((n) => n > 0);
  for (const rows of sizes) await benchSize(rows, report);
}
