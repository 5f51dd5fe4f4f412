/**
 * The retrieval quality harness: a BEIR-format benchmark through the real server code. It builds a data dir,
 * creates a project from the `rag` template (with the chosen embedder and retrieval strategy), writes each
 * document as one `<doc id>.txt` file (title, blank line, text), uploads them through DatasetsService, processes
 * them with the real ingestion task, runs every query through RetrievalService.search (top_k 100) and scores the
 * rankings (a document split into chunks counts once, at its best chunk).
 *
 * With `dataDir` the data dir is kept, and a later run with the same corpus, embedder and documents reuses the
 * ingested project instead of ingesting again (only the retrieval strategy may differ).
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import pino from 'pino';
import { LfError } from '../../core/errors.js';
import { loadSettings } from '../../core/settings.js';
import { createContext, type AppContext } from '../context.js';
import type { EmbeddingStrategyConfig, ProjectConfig } from '../../config/schema.js';
import { renderTemplate } from '../../config/templates.js';
import { runnableType } from '../../adapters/retrievers/registry.js';
import { documentText, readCorpus, readQrels, readQueries, type BeirDocument, type BeirQuery } from './beir.js';
import { evaluateRun, uniqueInOrder, type Qrels, type RetrievalMetrics } from './metrics.js';

export const EVAL_NAMESPACE = 'eval';
export const EVAL_PROJECT = 'retrieval';
const DATASET = 'corpus';
const MANIFEST = 'eval-manifest.json';
/** The name under which a strategy given with a config is added to the database. */
const EVAL_STRATEGY = 'eval_strategy';
const TOP_K = 100;

type EmbeddingType = EmbeddingStrategyConfig['type'];

export interface EmbedderChoice {
  type: string;
  config: Record<string, unknown>;
}

/** A retrieval strategy: a name the template's database defines (e.g. `basic_search`), or a type with a config. */
export interface StrategyChoice {
  /** A configured strategy name or a strategy type (aliases such as `basic` and `bm25` work too). */
  name: string;
  /** When set, a strategy `eval_strategy` of type `name` with this config is added and used. */
  config?: Record<string, unknown>;
}

export interface EvalOptions {
  corpus: string;
  queries: string;
  qrels: string;
  /** Default: the offline default embedder (see DEFAULT_EVAL_EMBEDDER). */
  embedder?: EmbedderChoice;
  /** Default: the database's default retrieval strategy in the `rag` template (`hybrid_search`). */
  strategy?: StrategyChoice;
  /** Keep the data dir here (and reuse an ingestion made with the same inputs). Default: a temp dir, removed. */
  dataDir?: string;
  /** Evaluate at most this many queries (those with judgements, in file order). */
  maxQueries?: number;
  /** Ingest at most this many documents: every document judged for the evaluated queries, then corpus order. */
  maxDocs?: number;
  /** Progress lines (to stderr in the CLI). */
  log?: (line: string) => void;
}

export interface EvalReport {
  metrics: RetrievalMetrics;
  embedder: EmbedderChoice;
  /** Undefined: the database default ran. */
  strategy?: StrategyChoice;
  strategyUsed: string;
  documents: number;
  chunks: number;
  /** False when an earlier ingestion in `dataDir` was reused. */
  ingested: boolean;
  ingestSeconds: number;
  querySeconds: number;
  /** Queries the server refused (422); they count with an empty ranking. */
  rejectedQueries: number;
  dataDir?: string;
}

/** The offline default: no network, no model download. */
export const DEFAULT_EVAL_EMBEDDER: EmbedderChoice = { type: 'HashingEmbedder', config: { dimension: 1024 } };

interface Manifest {
  corpus: string;
  embedder: EmbedderChoice;
  documents: number;
  /** sha256 of the ingested doc ids, so a different selection is ingested afresh. */
  selection: string;
  /** Stored file name → every doc id whose text it holds (identical texts are stored once). */
  sources: Record<string, string[]>;
  chunks: number;
  ingestSeconds: number;
}

/** Documents to ingest: all of them, or the judged ones for the evaluated queries first, then corpus order. */
export function selectDocuments(docs: BeirDocument[], qrels: Qrels, queries: BeirQuery[], maxDocs?: number): BeirDocument[] {
  if (maxDocs === undefined || maxDocs >= docs.length) return docs;
  const judged = new Set<string>();
  for (const q of queries) for (const [id, g] of qrels.get(q.id) ?? []) if (g > 0) judged.add(id);
  const chosen = new Set(docs.filter((d) => judged.has(d.id)).map((d) => d.id));
  for (const d of docs) {
    if (chosen.size >= Math.max(maxDocs, judged.size)) break;
    chosen.add(d.id);
  }
  return docs.filter((d) => chosen.has(d.id));
}

/** A file name for a doc id that survives upload name cleaning (`/`, `\`, control characters, leading dots). */
export function fileNameFor(docId: string): string {
  const safe = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,150}$/.test(docId) ? docId : `id-${createHash('sha256').update(docId).digest('hex').slice(0, 32)}`;
  return `${safe}.txt`;
}

/**
 * The project's database gets the chosen embedder, the retrieval strategies of the current `rag` template (so a
 * reused ingestion is queried the way a new project would be) and, with a config, the `eval_strategy`.
 */
function configure(config: ProjectConfig, template: ProjectConfig, embedder: EmbedderChoice, strategy: StrategyChoice | undefined): void {
  const db = config.rag!.databases![0];
  const fresh = template.rag!.databases![0];
  db.embedding_strategies = [{ name: 'eval_embeddings', type: embedder.type as EmbeddingType, config: embedder.config }];
  db.default_embedding_strategy = 'eval_embeddings';
  db.default_retrieval_strategy = fresh.default_retrieval_strategy;
  const strategies = [...(fresh.retrieval_strategies ?? [])];
  if (strategy?.config) {
    const type = (runnableType(strategy.name) ?? strategy.name) as (typeof strategies)[number]['type'];
    strategies.push({ name: EVAL_STRATEGY, type, config: strategy.config });
  }
  db.retrieval_strategies = strategies;
}

async function waitForTask(ctx: AppContext, id: string, log: (line: string) => void): Promise<Record<string, unknown>> {
  let reported = -1;
  for (;;) {
    const t = await ctx.tasks.get(EVAL_NAMESPACE, EVAL_PROJECT, id);
    if (t.state === 'SUCCESS' || t.state === 'FAILURE') {
      if (t.state === 'FAILURE') throw new Error(`ingestion failed: ${t.error ?? 'unknown error'}`);
      return t.result ?? {};
    }
    const m = t.meta as { current?: number; total?: number } | null;
    const tenth = m?.total ? Math.floor((10 * (m.current ?? 0)) / m.total) : -1;
    if (tenth > reported) {
      reported = tenth;
      log(`ingest: ${m!.current}/${m!.total} files`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function readManifest(dataDir: string): Promise<Manifest | undefined> {
  try {
    return JSON.parse(await readFile(join(dataDir, MANIFEST), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

async function ingest(ctx: AppContext, docs: BeirDocument[], log: (line: string) => void): Promise<Omit<Manifest, 'corpus' | 'embedder' | 'selection'>> {
  await ctx.datasets.create(EVAL_NAMESPACE, EVAL_PROJECT, { name: DATASET, data_processing_strategy: 'universal_processor', database: 'main_database' });
  const sources: Record<string, string[]> = {};
  const t0 = performance.now();
  for (const doc of docs) {
    const r = await ctx.datasets.upload(EVAL_NAMESPACE, EVAL_PROJECT, DATASET, { stream: Readable.from([Buffer.from(documentText(doc))]), filename: fileNameFor(doc.id) });
    // The same bytes again are stored once: the stored file (`duplicate_of`) is the source its hits name.
    (sources[r.duplicate_of ?? r.filename] ??= []).push(doc.id);
  }
  log(`uploaded ${docs.length} documents`);
  const taskId = await ctx.datasets.process(EVAL_NAMESPACE, EVAL_PROJECT, DATASET);
  const result = await waitForTask(ctx, taskId, log);
  const ingestSeconds = (performance.now() - t0) / 1000;
  if (Number(result.failed_files ?? 0) > 0) log(`warning: ${String(result.failed_files)} files failed to ingest`);
  return { documents: docs.length, sources, chunks: Number(result.stored_count ?? 0), ingestSeconds };
}

export async function runRetrievalEval(o: EvalOptions): Promise<EvalReport> {
  const log = o.log ?? (() => {});
  const embedder = o.embedder ?? DEFAULT_EVAL_EMBEDDER;
  const strategy = o.strategy;
  const [allDocs, allQueries, qrels] = await Promise.all([readCorpus(o.corpus), readQueries(o.queries), readQrels(o.qrels)]);
  let queries = allQueries.filter((q) => [...(qrels.get(q.id)?.values() ?? [])].some((g) => g > 0));
  if (o.maxQueries !== undefined) queries = queries.slice(0, o.maxQueries);
  const docs = selectDocuments(allDocs, qrels, queries, o.maxDocs);
  const evalQrels: Qrels = new Map(queries.map((q) => [q.id, qrels.get(q.id)!]));

  const dataDir = o.dataDir ? resolve(o.dataDir) : await mkdtemp(join(tmpdir(), 'lf-eval-'));
  await mkdir(dataDir, { recursive: true });
  const template = (await renderTemplate('rag', EVAL_NAMESPACE, EVAL_PROJECT)).config as unknown as ProjectConfig;
  const settings = loadSettings({ dataDir, logLevel: 'silent', releasesUrl: 'http://127.0.0.1:9/unreachable' }, {});
  const ctx = await createContext(settings, pino({ level: 'silent' }));
  try {
    const selection = createHash('sha256').update(docs.map((d) => d.id).join('\n')).digest('hex');
    const wanted = { corpus: resolve(o.corpus), embedder, selection };
    const previous = o.dataDir ? await readManifest(dataDir) : undefined;
    const key = (m: Pick<Manifest, 'corpus' | 'embedder' | 'selection'>) => JSON.stringify([m.corpus, m.embedder, m.selection]);
    const reuse = previous !== undefined && key(previous) === key(wanted);
    let manifest: Manifest;
    if (reuse) {
      manifest = previous;
      log(`reusing the ingested corpus in ${dataDir}`);
      await ctx.projects.mutate(EVAL_NAMESPACE, EVAL_PROJECT, (c) => configure(c, template, embedder, strategy));
    } else {
      if (await ctx.projects.exists(EVAL_NAMESPACE, EVAL_PROJECT)) await ctx.projects.delete(EVAL_NAMESPACE, EVAL_PROJECT);
      await rm(join(dataDir, MANIFEST), { force: true });
      await ctx.projects.create(EVAL_NAMESPACE, EVAL_PROJECT, 'rag');
      await ctx.projects.mutate(EVAL_NAMESPACE, EVAL_PROJECT, (c) => configure(c, template, embedder, strategy));
      log(`ingesting ${docs.length} documents with ${embedder.type} ${JSON.stringify(embedder.config)}`);
      manifest = { ...wanted, ...(await ingest(ctx, docs, log)) };
      if (o.dataDir) await writeFile(join(dataDir, MANIFEST), JSON.stringify(manifest));
    }

    const docIdsOf = (source: unknown): string[] => (typeof source === 'string' ? (manifest.sources[source] ?? []) : []);
    const run = new Map<string, string[]>();
    let strategyUsed = '';
    const t1 = performance.now();
    let rejected = 0;
    for (const [i, q] of queries.entries()) {
      let out: Awaited<ReturnType<typeof ctx.retrieval.search>>;
      try {
        out = await ctx.retrieval.search(EVAL_NAMESPACE, EVAL_PROJECT, {
          query: q.text,
          topK: TOP_K,
          ...(strategy ? { retrievalStrategy: strategy.config ? EVAL_STRATEGY : strategy.name } : {}),
        });
      } catch (e) {
        // A query the server refuses (422, e.g. nothing the embedder can represent) ranks nothing: it scores 0.
        if (!(e instanceof LfError && e.status === 422)) throw e;
        rejected++;
        log(`query ${q.id} rejected: ${e.message}`);
        continue;
      }
      strategyUsed = out.strategyUsed;
      run.set(q.id, uniqueInOrder(out.results.flatMap((r) => docIdsOf(r.metadata.source))));
      if ((i + 1) % 200 === 0) log(`queries: ${i + 1}/${queries.length}`);
    }
    const querySeconds = (performance.now() - t1) / 1000;
    return {
      metrics: evaluateRun(run, evalQrels),
      embedder,
      ...(strategy ? { strategy } : {}),
      strategyUsed,
      documents: manifest.documents,
      chunks: manifest.chunks,
      ingested: !reuse,
      ingestSeconds: manifest.ingestSeconds,
      querySeconds,
      rejectedQueries: rejected,
      ...(o.dataDir ? { dataDir } : {}),
    };
  } finally {
    await ctx.close();
    if (!o.dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

/** The report as printed by `npm run eval:retrieval`; the last line is always `nDCG@10: 0.xxxx`. */
export function formatReport(r: EvalReport): string {
  const m = r.metrics;
  const lines = [
    `embedder: ${r.embedder.type} ${JSON.stringify(r.embedder.config)}`,
    `strategy: ${r.strategyUsed}${r.strategy?.config ? ` (${r.strategy.name} ${JSON.stringify(r.strategy.config)})` : ''}`,
    `documents: ${r.documents} (${r.chunks} chunks)${r.ingested ? '' : ' [reused ingestion]'}`,
    `ingest: ${r.ingestSeconds.toFixed(1)} s (${(r.documents / Math.max(r.ingestSeconds, 1e-9)).toFixed(1)} docs/s)`,
    `queries: ${m.queries} in ${r.querySeconds.toFixed(1)} s (${(m.queries / Math.max(r.querySeconds, 1e-9)).toFixed(1)} queries/s)${r.rejectedQueries ? `, ${r.rejectedQueries} refused (scored 0)` : ''}`,
    `Recall@10: ${m.recall10.toFixed(4)}`,
    `Recall@100: ${m.recall100.toFixed(4)}`,
    `MRR@10: ${m.mrr10.toFixed(4)}`,
    `nDCG@10: ${m.ndcg10.toFixed(4)}`,
  ];
  return lines.join('\n');
}
