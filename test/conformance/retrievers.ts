/**
 * The retrieval strategy conformance suite: every `RetrievalStrategy` (each config type, legacy names too) must
 * pass it, on real documents stored in a real store. It only uses the `RetrievalStrategy` interface.
 *
 *   const corpus = await buildCorpus(store, embedder, files);
 *   retrieverConformance('BasicSimilarityStrategy', () => createRetrievalStrategy('BasicSimilarityStrategy'), () => corpus);
 *
 * What every strategy promises (decision 0006): at most `topK` hits, unique ids, scores in [0, 1] and best first,
 * hits that are stored chunks (same id and text), the request's metadata filter honoured by every hit, the
 * same answer twice for the same question, nothing from an empty store, and — for a query made of a chunk's
 * own sentence — that chunk among the first three.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { matchesFilter } from '../../src/adapters/stores/filter.js';
import type { Hit, MetadataFilter, StoredChunk, VectorStore } from '../../src/adapters/stores/types.js';
import type { Embedder } from '../../src/adapters/embedders/types.js';
import type { RetrievalContext, RetrievalStrategy } from '../../src/adapters/retrievers/types.js';

export interface Corpus {
  store: VectorStore;
  emptyStore: VectorStore;
  embedder: Embedder;
  chunks: StoredChunk[];
}

/** Paragraph chunks of about `size` characters (blank-line separated paragraphs merged up to the size). */
export function paragraphChunks(text: string, size = 700): string[] {
  const out: string[] = [];
  let cur = '';
  for (const para of text.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean)) {
    if (cur && cur.length + para.length + 2 > size) {
      out.push(cur);
      cur = '';
    }
    cur = cur ? `${cur}\n\n${para}` : para;
  }
  if (cur) out.push(cur);
  return out;
}

/** Reads, chunks, embeds and stores the files; metadata: source, file_hash, chunk_index, dataset, kind. */
export async function buildCorpus(store: VectorStore, emptyStore: VectorStore, embedder: Embedder, files: string[]): Promise<Corpus> {
  const chunks: StoredChunk[] = [];
  for (const [f, path] of files.entries()) {
    const pieces = paragraphChunks(await readFile(path, 'utf8'));
    const vectors = await embedder.embed(pieces);
    const hash = `${String(f).padStart(2, '0')}${'ab'.repeat(31)}`;
    pieces.forEach((text, i) =>
      chunks.push({
        id: `${hash.slice(0, 16)}_${String(i).padStart(4, '0')}`,
        text,
        vector: vectors[i],
        metadata: { source: basename(path), file_hash: hash, chunk_index: i, dataset: f % 2 === 0 ? 'even' : 'odd', kind: path.endsWith('.md') ? 'markdown' : 'text' },
      }),
    );
  }
  await store.upsert(chunks);
  return { store, emptyStore, embedder, chunks };
}

/** A context over the corpus: embeddings through the embedder, optional extras (filter, hints, hooks). */
export function contextFor(corpus: Corpus, query: string, topK: number, extra: Partial<RetrievalContext> = {}): RetrievalContext {
  return { store: corpus.store, query, topK, hints: {}, embed: (texts) => corpus.embedder.embed(texts), ...extra };
}

/** The first sentence of a chunk long enough to identify it. */
export function sentenceOf(text: string): string {
  const sentences = text.replace(/\s+/g, ' ').split(/(?<=[.!?])\s+/).filter((s) => s.split(' ').length >= 6);
  return (sentences[0] ?? text.slice(0, 120)).slice(0, 200);
}

export interface ConformanceOptions {
  /** Extra context fields every call gets (reranker resolver, variation hook). */
  extra?: Partial<RetrievalContext>;
  /** Skip the "finds its own sentence" check (strategies that do not rank by relevance). */
  noRelevance?: boolean;
}

export function retrieverConformance(label: string, make: () => RetrievalStrategy, corpus: () => Corpus, o: ConformanceOptions = {}): void {
  const ctx = (query: string, topK: number, extra: Partial<RetrievalContext> = {}) => contextFor(corpus(), query, topK, { ...o.extra, ...extra });
  const check = (hits: Hit[], topK: number) => {
    assert.ok(hits.length <= topK, `${hits.length} hits for topK ${topK}`);
    assert.equal(new Set(hits.map((h) => h.id)).size, hits.length, 'ids are unique');
    const stored = new Map(corpus().chunks.map((c) => [c.id, c]));
    hits.forEach((h, i) => {
      assert.ok(Number.isFinite(h.score) && h.score >= 0 && h.score <= 1, `score ${h.score} of ${h.id} is in [0, 1]`);
      if (i > 0) assert.ok(h.score <= hits[i - 1].score + 1e-12, `hit ${i} (${h.score}) is not better than hit ${i - 1} (${hits[i - 1].score})`);
      const chunk = stored.get(h.id);
      assert.ok(chunk, `${h.id} is a stored chunk`);
      assert.equal(h.text, chunk.text);
      assert.equal(h.metadata.source, chunk.metadata.source, 'stored metadata is kept');
    });
  };

  describe(`RetrievalStrategy conformance: ${label}`, () => {
    test('hits: at most topK, unique, stored chunks, scores in [0, 1], best first', async () => {
      for (const topK of [1, 3, 8]) {
        const hits = await make().retrieve(ctx('How do I reset my password when the email never arrives?', topK));
        check(hits, topK);
        assert.ok(hits.length > 0, `topK ${topK}: something is found`);
      }
    });

    if (!o.noRelevance) {
      test("a chunk's own sentence finds that chunk among the first three", async () => {
        const c = corpus();
        const targets = [c.chunks[1], c.chunks[Math.floor(c.chunks.length / 2)], c.chunks[c.chunks.length - 2]];
        for (const target of targets) {
          const hits = await make().retrieve(ctx(sentenceOf(target.text), 5));
          check(hits, 5);
          assert.ok(hits.slice(0, 3).some((h) => h.id === target.id), `"${sentenceOf(target.text)}" → ${hits.map((h) => h.id).join(', ')} (wanted ${target.id})`);
        }
      });
    }

    test("the request's metadata filter holds for every hit (equality and operators)", async () => {
      const filters: MetadataFilter[] = [{ dataset: 'odd' }, { kind: { $ne: 'markdown' } }, { chunk_index: { $gte: 1, $lt: 4 } }, { source: { $in: [corpus().chunks[0].metadata.source as string] } }];
      for (const filter of filters) {
        const hits = await make().retrieve(ctx('machine learning models and training data', 5, { filter }));
        check(hits, 5);
        assert.ok(hits.length > 0, `filter ${JSON.stringify(filter)} leaves something`);
        for (const h of hits) assert.ok(matchesFilter(h.metadata, filter), `${h.id} ${JSON.stringify(h.metadata)} fails ${JSON.stringify(filter)}`);
      }
    });

    test('the same question twice gives the same answer', async () => {
      const a = await make().retrieve(ctx('transformer attention layers', 5));
      const b = await make().retrieve(ctx('transformer attention layers', 5));
      assert.deepEqual(b.map((h) => [h.id, h.score]), a.map((h) => [h.id, h.score]));
    });

    test('an empty store gives nothing', async () => {
      const hits = await make().retrieve(ctx('anything at all about llamas', 5, { store: corpus().emptyStore }));
      assert.deepEqual(hits, []);
    });
  });
}
