/**
 * `ChromaStore` (the original's default store type): chunks in a Chroma collection through the chromadb client,
 * against a Chroma server (`host`/`port`/`ssl`) or, without `host`, a local server of the chromadb package
 * (local-server.ts). One collection per database (config.ts); the collection's metadata remembers the vector
 * dimension and embedder (`lf_dimension`, `lf_embedder`).
 *
 * - metadata: full JSON plus promoted scalars; filters pre-filter in Chroma and are checked here (metadata.ts);
 * - full text: Chroma has no ranked keyword search; candidates by `$regex`, BM25 here (lexical.ts);
 * - hybrid: reciprocal-rank fusion of the vector and the lexical list (../fusion.ts);
 * - scores (decision 0006): cosine 1 − d/2 = (1 + cos)/2; ip 1 − d/2 = (1 + dot)/2; l2 (squared) 1 − d/4, which
 *   is (1 + cos)/2 for unit vectors; all clamped to [0, 1].
 * Upserts are serialised per collection in this process; `stored`/`skipped` come from a look-up of the ids
 * before the write, so two processes writing the same new ids at once may both count them as stored.
 */
import { ChromaClient, type Collection, type Metadata, type Where } from 'chromadb';
import { bm25ToScore, checkBatch, checkVector, firstOfEachId } from '../checks.js';
import { matchesClauses, parseFilter, type FilterClause } from '../filter.js';
import { fuseByRank } from '../fusion.js';
import { StoreError, type Hit, type MetadataFilter, type SearchQuery, type StoreDescription, type StoredChunk, type VectorStore } from '../types.js';
import type { ChromaStoreOptions } from './config.js';
import { distanceOf, scoreOf } from './distance.js';
import { isNotFound, toStoreError } from './errors.js';
import { anyWordRegex, bm25Scores, queryTerms } from './lexical.js';
import { acquireLocalServer, releaseLocalServer, type LocalServer } from './local-server.js';
import { fromChromaMetadata, supersetWhere, toChromaMetadata } from './metadata.js';
import { checkOutboundHost } from '../../../core/outbound.js';

const MAX_TOP_K = 10_000;
/** Records per `get` page when scanning (count/delete with a filter, exact search). */
const PAGE = 1000;
/** When a filter is checked here, ask Chroma for this many times more, and again, until enough pass. */
const OVERFETCH = 4;

/** Runs async jobs one at a time, in order. */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job, job);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
const writeQueues = new Map<string, SerialQueue>();

interface Row {
  id: string;
  text: string;
  metadata: Record<string, unknown>;
  distance?: number;
}

function dimensionOf(meta: Metadata | undefined | null): number {
  const d = meta?.lf_dimension;
  return typeof d === 'number' && Number.isInteger(d) && d > 0 ? d : 0;
}

export class ChromaStore implements VectorStore {
  readonly type = 'ChromaStore';
  private closed = false;
  /** Undefined until the collection exists (it is created by the first write or `setEmbedder`). */
  private collection: Collection | undefined;

  private constructor(
    private readonly client: ChromaClient,
    private readonly opts: ChromaStoreOptions,
    private readonly where: string,
    private readonly writes: SerialQueue,
    private readonly local: LocalServer | undefined,
  ) {}

  /** Connects (starting a local server when no host is configured) and opens the collection if it exists. */
  static async open(opts: ChromaStoreOptions): Promise<ChromaStore> {
    const local = opts.server ? undefined : await acquireLocalServer(opts.dir);
    const server = opts.server ?? { host: (local as LocalServer).host, port: (local as LocalServer).port, ssl: false };
    const where = `${server.ssl ? 'https' : 'http'}://${server.host}:${server.port}`;
    try {
      // Configured hosts obey the outbound rules (decision 0112); the driver's own fetch cannot take our lookup.
      if (opts.server) await checkOutboundHost(server.host);
      const client = new ChromaClient({ ...server, tenant: opts.tenant, database: opts.chromaDatabase, headers: opts.headers });
      await client.heartbeat();
      const key = `${where}\u0000${opts.tenant ?? ''}\u0000${opts.chromaDatabase ?? ''}\u0000${opts.collection}`;
      let writes = writeQueues.get(key);
      if (!writes) writeQueues.set(key, (writes = new SerialQueue()));
      const store = new ChromaStore(client, opts, where, writes, local);
      await store.loadCollection();
      return store;
    } catch (err) {
      if (local) await releaseLocalServer(local);
      throw toStoreError(err, where);
    }
  }

  /** The collection's name (for logs and tests). */
  get collectionName(): string {
    return this.opts.collection;
  }

  private async guard<T>(op: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreError('ChromaStore is closed', 'other');
    try {
      return await op();
    } catch (err) {
      throw toStoreError(err, this.where);
    }
  }

  /** Looks the collection up by name (fresh metadata; undefined when it does not exist). */
  private async loadCollection(): Promise<Collection | undefined> {
    try {
      this.collection = await this.client.getCollection({ name: this.opts.collection });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.collection = undefined;
    }
    return this.collection;
  }

  private async createCollection(metadata: Metadata): Promise<Collection> {
    this.collection = await this.client.getOrCreateCollection({
      name: this.opts.collection,
      embeddingFunction: null,
      configuration: { hnsw: { space: this.opts.space } },
      metadata,
    });
    return this.collection;
  }

  /**
   * Runs a read on the collection; none → `empty`. When the collection vanished under us (dropped, perhaps
   * re-created, by another store or process) it is looked up by name again, once.
   */
  private async read<T>(empty: T, op: (c: Collection) => Promise<T>): Promise<T> {
    return this.guard(async () => {
      const col = this.collection ?? (await this.loadCollection());
      if (!col) return empty;
      try {
        return await op(col);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        const again = await this.loadCollection();
        return again ? op(again) : empty;
      }
    });
  }

  /** The vector dimension the collection holds: remembered in its metadata, else read off one record. */
  private async storedDimension(col: Collection | undefined): Promise<number> {
    if (!col) return 0;
    const remembered = dimensionOf(col.metadata);
    if (remembered) return remembered;
    const one = await col.get({ limit: 1, include: ['embeddings'] });
    return one.embeddings[0]?.length ?? 0;
  }

  async upsert(chunks: StoredChunk[]): Promise<{ stored: number; skipped: number }> {
    return this.guard(() =>
      this.writes.run(async () => {
        if (!Array.isArray(chunks)) throw new StoreError('upsert expects an array of chunks', 'other');
        if (chunks.length === 0) return { stored: 0, skipped: 0 };
        let col = await this.loadCollection();
        const dimension = checkBatch(chunks, (await this.storedDimension(col)) || undefined);
        const { unique, repeats } = firstOfEachId(chunks);
        col ??= await this.createCollection({ lf_dimension: dimension });
        const batchSize = await this.client.getMaxBatchSize();
        let existing = 0;
        for (let i = 0; i < unique.length; i += batchSize) {
          const batch = unique.slice(i, i + batchSize);
          existing += (await col.get({ ids: batch.map((c) => c.id), include: [] })).ids.length;
        }
        for (let i = 0; i < unique.length; i += batchSize) {
          const batch = unique.slice(i, i + batchSize);
          await col.upsert({
            ids: batch.map((c) => c.id),
            embeddings: batch.map((c) => Array.from(c.vector)),
            documents: batch.map((c) => c.text),
            metadatas: batch.map((c) => toChromaMetadata(c.metadata)),
          });
        }
        return { stored: unique.length - existing, skipped: repeats + existing };
      }),
    );
  }

  async search(q: SearchQuery): Promise<Hit[]> {
    if (!q || typeof q !== 'object') throw new StoreError('search expects a query object', 'other');
    if (!Number.isInteger(q.topK) || q.topK < 0) throw new StoreError('search: topK must be a non-negative integer', 'other');
    const text = typeof q.text === 'string' && q.text.trim() !== '' ? q.text.trim() : undefined;
    if (q.vector === undefined && text === undefined) throw new StoreError('search needs a vector, a text, or both', 'other');
    if (q.vector !== undefined) checkVector(q.vector, dimensionOf(this.collection?.metadata) || undefined, 'query');
    const clauses = parseFilter(q.filter);
    const topK = Math.min(q.topK, MAX_TOP_K);
    if (topK === 0) return [];
    const vector = q.vector;
    return this.read<Hit[]>([], async (col) => {
      if (vector && text) {
        const candidates = Math.min(MAX_TOP_K, topK * 2);
        const lists = [await this.vectorHits(col, vector, clauses, candidates, q.exact), await this.textHits(col, text, clauses, candidates)];
        return fuseByRank(lists, topK);
      }
      return vector ? this.vectorHits(col, vector, clauses, topK, q.exact) : this.textHits(col, text as string, clauses, topK);
    });
  }

  private toHit(row: Row): Hit {
    const distance = row.distance ?? Infinity;
    return { id: row.id, text: row.text, metadata: row.metadata, score: scoreOf(this.opts.space, distance), distance: row.distance };
  }

  private async vectorHits(col: Collection, vector: Float32Array, clauses: readonly FilterClause[], limit: number, exact = false): Promise<Hit[]> {
    if (exact) return this.exactVectorHits(col, vector, clauses, limit);
    const where = supersetWhere(clauses);
    let n = clauses.length > 0 ? limit * OVERFETCH : limit;
    for (;;) {
      const res = await col.query({ queryEmbeddings: [Array.from(vector)], nResults: n, where, include: ['documents', 'metadatas', 'distances'] });
      const ids = res.ids[0] ?? [];
      const hits: Hit[] = [];
      for (let i = 0; i < ids.length && hits.length < limit; i++) {
        const metadata = fromChromaMetadata(res.metadatas[0]?.[i]);
        if (!matchesClauses(metadata, clauses)) continue;
        hits.push(this.toHit({ id: ids[i], text: res.documents[0]?.[i] ?? '', metadata, distance: res.distances[0]?.[i] ?? undefined }));
      }
      if (hits.length >= limit || ids.length < n || n >= MAX_TOP_K * OVERFETCH) return hits;
      n *= OVERFETCH;
    }
  }

  /** Every matching record compared here: no ANN index involved (`SearchQuery.exact`). */
  private async exactVectorHits(col: Collection, vector: Float32Array, clauses: readonly FilterClause[], limit: number): Promise<Hit[]> {
    const rows: Row[] = [];
    await this.scan(col, clauses, ['documents', 'metadatas', 'embeddings'], (row, embedding) => {
      rows.push({ ...row, distance: distanceOf(this.opts.space, vector, embedding ?? []) });
    });
    rows.sort((a, b) => (a.distance ?? 0) - (b.distance ?? 0));
    return rows.slice(0, limit).map((r) => this.toHit(r));
  }

  private async textHits(col: Collection, text: string, clauses: readonly FilterClause[], limit: number): Promise<Hit[]> {
    const terms = queryTerms(text);
    if (terms.length === 0) return [];
    const res = await col.get({
      where: supersetWhere(clauses),
      whereDocument: { $regex: anyWordRegex(terms) },
      include: ['documents', 'metadatas'],
      limit: this.opts.lexicalCandidates,
    });
    const docs = res.documents.map((d) => d ?? '');
    const scores = bm25Scores(terms, docs, await col.count());
    const hits: Hit[] = [];
    res.ids.forEach((id, i) => {
      const metadata = fromChromaMetadata(res.metadatas[i]);
      if (scores[i] > 0 && matchesClauses(metadata, clauses)) hits.push({ id, text: docs[i], metadata, score: bm25ToScore(scores[i]) });
    });
    return hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).slice(0, limit);
  }

  /** Calls `each` for every record matching `clauses` (pre-filtered by Chroma, checked here), page by page. */
  private async scan(
    col: Collection,
    clauses: readonly FilterClause[],
    include: ('documents' | 'metadatas' | 'embeddings')[],
    each: (row: Row, embedding?: number[]) => void,
  ): Promise<void> {
    const where: Where | undefined = supersetWhere(clauses);
    const fields = [...new Set([...include, 'metadatas' as const])];
    for (let offset = 0; ; offset += PAGE) {
      const page = await col.get({ where, include: fields, limit: PAGE, offset });
      page.ids.forEach((id, i) => {
        const metadata = fromChromaMetadata(page.metadatas[i]);
        if (matchesClauses(metadata, clauses)) each({ id, text: page.documents[i] ?? '', metadata }, page.embeddings[i]);
      });
      if (page.ids.length < PAGE) return;
    }
  }

  async count(filter?: MetadataFilter): Promise<number> {
    const clauses = parseFilter(filter);
    return this.read(0, async (col) => {
      if (clauses.length === 0) return col.count();
      let n = 0;
      await this.scan(col, clauses, [], () => n++);
      return n;
    });
  }

  async deleteWhere(filter: MetadataFilter): Promise<number> {
    const clauses = parseFilter(filter);
    if (clauses.length === 0) throw new StoreError('deleteWhere needs at least one condition (use drop() to remove everything)', 'invalid_filter');
    return this.guard(() =>
      this.writes.run(() =>
        this.read(0, async (col) => {
          const ids: string[] = [];
          await this.scan(col, clauses, [], (row) => ids.push(row.id));
          const batchSize = await this.client.getMaxBatchSize();
          let deleted = 0;
          for (let i = 0; i < ids.length; i += batchSize) {
            const batch = ids.slice(i, i + batchSize);
            deleted += (await col.delete({ ids: batch })).deleted ?? batch.length;
          }
          return deleted;
        }),
      ),
    );
  }

  async drop(): Promise<void> {
    await this.guard(() =>
      this.writes.run(async () => {
        try {
          await this.client.deleteCollection({ name: this.opts.collection });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        this.collection = undefined;
      }),
    );
  }

  async describe(): Promise<StoreDescription> {
    return this.guard(async () => {
      const col = await this.loadCollection();
      const embedder = col?.metadata?.lf_embedder;
      return {
        type: this.type,
        dimension: await this.storedDimension(col),
        ...(typeof embedder === 'string' && embedder ? { embedder } : {}),
        rows: col ? await col.count() : 0,
        indexes: { vector: 'HNSW', fullText: 'LEXICAL' },
      };
    });
  }

  async setEmbedder(model: string, dimension: number): Promise<void> {
    if (typeof model !== 'string' || model.trim() === '') throw new StoreError('setEmbedder: model must be a non-empty string', 'other');
    if (!Number.isInteger(dimension) || dimension < 1) throw new StoreError('setEmbedder: dimension must be a positive integer', 'other');
    await this.guard(() =>
      this.writes.run(async () => {
        let col = await this.loadCollection();
        const rows = col ? await col.count() : 0;
        const stored = await this.storedDimension(col);
        const embedder = col?.metadata?.lf_embedder;
        if (rows > 0 && stored !== dimension) {
          throw new StoreError(
            `This database holds ${rows} vectors of dimension ${stored}${typeof embedder === 'string' ? ` made by ${embedder}` : ''}; ` +
              `embedder ${model} makes dimension ${dimension}. Use the original embedder, or delete the database contents and process the files again.`,
            'dimension_mismatch',
          );
        }
        if (rows > 0 && typeof embedder === 'string' && embedder && embedder !== model) {
          throw new StoreError(
            `This database was built with embedder ${embedder}; refusing to mix in vectors from ${model}. ` +
              'Use the original embedder, or delete the database contents and process the files again.',
            'embedder_mismatch',
          );
        }
        const identity = { lf_embedder: model, lf_dimension: dimension };
        if (col && rows === 0 && stored !== 0 && stored !== dimension) {
          // An emptied collection keeps its vector width in Chroma: start afresh.
          await this.client.deleteCollection({ name: this.opts.collection });
          col = undefined;
        }
        col ??= await this.createCollection(identity);
        if (col.metadata?.lf_embedder !== model || dimensionOf(col.metadata) !== dimension) {
          await col.modify({ metadata: { ...(col.metadata ?? {}), ...identity } });
        }
        await this.loadCollection();
      }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.local) await releaseLocalServer(this.local);
  }
}
