/**
 * `/rag/query` end to end at scale: a project whose database holds 100k chunks (`LF_BENCH_RAG_ROWS`) embedded by
 * the `HashingEmbedder` (384 dims) in LanceDB with its automatic ANN and full-text indexes built. Reported:
 * - p50/p99 of `POST /rag/query` (in-process HTTP through `app.inject`: validation, config load, embedder guard,
 *   strategy, response) for the basic and the hybrid strategy, against the same embed + store search called
 *   directly in the same run (the baseline), so the ratio is what the server adds;
 * - how long filling and indexing took.
 * Chunk texts are synthetic: 40 words drawn from a Zipf-distributed 20k-word vocabulary, so full-text and vector
 * search both have real work to do.
 */
import pino from 'pino';
import { rm } from 'node:fs/promises';
import { tempDir } from '../test/helpers/tmp.js';
import { loadSettings } from '../src/core/settings.js';
import { createContext } from '../src/services/context.js';
import { buildApp } from '../src/api/app.js';
import type { DatabaseConfig } from '../src/config/schema.js';
import type { LanceDBStore } from '../src/adapters/stores/lancedb/store.js';
import { percentile, type Report } from './harness.js';
import { seededRandom } from '../test/helpers/random.js';

const DIM = 384;
const VOCABULARY = 20_000;
const WORDS_PER_CHUNK = 40;
const BATCH = 2_000;
const QUERIES = 100;
const WARMUP = 10;
const P = '/v1/projects/bench/rag';

/** Word `i` of the synthetic vocabulary: pronounceable, distinct, no stop words. */
function word(i: number): string {
  const syllables = ['ka', 'lo', 'mi', 'ren', 'sa', 'tor', 'vu', 'zel', 'dri', 'pon', 'quas', 'fen'];
  let s = '';
  let n = i + 1;
  while (n > 0) {
    s += syllables[n % syllables.length];
    n = Math.floor(n / syllables.length);
  }
  return s;
}

function zipfSampler(random: () => number): () => string {
  const weights = Array.from({ length: VOCABULARY }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const w of weights) cumulative.push((acc += w / total));
  return () => {
    const r = random();
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < r) lo = mid + 1;
      else hi = mid;
    }
    return word(lo);
  };
}

export async function run(report: Report): Promise<void> {
  const rows = Number(process.env.LF_BENCH_RAG_ROWS ?? 100_000);
  const dataDir = await tempDir('lf-bench-rag-');
  const ctx = await createContext(loadSettings({ dataDir, logLevel: 'silent', releasesUrl: 'http://127.0.0.1:9/unreachable' }, {}), pino({ level: 'silent' }));
  const app = await buildApp(ctx);
  await app.ready();
  try {
    const created = await app.inject({ method: 'POST', url: '/v1/projects/bench', payload: { name: 'rag', config_template: 'rag' } });
    if (created.statusCode !== 200) throw new Error(created.body);
    const config = JSON.parse(created.body).project.config;
    const db = config.rag.databases[0] as DatabaseConfig;
    db.embedding_strategies = [{ name: 'default_embeddings', type: 'HashingEmbedder', config: { dimension: DIM } }];
    db.default_embedding_strategy = 'default_embeddings';
    const put = await app.inject({ method: 'PUT', url: P, payload: { config } });
    if (put.statusCode !== 200) throw new Error(put.body);

    const store = (await ctx.resources.store('bench', 'rag', db)) as LanceDBStore;
    const embedder = ctx.resources.embedder(db);
    await ctx.resources.guardEmbedder(store, db, embedder, true);
    const random = seededRandom(42);
    const sample = zipfSampler(random);
    const text = (n: number) => Array.from({ length: n }, sample).join(' ');

    let t = performance.now();
    for (let start = 0; start < rows; start += BATCH) {
      const texts = Array.from({ length: Math.min(BATCH, rows - start) }, () => text(WORDS_PER_CHUNK));
      const vectors = await embedder.embed(texts);
      await store.upsert(texts.map((x, i) => ({ id: `bench${String(start + i).padStart(12, '0')}_0000`, text: x, vector: vectors[i], metadata: { document_id: `doc${Math.floor((start + i) / 10)}`, chunk_index: (start + i) % 10 } })));
    }
    const fillS = (performance.now() - t) / 1000;
    t = performance.now();
    await store.settle();
    const indexS = (performance.now() - t) / 1000;
    const indexes = (await store.describe()).indexes;
    const note = `${rows} chunks × ${DIM} dims, vector index ${indexes?.vector ?? '?'}, full text ${indexes?.fullText ?? '?'}`;
    report({ bench: 'rag_query', metric: 'fill_rows_per_s', value: rows / fillS, baseline: null, unit: 'rows/s', note: `hashing embed + LanceDB upsert; ${note}` });
    report({ bench: 'rag_query', metric: 'index_build_s', value: indexS, baseline: null, unit: 's', note });

    const queries = Array.from({ length: QUERIES + WARMUP }, () => text(5));
    const direct = { basic: [] as number[], hybrid: [] as number[] };
    const served = { basic: [] as number[], hybrid: [] as number[] };
    for (const [i, q] of queries.entries()) {
      for (const mode of ['basic', 'hybrid'] as const) {
        let s = performance.now();
        const [vector] = await embedder.embed([q]);
        await store.search(mode === 'basic' ? { vector, topK: 10 } : { vector, text: q, topK: 10 });
        const directMs = performance.now() - s;
        s = performance.now();
        const res = await app.inject({ method: 'POST', url: `${P}/rag/query`, payload: { query: q, top_k: 10, retrieval_strategy: mode === 'basic' ? 'basic_search' : 'hybrid_search' } });
        const servedMs = performance.now() - s;
        if (res.statusCode !== 200) throw new Error(res.body);
        if (i >= WARMUP) {
          direct[mode].push(directMs);
          served[mode].push(servedMs);
        }
      }
    }
    for (const mode of ['basic', 'hybrid'] as const) {
      for (const p of [50, 99]) {
        report({
          bench: 'rag_query',
          metric: `${mode}_p${p}_ms`,
          value: percentile(served[mode], p),
          baseline: percentile(direct[mode], p),
          unit: 'ms',
          note: `POST /rag/query (${mode === 'basic' ? 'basic_search' : 'hybrid_search'}) vs embed + store.search directly; ${note}`,
        });
      }
    }
  } finally {
    await app.close();
    await ctx.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
