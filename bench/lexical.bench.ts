/**
 * The in-process lexical engine (src/adapters/retrievers/lexical/) against LanceDB's own full-text (BM25) index,
 * on the same rows: SciFact's abstracts (`title\n\ntext`, one chunk each) from ../shared/corpora, queried with
 * SciFact's claims.
 * - `lexical_build_ms`: reading the store's rows and building the engine (word BM25 with neighbour expansion and
 *   character 3-grams), against building LanceDB's FTS index over the same table (baseline).
 * - `lexical_query_p50_ms` / `_p99_ms`: one engine search (top 100), against one `store.search({text})` (baseline).
 * `LF_BENCH_LEXICAL_DOCS` caps the documents (default: all 5,183).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { percentile, type Report } from './harness.js';
import { sharedPath } from '../test/helpers/shared.js';
import { HashingEmbedder } from '../src/adapters/embedders/hashing.js';
import { LanceDBStore } from '../src/adapters/stores/lancedb/store.js';
import { DEFAULT_LEXICAL, LexicalIndex } from '../src/adapters/retrievers/lexical/lexical-index.js';
import type { StoredChunk } from '../src/adapters/stores/types.js';

const SCIFACT = sharedPath('corpora', 'ir', 'scifact');
const QUERIES = 300;
const TOP_K = 100;

function jsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

async function timeEach(queries: string[], search: (q: string) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (const q of queries) {
    const t0 = performance.now();
    await search(q);
    times.push(performance.now() - t0);
  }
  return times;
}

export async function run(report: Report): Promise<void> {
  if (!existsSync(join(SCIFACT, 'corpus.jsonl'))) {
    process.stderr.write('# lexical bench skipped: ../shared/corpora/ir/scifact not found\n');
    return;
  }
  const limit = Number(process.env.LF_BENCH_LEXICAL_DOCS) || Infinity;
  const docs = jsonl<{ _id: string; title: string; text: string }>(join(SCIFACT, 'corpus.jsonl')).slice(0, limit);
  const queries = jsonl<{ text: string }>(join(SCIFACT, 'queries.jsonl'))
    .slice(0, QUERIES)
    .map((q) => q.text.replace(/[^\p{L}\p{N}]+/gu, ' ').trim());
  const dir = mkdtempSync(join(tmpdir(), 'lf-bench-lexical-'));
  const embedder = new HashingEmbedder({ dimension: 64 });
  const store = await LanceDBStore.open({ dir, indexPolicy: { annIndex: 'none' } });
  try {
    const texts = docs.map((d) => `${d.title}\n\n${d.text}`);
    const vectors = await embedder.embed(texts);
    const rows: StoredChunk[] = docs.map((d, i) => ({ id: `d${d._id}`, text: texts[i]!, vector: vectors[i]!, metadata: { file_hash: d._id, chunk_index: 0 } }));
    for (let i = 0; i < rows.length; i += 1000) await store.upsert(rows.slice(i, i + 1000));
    await store.settle();

    let t0 = performance.now();
    const all = [];
    for await (const row of store.readRows()) all.push(row);
    const engine = await LexicalIndex.buildInSteps(all, DEFAULT_LEXICAL);
    const build = performance.now() - t0;
    // The baseline: LanceDB (re)building its BM25 index over the same table.
    const table = await (await lancedb.connect(dir)).openTable('chunks');
    t0 = performance.now();
    await table.createIndex('text', { config: lancedb.Index.fts(), replace: true });
    const ftsBuild = performance.now() - t0;
    table.close();
    const note = `${docs.length} SciFact abstracts, ${engine.unitCount} units`;
    report({ bench: 'lexical', metric: 'lexical_build_ms', value: build, baseline: ftsBuild, unit: 'ms', note: `${note}; baseline: LanceDB FTS index build` });

    await timeEach(queries.slice(0, 10), (q) => store.search({ text: q, topK: TOP_K })); // warm-up
    const lanceTimes = await timeEach(queries, (q) => store.search({ text: q, topK: TOP_K }));
    const engineTimes = await timeEach(queries, (q) => Promise.resolve(engine.search(q, TOP_K)));
    for (const p of [50, 99]) {
      report({ bench: 'lexical', metric: `lexical_query_p${p}_ms`, value: percentile(engineTimes, p), baseline: percentile(lanceTimes, p), unit: 'ms', note: `top ${TOP_K}; baseline: LanceDBStore.search({text})` });
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
