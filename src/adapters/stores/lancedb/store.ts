/**
 * `LanceDBStore` (decision 0004): the embedded vector store. One LanceDB table per database directory
 * (`PD/lf_data/stores/<database>/chunks.lance`) plus `store.json` with the embedder identity.
 *
 * - rows: id, text, vector (cosine), metadata (full JSON) and promoted filter columns (see columns.ts);
 * - upsert = merge-insert on `id`, serialised per table; a batch is validated whole before anything is written;
 * - search: vector (exact until the ANN index exists, see ann.ts / indexer.ts), full text (LanceDB BM25 index),
 *   or both fused by LanceDB's reciprocal-rank-fusion reranker; scores mapped to [0, 1] (checks.ts).
 */
import type * as Lance from '@lancedb/lancedb';
import { chunksToArrow } from './arrow.js';
import { ANN_INDEX_KINDS, isAnnIndexKind, tuneVectorQuery } from './ann.js';
import { planFilter, sqlString, type FilterPlan } from './columns.js';
import { DEFAULT_INDEX_POLICY, TableIndexer, type IndexPolicy } from './indexer.js';
import { acquireTable, releaseTable, type SharedTable } from './shared-table.js';
import { writeIdentity } from './sidecar.js';
import { bm25ToScore, checkBatch, checkVector, cosineDistanceToScore, firstOfEachId, RRF_K, rrfToScore } from '../checks.js';
import { matchesClauses } from '../filter.js';
import { StoreError, type Hit, type MetadataFilter, type SearchQuery, type StoreDescription, type StoredChunk, type StoredRow, type VectorStore } from '../types.js';

export interface LanceDBStoreOptions {
  /** Directory holding the table (and `store.json`). */
  dir: string;
  /** Table name inside `dir` (default `chunks`). */
  table?: string;
  indexPolicy?: Partial<IndexPolicy>;
}

/** Store config keys read from a database's `config` in llamafarm.yaml. */
export function lanceOptionsFromConfig(dir: string, config: Record<string, unknown>): LanceDBStoreOptions {
  const bad = (key: string, want: string) => new StoreError(`LanceDBStore config: ${key} must be ${want}`, 'config');
  const table = config.table_name ?? 'chunks';
  if (typeof table !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(table)) throw bad('table_name', '1–64 of [A-Za-z0-9_-]');
  const policy: Partial<IndexPolicy> = {};
  const ann = config.ann_index;
  if (ann !== undefined && ann !== 'auto') {
    if (ann !== 'none' && !isAnnIndexKind(ann)) throw bad('ann_index', `auto, none or one of ${ANN_INDEX_KINDS.join(', ')}`);
    policy.annIndex = ann;
  }
  for (const [key, field] of [['ann_index_threshold', 'annThreshold'], ['optimize_after_writes', 'optimizeAfterWrites']] as const) {
    const v = config[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw bad(key, 'a positive integer');
    policy[field] = v;
  }
  return { dir, table, indexPolicy: policy };
}

const COLUMNS = ['id', 'text', 'metadata'];
/** Largest `topK` served; more is almost certainly a mistake and would read the whole table. */
const MAX_TOP_K = 10_000;
/** When a filter must be checked in JS, fetch this many times `topK` first, then grow by this factor. */
const OVERFETCH = 4;
const DELETE_BATCH = 500;

const indexers = new WeakMap<SharedTable, TableIndexer>();
let rrfReranker: Promise<Lance.rerankers.RRFReranker> | undefined;

interface Row {
  id: string;
  text: string;
  metadata: string;
  _distance?: number;
  _score?: number;
  _relevance_score?: number;
}

function parseMetadata(json: string): Record<string, unknown> {
  try {
    const v = JSON.parse(json) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export class LanceDBStore implements VectorStore {
  readonly type = 'LanceDBStore';
  private closed = false;

  private constructor(
    private readonly shared: SharedTable,
    private readonly indexer: TableIndexer,
  ) {}

  /** Opens (or shares the already open) table in `opts.dir`; nothing is created on disk before the first write. */
  static async open(opts: LanceDBStoreOptions): Promise<LanceDBStore> {
    const shared = await acquireTable(opts.dir, opts.table ?? 'chunks');
    const policy = { ...DEFAULT_INDEX_POLICY, ...opts.indexPolicy };
    let indexer = indexers.get(shared);
    if (!indexer) {
      indexer = new TableIndexer(shared, policy);
      indexers.set(shared, indexer);
      await indexer.refresh();
    }
    indexer.policy = policy;
    // A large table whose index build was interrupted (e.g. by a restart) gets it now.
    indexer.kick();
    return new LanceDBStore(shared, indexer);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('LanceDBStore is closed', 'other');
  }

  async upsert(chunks: StoredChunk[]): Promise<{ stored: number; skipped: number }> {
    this.assertOpen();
    if (!Array.isArray(chunks)) throw new StoreError('upsert expects an array of chunks', 'other');
    if (chunks.length === 0) return { stored: 0, skipped: 0 };
    return this.shared.writes.run(async () => {
      const dimension = checkBatch(chunks, this.shared.dimension || undefined);
      const { unique, repeats } = firstOfEachId(chunks);
      let data;
      try {
        data = chunksToArrow(unique, dimension);
      } catch (err) {
        throw new StoreError((err as Error).message, 'other');
      }
      let stored: number;
      let skipped = repeats;
      const table = this.shared.table;
      if (!table) {
        await this.shared.adopt(await this.shared.conn.createTable(this.shared.name, data, { mode: 'create' }));
        stored = unique.length;
      } else {
        const result = await table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data);
        stored = result.numInsertedRows;
        skipped += result.numUpdatedRows;
      }
      // The rows are committed: a failed BM25 index build must not report the write as failed (search retries it).
      await this.indexer.ensureFullText().catch((err: unknown) => {
        this.indexer.lastError = `full-text index: ${err instanceof Error ? err.message : String(err)}`;
      });
      this.indexer.noteWrite();
      return { stored, skipped };
    });
  }

  async search(q: SearchQuery): Promise<Hit[]> {
    this.assertOpen();
    if (!q || typeof q !== 'object') throw new StoreError('search expects a query object', 'other');
    if (!Number.isInteger(q.topK) || q.topK < 0) throw new StoreError('search: topK must be a non-negative integer', 'other');
    const text = typeof q.text === 'string' && q.text.trim() !== '' ? q.text.trim() : undefined;
    if (q.vector === undefined && text === undefined) throw new StoreError('search needs a vector, a text, or both', 'other');
    if (q.vector !== undefined) checkVector(q.vector, this.shared.dimension || undefined, 'query');
    const plan = planFilter(q.filter);
    const topK = Math.min(q.topK, MAX_TOP_K);
    if (topK === 0 || !this.shared.table) return [];
    if (text !== undefined && !this.indexer.fullText) await this.shared.writes.run(() => this.indexer.ensureFullText());
    const vector = q.vector;
    const reranker = vector && text ? await (rrfReranker ??= this.shared.lance.rerankers.RRFReranker.create(RRF_K)) : undefined;

    let run = async (limit: number, where: string | undefined): Promise<Row[]> => {
      const table = this.shared.table;
      if (!table) return [];
      let query: Lance.Query | Lance.VectorQuery;
      if (vector) {
        let vq = table.vectorSearch(vector).distanceType('cosine');
        vq = q.exact ? vq.bypassVectorIndex() : tuneVectorQuery(vq, this.indexer.vectorIndex, limit);
        if (text && reranker) vq = vq.fullTextSearch(text, { columns: 'text' }).rerank(reranker);
        query = vq;
      } else {
        query = table.query().fullTextSearch(text as string, { columns: 'text' });
      }
      if (where) query = query.where(where);
      return (await query.select(COLUMNS).limit(limit).toArray()) as Row[];
    };
    if (!vector && text) {
      // Full text only: matches from rows the index does not cover yet come back unordered (see
      // TableIndexer.unindexedFullTextRows), so fetch enough to hold all of them and order by score here.
      const extra = await this.indexer.unindexedFullTextRows();
      if (extra > 0) {
        const unordered = run;
        run = async (limit, where) => (await unordered(limit + extra, where)).sort((a, b) => (b._score ?? 0) - (a._score ?? 0)).slice(0, limit);
      }
    }
    const toHit = (row: Row, metadata: Record<string, unknown>): Hit => {
      if (vector && text) return { id: row.id, text: row.text, metadata, score: rrfToScore(row._relevance_score ?? 0) };
      if (vector) return { id: row.id, text: row.text, metadata, score: cosineDistanceToScore(row._distance ?? 2), distance: row._distance };
      return { id: row.id, text: row.text, metadata, score: bm25ToScore(row._score ?? 0) };
    };
    return this.fetchMatching(plan, topK, run, toHit);
  }

  /**
   * Runs `run` with the SQL part of the filter and keeps the rows the whole filter accepts; when part of the
   * filter is checked here rather than in SQL, asks for more rows until `topK` pass or the table is exhausted.
   */
  private async fetchMatching(
    plan: FilterPlan,
    topK: number,
    run: (limit: number, where: string | undefined) => Promise<Row[]>,
    toHit: (row: Row, metadata: Record<string, unknown>) => Hit,
  ): Promise<Hit[]> {
    const checkHere = !plan.empty && plan.exact === undefined;
    const where = plan.exact ?? plan.superset;
    let limit = checkHere ? topK * OVERFETCH : topK;
    for (;;) {
      const rows = await run(limit, where);
      const hits: Hit[] = [];
      for (const row of rows) {
        const metadata = parseMetadata(row.metadata);
        if (!checkHere || matchesClauses(metadata, plan.clauses)) hits.push(toHit(row, metadata));
        if (hits.length === topK) return hits;
      }
      if (!checkHere || rows.length < limit) return hits;
      limit *= OVERFETCH;
    }
  }

  /** Ids of the rows matching a filter that SQL cannot answer exactly. */
  private async matchingIds(plan: FilterPlan): Promise<string[]> {
    const table = this.shared.table;
    if (!table) return [];
    let query = table.query().select(['id', 'metadata']);
    if (plan.superset) query = query.where(plan.superset);
    const rows = (await query.toArray()) as Pick<Row, 'id' | 'metadata'>[];
    return rows.filter((r) => matchesClauses(parseMetadata(r.metadata), plan.clauses)).map((r) => r.id);
  }

  async count(filter?: MetadataFilter): Promise<number> {
    this.assertOpen();
    const plan = planFilter(filter);
    if (!this.shared.table) return 0;
    if (plan.empty) return this.shared.rows();
    if (plan.exact !== undefined) return this.shared.rows(plan.exact);
    return (await this.matchingIds(plan)).length;
  }

  async deleteWhere(filter: MetadataFilter): Promise<number> {
    this.assertOpen();
    const plan = planFilter(filter);
    if (plan.empty) throw new StoreError('deleteWhere needs at least one condition (use drop() to remove everything)', 'invalid_filter');
    return this.shared.writes.run(async () => {
      const table = this.shared.table;
      if (!table) return 0;
      let deleted = 0;
      if (plan.exact !== undefined) {
        deleted = (await table.delete(plan.exact)).numDeletedRows;
      } else {
        const ids = await this.matchingIds(plan);
        for (let i = 0; i < ids.length; i += DELETE_BATCH) {
          const list = ids.slice(i, i + DELETE_BATCH).map(sqlString).join(', ');
          deleted += (await table.delete(`id IN (${list})`)).numDeletedRows;
        }
      }
      if (deleted > 0) this.indexer.noteWrite();
      return deleted;
    });
  }

  async drop(): Promise<void> {
    this.assertOpen();
    await this.indexer.pause();
    try {
      await this.shared.writes.run(async () => {
        await this.shared.dropData();
        this.indexer.reset();
      });
    } finally {
      this.indexer.resume();
    }
  }

  async describe(): Promise<StoreDescription> {
    this.assertOpen();
    const { identity } = this.shared;
    return {
      type: this.type,
      dimension: this.shared.dimension,
      ...(identity.embedder ? { embedder: identity.embedder } : {}),
      rows: await this.shared.rows(),
      indexes: await this.indexer.describe(),
    };
  }

  async setEmbedder(model: string, dimension: number): Promise<void> {
    this.assertOpen();
    if (typeof model !== 'string' || model.trim() === '') throw new StoreError('setEmbedder: model must be a non-empty string', 'other');
    if (!Number.isInteger(dimension) || dimension < 1) throw new StoreError('setEmbedder: dimension must be a positive integer', 'other');
    await this.shared.writes.run(async () => {
      const rows = await this.shared.rows();
      const { embedder } = this.shared.identity;
      if (rows > 0 && this.shared.tableDimension !== dimension) {
        throw new StoreError(
          `This database holds ${rows} vectors of dimension ${this.shared.tableDimension}` +
            `${embedder ? ` made by ${embedder}` : ''}; embedder ${model} makes dimension ${dimension}. ` +
            'Use the original embedder, or delete the database contents and process the files again.',
          'dimension_mismatch',
        );
      }
      if (rows > 0 && embedder && embedder !== model) {
        throw new StoreError(
          `This database was built with embedder ${embedder}; refusing to mix in vectors from ${model}. ` +
            'Use the original embedder, or delete the database contents and process the files again.',
          'embedder_mismatch',
        );
      }
      if (rows === 0 && this.shared.table && this.shared.tableDimension !== dimension) {
        // An emptied table still has the old vector width in its schema: start afresh.
        await this.indexer.pause();
        await this.shared.dropData();
        this.indexer.reset();
        this.indexer.resume();
      }
      this.shared.identity = { embedder: model, dimension };
      await writeIdentity(this.shared.dir, this.shared.identity);
    });
  }

  async *readRows(): AsyncIterable<StoredRow> {
    this.assertOpen();
    const table = this.shared.table;
    if (!table) return;
    for await (const batch of table.query().select(COLUMNS)) {
      for (const row of batch.toArray() as unknown as Row[]) yield { id: row.id, text: row.text, metadata: parseMetadata(row.metadata) };
    }
  }

  /** Changes with every write or delete (also another process's), not with this process's index maintenance. */
  async dataVersion(): Promise<string> {
    this.assertOpen();
    return this.shared.dataVersion();
  }

  /** Waits until no background index job is running or due (tests, benchmarks, orderly shutdown). */
  async settle(): Promise<void> {
    this.assertOpen();
    await this.indexer.idle();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await releaseTable(this.shared, async () => {
      await this.indexer.pause();
      indexers.delete(this.shared);
    });
  }
}
