/**
 * `PGVectorStore`: chunks in Postgres with pgvector, through `pg`. One table per database (see config.ts for the
 * name) with `id` (primary key; upsert = INSERT … ON CONFLICT), `text`, `embedding vector(dim)` under an HNSW
 * cosine index, `metadata jsonb` (GIN index; filters per ../filter.ts, see sql.ts) and a generated `tsv` tsvector
 * column (GIN index) for full-text search. The embedder identity lives in the schema's `lf_store_meta` table.
 *
 * Nothing is cached between calls except the pool: the database is the truth, so several processes (the
 * scale-out setup) can share a table. Creating and dropping the table run under an advisory lock on its name.
 *
 * Scores (decision 0006): vector (1 + cos) / 2; full text Postgres `ts_rank` (all weights 1, normalised r/(r+1));
 * both: reciprocal-rank fusion of the two lists (../fusion.ts).
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { checkBatch, checkVector, clamp01, cosineDistanceToScore, firstOfEachId } from '../checks.js';
import { parseFilter, type FilterClause } from '../filter.js';
import { fuseByRank } from '../fusion.js';
import { StoreError, type Hit, type MetadataFilter, type SearchQuery, type StoreDescription, type StoredChunk, type VectorStore } from '../types.js';
import type { PGVectorStoreOptions } from './config.js';
import { acquirePool, inTransaction, PG, pgCode, releasePool, toStoreError, type SharedPool } from './pool.js';
import { createMetaTableSql, createTableSql, metadataJson, orQuery, Params, tableNames, vectorLiteral, whereOf, withoutNul, type TableNames } from './sql.js';

/** Largest `topK` served (as in LanceDBStore). */
const MAX_TOP_K = 10_000;
/** Rows per INSERT statement inside one upsert transaction. */
const INSERT_BATCH = 500;
/** pgvector's default and maximum `hnsw.ef_search`. */
const EF_SEARCH_MIN = 40;
const EF_SEARCH_MAX = 1000;

interface TableState {
  exists: boolean;
  /** The `embedding` column's dimension (0 when there is no table). */
  tableDimension: number;
  embedder?: string;
  identityDimension?: number;
  hasHnsw: boolean;
}

interface Row {
  id: string;
  text: string;
  metadata: Record<string, unknown> | null;
  distance?: number;
  rank?: number;
}

type Queryable = pg.Pool | pg.PoolClient;

export class PGVectorStore implements VectorStore {
  readonly type = 'PGVectorStore';
  private closed = false;

  private constructor(
    private readonly shared: SharedPool,
    private readonly names: TableNames,
    private readonly opts: PGVectorStoreOptions,
  ) {}

  /** Connects (sharing the pool), makes sure pgvector and `lf_store_meta` exist; the chunk table comes with the first write. */
  static async open(opts: PGVectorStoreOptions): Promise<PGVectorStore> {
    const shared = await acquirePool(opts.connectionString, opts.poolMax);
    const indexPrefix = `lf_${createHash('sha1').update(`${opts.schema}.${opts.table}`).digest('hex').slice(0, 16)}`;
    const names = tableNames(opts.schema, opts.table, indexPrefix);
    try {
      await inTransaction(shared.pool, async (c) => {
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`lf_store_meta:${opts.schema}`]);
        for (const sql of createMetaTableSql(names)) await c.query(sql);
      });
    } catch (err) {
      await releasePool(shared);
      throw toStoreError(err, opts.connectionString);
    }
    return new PGVectorStore(shared, names, opts);
  }

  /** The table this store writes (`"schema"."table"`), for logs and tests. */
  get tableName(): string {
    return this.names.table;
  }

  private get pool(): pg.Pool {
    return this.shared.pool;
  }

  /** Runs a store operation: refuses when closed, maps driver errors to StoreErrors. */
  private async guard<T>(op: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreError('PGVectorStore is closed', 'other');
    try {
      return await op();
    } catch (err) {
      throw toStoreError(err, this.opts.connectionString);
    }
  }

  /** Like `guard`, but a missing table (never written, or dropped meanwhile) answers `empty`. */
  private async read<T>(empty: T, op: () => Promise<T>): Promise<T> {
    return this.guard(async () => {
      try {
        return await op();
      } catch (err) {
        if (pgCode(err) === PG.undefinedTable) return empty;
        throw err;
      }
    });
  }

  private async state(db: Queryable = this.pool): Promise<TableState> {
    const { rows } = await db.query<{ table_dimension: number | null; embedder: string | null; dimension: number | null; has_hnsw: boolean }>(
      `SELECT (SELECT a.atttypmod FROM pg_attribute a
                WHERE a.attrelid = to_regclass($1::text) AND a.attname = 'embedding' AND NOT a.attisdropped) AS table_dimension,
              (SELECT m.embedder FROM ${this.names.meta} m WHERE m.table_name = $2) AS embedder,
              (SELECT m.dimension FROM ${this.names.meta} m WHERE m.table_name = $2) AS dimension,
              to_regclass($3::text) IS NOT NULL AS has_hnsw`,
      [this.names.regclass, this.names.name, `${this.names.schema}.${this.names.hnswIndex}`],
    );
    const r = rows[0];
    return {
      exists: r.table_dimension !== null,
      tableDimension: r.table_dimension ?? 0,
      embedder: r.embedder ?? undefined,
      identityDimension: r.dimension ?? undefined,
      hasHnsw: r.has_hnsw,
    };
  }

  /** Serialises table creation and removal across processes (transaction-scoped advisory lock). */
  private async lockTable(c: pg.PoolClient): Promise<void> {
    await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`lf_table:${this.names.regclass}`]);
  }

  private async createTable(c: pg.PoolClient, dimension: number): Promise<void> {
    await this.lockTable(c);
    const layout = { dimension, textSearchConfig: this.opts.textSearchConfig, hnswM: this.opts.hnswM, hnswEfConstruction: this.opts.hnswEfConstruction };
    for (const sql of createTableSql(this.names, layout)) await c.query(sql);
  }

  async upsert(chunks: StoredChunk[]): Promise<{ stored: number; skipped: number }> {
    return this.guard(async () => {
      if (!Array.isArray(chunks)) throw new StoreError('upsert expects an array of chunks', 'other');
      if (chunks.length === 0) return { stored: 0, skipped: 0 };
      const st = await this.state();
      const dimension = checkBatch(chunks, st.tableDimension || st.identityDimension || undefined);
      const { unique, repeats } = firstOfEachId(chunks);
      const write = () =>
        inTransaction(this.pool, async (c) => {
          if (!st.exists) await this.createTable(c, dimension);
          let inserted = 0;
          for (let i = 0; i < unique.length; i += INSERT_BATCH) inserted += await this.insertBatch(c, unique.slice(i, i + INSERT_BATCH));
          return inserted;
        });
      let stored: number;
      try {
        stored = await write();
      } catch (err) {
        // The table was dropped by someone else between our look and our write: create it afresh, once.
        if (pgCode(err) !== PG.undefinedTable) throw err;
        st.exists = false;
        stored = await write();
      }
      return { stored, skipped: repeats + unique.length - stored };
    });
  }

  /** Inserts or replaces rows; returns how many ids were new (`xmax = 0` marks a row that was inserted). */
  private async insertBatch(c: pg.PoolClient, batch: StoredChunk[]): Promise<number> {
    const { rows } = await c.query<{ inserted: boolean }>(
      `INSERT INTO ${this.names.table} (id, text, embedding, metadata)
       SELECT u.id, u.text, u.embedding::vector, u.metadata::jsonb
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(id, text, embedding, metadata)
       ON CONFLICT (id) DO UPDATE SET text = EXCLUDED.text, embedding = EXCLUDED.embedding, metadata = EXCLUDED.metadata
       RETURNING (xmax = 0) AS inserted`,
      [
        batch.map((ch) => withoutNul(ch.id)),
        batch.map((ch) => withoutNul(ch.text)),
        batch.map((ch) => vectorLiteral(ch.vector)),
        batch.map((ch) => metadataJson(ch.metadata)),
      ],
    );
    return rows.filter((r) => r.inserted).length;
  }

  async search(q: SearchQuery): Promise<Hit[]> {
    return this.read<Hit[]>([], async () => {
      if (!q || typeof q !== 'object') throw new StoreError('search expects a query object', 'other');
      if (!Number.isInteger(q.topK) || q.topK < 0) throw new StoreError('search: topK must be a non-negative integer', 'other');
      const text = typeof q.text === 'string' && q.text.trim() !== '' ? q.text.trim() : undefined;
      if (q.vector === undefined && text === undefined) throw new StoreError('search needs a vector, a text, or both', 'other');
      if (q.vector !== undefined) checkVector(q.vector, undefined, 'query');
      const clauses = parseFilter(q.filter);
      const topK = Math.min(q.topK, MAX_TOP_K);
      if (topK === 0) return [];
      const vector = q.vector;
      if (vector && text) {
        const candidates = Math.min(MAX_TOP_K, topK * 2);
        const [byVector, byText] = [await this.vectorHits(vector, clauses, candidates, q.exact), await this.textHits(text, clauses, candidates)];
        return fuseByRank([byVector, byText], topK);
      }
      return vector ? this.vectorHits(vector, clauses, topK, q.exact) : this.textHits(text as string, clauses, topK);
    });
  }

  private async vectorHits(vector: Float32Array, clauses: readonly FilterClause[], limit: number, exact = false): Promise<Hit[]> {
    const p = new Params([vectorLiteral(vector)]);
    const where = whereOf(clauses, p);
    const [major, minor] = this.shared.vectorVersion;
    const iterative = major > 0 || minor >= 8;
    // Without iterative index scans (pgvector < 0.8) the HNSW index returns at most ef_search rows before the
    // filter runs, so filtered or large queries are answered exactly instead.
    const useIndex = !exact && (iterative || (where === undefined && limit <= EF_SEARCH_MAX));
    const order = useIndex ? 'embedding <=> $1::vector' : '(embedding <=> $1::vector) + 0';
    const sql =
      `SELECT id, text, metadata, embedding <=> $1::vector AS distance FROM ${this.names.table}` +
      `${where ? ` WHERE ${where}` : ''} ORDER BY ${order} LIMIT ${p.add(limit)}`;
    const rows = useIndex
      ? await inTransaction(this.pool, async (c) => {
          await c.query("SELECT set_config('hnsw.ef_search', $1, true)", [String(Math.min(EF_SEARCH_MAX, Math.max(EF_SEARCH_MIN, limit)))]);
          if (iterative) await c.query("SELECT set_config('hnsw.iterative_scan', 'strict_order', true)");
          return (await c.query<Row>(sql, p.values)).rows;
        })
      : (await this.pool.query<Row>(sql, p.values)).rows;
    return rows.map((r) => ({ id: r.id, text: r.text, metadata: r.metadata ?? {}, score: cosineDistanceToScore(r.distance ?? 2), distance: r.distance }));
  }

  private async textHits(text: string, clauses: readonly FilterClause[], limit: number): Promise<Hit[]> {
    const query = orQuery(text);
    if (query === undefined) return [];
    const p = new Params([this.opts.textSearchConfig, query]);
    const where = whereOf(clauses, p);
    const { rows } = await this.pool.query<Row>(
      `SELECT id, text, metadata, ts_rank('{1,1,1,1}', tsv, query, 32) AS rank
         FROM ${this.names.table}, to_tsquery($1::regconfig, $2::text) AS query
        WHERE tsv @@ query${where ? ` AND ${where}` : ''}
        ORDER BY rank DESC, id LIMIT ${p.add(limit)}`,
      p.values,
    );
    return rows.map((r) => ({ id: r.id, text: r.text, metadata: r.metadata ?? {}, score: clamp01(r.rank ?? 0) }));
  }

  async count(filter?: MetadataFilter): Promise<number> {
    const clauses = await this.guard(async () => parseFilter(filter));
    return this.read(0, async () => {
      const p = new Params();
      const where = whereOf(clauses, p);
      const { rows } = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.names.table}${where ? ` WHERE ${where}` : ''}`, p.values);
      return Number(rows[0].n);
    });
  }

  async deleteWhere(filter: MetadataFilter): Promise<number> {
    const clauses = await this.guard(async () => parseFilter(filter));
    if (clauses.length === 0) throw new StoreError('deleteWhere needs at least one condition (use drop() to remove everything)', 'invalid_filter');
    return this.read(0, async () => {
      const p = new Params();
      const where = whereOf(clauses, p) as string;
      return (await this.pool.query(`DELETE FROM ${this.names.table} WHERE ${where}`, p.values)).rowCount ?? 0;
    });
  }

  async drop(): Promise<void> {
    await this.guard(() =>
      inTransaction(this.pool, async (c) => {
        await this.lockTable(c);
        await c.query(`DROP TABLE IF EXISTS ${this.names.table}`);
        await c.query(`DELETE FROM ${this.names.meta} WHERE table_name = $1`, [this.names.name]);
      }),
    );
  }

  async describe(): Promise<StoreDescription> {
    return this.guard(async () => {
      const st = await this.state();
      const rows = st.exists ? await this.count() : 0;
      return {
        type: this.type,
        dimension: st.tableDimension || st.identityDimension || 0,
        ...(st.embedder ? { embedder: st.embedder } : {}),
        rows,
        indexes: { vector: st.hasHnsw ? 'HNSW' : 'FLAT', fullText: st.exists ? 'TSVECTOR' : 'none' },
      };
    });
  }

  async setEmbedder(model: string, dimension: number): Promise<void> {
    await this.guard(async () => {
      if (typeof model !== 'string' || model.trim() === '') throw new StoreError('setEmbedder: model must be a non-empty string', 'other');
      if (!Number.isInteger(dimension) || dimension < 1) throw new StoreError('setEmbedder: dimension must be a positive integer', 'other');
      await inTransaction(this.pool, async (c) => {
        await this.lockTable(c);
        const st = await this.state(c);
        const rows = st.exists ? Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.names.table}`)).rows[0].n) : 0;
        if (rows > 0 && st.tableDimension !== dimension) {
          throw new StoreError(
            `This database holds ${rows} vectors of dimension ${st.tableDimension}${st.embedder ? ` made by ${st.embedder}` : ''}; ` +
              `embedder ${model} makes dimension ${dimension}. Use the original embedder, or delete the database contents and process the files again.`,
            'dimension_mismatch',
          );
        }
        if (rows > 0 && st.embedder && st.embedder !== model) {
          throw new StoreError(
            `This database was built with embedder ${st.embedder}; refusing to mix in vectors from ${model}. ` +
              'Use the original embedder, or delete the database contents and process the files again.',
            'embedder_mismatch',
          );
        }
        // An emptied table still has the old vector width: start afresh.
        if (rows === 0 && st.exists && st.tableDimension !== dimension) await c.query(`DROP TABLE IF EXISTS ${this.names.table}`);
        await c.query(
          `INSERT INTO ${this.names.meta} (table_name, embedder, dimension, updated_at) VALUES ($1, $2, $3, now())
           ON CONFLICT (table_name) DO UPDATE SET embedder = EXCLUDED.embedder, dimension = EXCLUDED.dimension, updated_at = now()`,
          [this.names.name, model, dimension],
        );
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await releasePool(this.shared);
  }
}
