/**
 * The lexical engine (src/adapters/retrievers/lexical): BM25 on fractional term frequencies, document expansion by
 * nearest neighbours, character 3-grams, lexical units, and the per-store index cache on a real LanceDB store
 * (rebuilt after a write, restricted by a metadata filter).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import type { VectorStore } from '../../src/adapters/stores/types.js';
import { createStore } from '../../src/adapters/stores/registry.js';
import { createEmbedder } from '../../src/adapters/embedders/registry.js';
import { charTrigrams, wordTerms } from '../../src/adapters/retrievers/lexical/analyzer.js';
import { Bm25Index } from '../../src/adapters/retrievers/lexical/bm25-index.js';
import { expandByNeighbours } from '../../src/adapters/retrievers/lexical/expansion.js';
import { buildUnits, titleOf } from '../../src/adapters/retrievers/lexical/units.js';
import { DEFAULT_LEXICAL, LexicalIndex, type LexicalOptions } from '../../src/adapters/retrievers/lexical/lexical-index.js';
import { DEFAULT_MAX_LEXICAL_ROWS, lexicalIndexFor, maxLexicalRows } from '../../src/adapters/retrievers/lexical/cache.js';
import { readLexical } from '../../src/adapters/retrievers/lexical/config.js';
import { StrategyConfigError } from '../../src/adapters/retrievers/types.js';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} ≠ ${b}`);
const tf = (o: Record<string, number>) => new Map(Object.entries(o));
const NO_EXPANSION: LexicalOptions = { ...DEFAULT_LEXICAL, expansion: { ...DEFAULT_LEXICAL.expansion, neighbours: 0 }, charNgrams: 0, titleContext: false, wholeDocument: 1 };

describe('analyzer', () => {
  test('words are stop-word filtered and Porter-stemmed; char 3-grams pad each content word', () => {
    assert.deepEqual(wordTerms('The studies of running cats'), ['studi', 'run', 'cat']);
    assert.deepEqual(charTrigrams('the cat'), ['<ca', 'cat', 'at>']);
  });
});

describe('Bm25Index', () => {
  // N = 3, lengths 3, 1, 1 (avg 5/3); "a" is in 2 documents: idf = ln(1 + 1.5 / 2.5) = ln 1.6.
  const index = new Bm25Index([tf({ a: 2, b: 1 }), tf({ a: 1 }), tf({ c: 1 })], { k1: 1.2, b: 0.75 });

  test('scores by hand: idf · tf · (k1 + 1) / (tf + k1 · (1 − b + b · len / avglen))', () => {
    const hits = index.search(tf({ a: 1 }), 10);
    assert.deepEqual(hits.map((h) => h.doc), [1, 0], 'the short document wins despite fewer occurrences');
    close(hits[0]!.score, (Math.log(1.6) * 2.2) / (1 + 1.2 * (0.25 + 0.75 * 0.6)));
    close(hits[1]!.score, (Math.log(1.6) * 2 * 2.2) / (2 + 1.2 * (0.25 + 0.75 * 1.8)));
    close(index.idf('c'), Math.log(1 + 2.5 / 1.5));
    assert.equal(index.idf('zzz'), 0);
  });

  test('query weights multiply, k limits, allow filters, unknown terms are ignored', () => {
    const once = index.search(tf({ a: 1 }), 10);
    const twice = index.search(tf({ a: 2, zzz: 5 }), 10);
    close(twice[0]!.score, 2 * once[0]!.score);
    assert.equal(index.search(tf({ a: 1 }), 1).length, 1);
    assert.deepEqual(index.search(tf({ a: 1 }), 10, (d) => d !== 1).map((h) => h.doc), [0]);
    assert.deepEqual(index.search(tf({ a: 1 }), 0), []);
  });

  test('fractional frequencies count as they are, also in document length', () => {
    const frac = new Bm25Index([tf({ a: 0.5 }), tf({ b: 1.5 })], { k1: 1.2, b: 0.75 });
    // avg length 1; doc 0 has length 0.5: norm = 1.2 · (0.25 + 0.75 · 0.5)
    close(frac.search(tf({ a: 1 }), 1)[0]!.score, (Math.log(1 + 1.5 / 1.5) * 0.5 * 2.2) / (0.5 + 1.2 * (0.25 + 0.375)));
  });
});

describe('expandByNeighbours', () => {
  test('a document borrows its nearest neighbour’s terms fractionally; a document with no neighbour is unchanged', () => {
    const docs = [tf({ x: 1, y: 1, z: 1 }), tf({ x: 1, y: 1, w: 1 }), tf({ q: 1, r: 1 })];
    const out = expandByNeighbours(docs, { neighbours: 1, weight: 0.3, queryTerms: 20 });
    // doc 0 (length 3) borrows 0.3 · 3 · (1 / 3) of each term of doc 1 (length 3, its only neighbour).
    close(out[0]!.get('w')!, 0.3);
    close(out[0]!.get('x')!, 1.3);
    close(out[0]!.get('z')!, 1);
    assert.equal(out[0]!.has('q'), false);
    assert.deepEqual([...out[2]!], [...docs[2]!]);
    assert.equal(docs[0]!.has('w'), false, 'the input is left alone');
  });

  test('neighbour weights follow their BM25 scores and sum to the borrowed share', () => {
    const docs = [tf({ x: 1, y: 1 }), tf({ x: 1, y: 1, a: 1 }), tf({ x: 1, b: 1 }), tf({ c: 1 })];
    const out = expandByNeighbours(docs, { neighbours: 2, weight: 0.5, queryTerms: 20 });
    const borrowed = [...out[0]!].reduce((s, [, v]) => s + v, 0) - 2;
    close(borrowed, 0.5 * 2);
    assert.ok(out[0]!.get('a')! > out[0]!.get('b')!, 'the closer neighbour (sharing both words) lends more');
  });
});

describe('lexical units', () => {
  const row = (id: string, text: string, file: string, chunk: number) => ({ id, text, metadata: { file_hash: file, chunk_index: chunk } });
  const rows = [row('f1', 'second part', 'F', 1), row('f0', 'Title line\n\nfirst part', 'F', 0), row('g0', 'no title here', 'G', 0), row('f2', 'third', 'F', 2)];

  test('a title is a short first line followed by more text', () => {
    assert.equal(titleOf('Title line\n\nbody'), 'Title line');
    assert.equal(titleOf('only one line'), undefined);
  });

  test('a short file is one unit, its chunks in chunk order; the title counts twice in every unit', () => {
    const units = buildUnits(rows, { wholeDocument: 3, titleContext: true });
    assert.deepEqual(units.map((u) => u.rows.map((r) => rows[r]!.id)), [['f0', 'f1', 'f2'], ['g0']]);
    assert.equal(units[0]!.text, 'Title line\nTitle line\n\nfirst part\n\nsecond part\n\nthird');
    assert.equal(units[1]!.text, 'no title here');
  });

  test('a longer file is scored chunk by chunk, each chunk carrying the title', () => {
    const units = buildUnits(rows, { wholeDocument: 2, titleContext: true });
    assert.deepEqual(units.map((u) => u.rows.map((r) => rows[r]!.id)), [['f0'], ['f1'], ['f2'], ['g0']]);
    assert.deepEqual(units.slice(0, 3).map((u) => u.text), ['Title line\nTitle line\n\nfirst part', 'Title line\nTitle line\nsecond part', 'Title line\nTitle line\nthird']);
    assert.deepEqual(buildUnits(rows, { wholeDocument: 1, titleContext: false }).map((u) => u.text).sort(), rows.map((r) => r.text).sort());
  });

  test('a chunk scores as its unit: a short document’s chunks all match words of any of them', () => {
    const index = LexicalIndex.build(rows, { ...NO_EXPANSION, wholeDocument: 3 });
    assert.deepEqual(index.search('third', 5).map((h) => h.row.id), ['f0', 'f1', 'f2']);
    assert.deepEqual(LexicalIndex.build(rows, NO_EXPANSION).search('third', 5).map((h) => h.row.id), ['f2']);
  });
});

describe('LexicalIndex', () => {
  const rows = [
    { id: 'a', text: 'Cobalamin absorption needs intrinsic factor.', metadata: { file_hash: 'A', lang: 'en' } },
    { id: 'b', text: 'Glaciers retreat when summers are warm.', metadata: { file_hash: 'B', lang: 'en' } },
    { id: 'c', text: 'Cobalamin deficiency raises homocysteine.', metadata: { file_hash: 'C', lang: 'de' } },
  ];

  test('character 3-grams find a misspelt word the word index cannot', () => {
    assert.deepEqual(LexicalIndex.build(rows, NO_EXPANSION).search('cobalamn absorbtion', 5), []);
    const hits = LexicalIndex.build(rows, { ...NO_EXPANSION, charNgrams: 0.4 }).search('cobalamn absorbtion', 5);
    assert.equal(hits[0]!.row.id, 'a');
    assert.deepEqual(hits.map((h) => h.row.id), ['a', 'c'], 'c shares "cobalamin" only');
    close(hits[0]!.score, 0.4 / 1.4); // best of the 3-gram list only: the word list is empty
    for (const h of hits) assert.ok(h.score >= 0 && h.score <= 1);
  });

  test('a metadata filter restricts the hits to matching chunks', () => {
    const index = LexicalIndex.build(rows, NO_EXPANSION);
    assert.deepEqual(index.search('cobalamin', 5).map((h) => h.row.id).sort(), ['a', 'c']);
    assert.deepEqual(index.search('cobalamin', 5, { lang: 'de' }).map((h) => h.row.id), ['c']);
    assert.deepEqual(index.search('glaciers', 5, { lang: 'de' }), []);
  });
});

describe('readLexical', () => {
  test('true means the defaults, objects override, wrong values name the key', () => {
    assert.equal(readLexical('T', {}, 'lexical'), undefined);
    assert.equal(readLexical('T', { lexical: false }, 'lexical'), undefined);
    assert.deepEqual(readLexical('T', { lexical: true }, 'lexical'), DEFAULT_LEXICAL);
    const o = readLexical('T', { lexical: { expansion: false, char_ngrams: 0, whole_document: 2 } }, 'lexical')!;
    assert.equal(o.expansion.neighbours, 0);
    assert.equal(o.charNgrams, 0);
    assert.equal(o.wholeDocument, 2);
    assert.equal(readLexical('T', { lexical: { expansion: { neighbours: 3 } } }, 'lexical')!.expansion.neighbours, 3);
    assert.throws(() => readLexical('T', { lexical: { whole_document: 0 } }, 'lexical'), (e: unknown) => e instanceof StrategyConfigError && /lexical\.whole_document/.test(e.message));
    assert.throws(() => readLexical('T', { lexical: { expansion: { weight: 'x' } } }, 'lexical'), /lexical\.expansion\.weight/);
    assert.throws(() => readLexical('T', { lexical: 3 }, 'lexical'), StrategyConfigError);
    assert.throws(() => readLexical('T', { lexical: { window: 4 } }, 'lexical'), /unknown keys window/);
  });
});

describe('lexical index cache on a real LanceDB store', () => {
  let dir: string;
  let store: VectorStore;
  const embedder = createEmbedder('HashingEmbedder', { dimension: 64 });
  const put = async (id: string, text: string, metadata: Record<string, unknown>) => {
    const [vector] = await embedder.embed([text]);
    await store.upsert([{ id, text, vector: vector!, metadata }]);
  };

  before(async () => {
    dir = await tempDir('lf-lexengine-');
    store = await createStore('LanceDBStore', { dir: join(dir, 'db'), database: 'db', config: {} });
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the store lists its rows and versions its data', async () => {
    assert.equal(await store.dataVersion!(), 'none');
    await put('r1', 'Penguins live in Antarctica.', { file_hash: 'P', chunk_index: 0 });
    const rows = [];
    for await (const r of store.readRows!()) rows.push(r);
    assert.deepEqual(rows, [{ id: 'r1', text: 'Penguins live in Antarctica.', metadata: { file_hash: 'P', chunk_index: 0 } }]);
    assert.notEqual(await store.dataVersion!(), 'none');
  });

  test('one index per data version: reused while unchanged, rebuilt after a write', async () => {
    const first = await lexicalIndexFor(store, NO_EXPANSION);
    assert.ok(first);
    assert.equal(await lexicalIndexFor(store, NO_EXPANSION), first, 'cached');
    const [a, b] = await Promise.all([lexicalIndexFor(store, DEFAULT_LEXICAL), lexicalIndexFor(store, DEFAULT_LEXICAL)]);
    assert.equal(a, b, 'concurrent first queries share one build');
    assert.deepEqual(first.search('walrus', 5), []);
    await put('r2', 'A walrus rests on the ice.', { file_hash: 'W', chunk_index: 0 });
    const second = await lexicalIndexFor(store, NO_EXPANSION);
    assert.notEqual(second, first);
    assert.deepEqual(second!.search('walrus', 5).map((h) => h.row.id), ['r2']);
    await store.deleteWhere({ file_hash: 'W' });
    assert.deepEqual((await lexicalIndexFor(store, NO_EXPANSION))!.search('walrus', 5), []);
  });

  test('a store that cannot list rows, or holds too many, gets no index', async () => {
    const plain = { ...store, readRows: undefined } as unknown as VectorStore;
    assert.equal(await lexicalIndexFor(plain, NO_EXPANSION), undefined);
    assert.equal(await store.count(), 1);
    assert.equal(await lexicalIndexFor(store, NO_EXPANSION, 0), undefined);
    assert.ok(await lexicalIndexFor(store, NO_EXPANSION, 1));
  });

  test('after a data change, a slow rebuild of a big enough index is not waited for: the caller falls back', async () => {
    // The same store, but listing its rows waits for `gate` (a rebuild that takes as long as we like).
    let gate: Promise<void> = Promise.resolve();
    let listings = 0;
    const slow = Object.create(store) as VectorStore;
    slow.readRows = async function* () {
      listings++;
      await gate;
      yield* store.readRows!();
    };
    const rebuild = { waitMs: 30, fromRows: 1 };
    const first = await lexicalIndexFor(slow, NO_EXPANSION, 100, rebuild);
    assert.ok(first, 'the first build is always waited for');
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    await put('r3', 'A narwhal swims under the ice.', { file_hash: 'N', chunk_index: 0 });
    assert.equal(await lexicalIndexFor(slow, NO_EXPANSION, 100, rebuild), undefined, 'rebuilding: search the store instead');
    assert.equal(await lexicalIndexFor(slow, NO_EXPANSION, 100, rebuild), undefined, 'still rebuilding (one shared build)');
    assert.equal(listings, 2);
    // The data changes again while that build runs: no second build starts beside it.
    await put('r4', 'An orca hunts seals.', { file_hash: 'O', chunk_index: 0 });
    assert.equal(await lexicalIndexFor(slow, NO_EXPANSION, 100, rebuild), undefined);
    assert.equal(listings, 2, 'never two builds at once');
    // Below `fromRows`, the rebuild is waited for: the running one, then one for the data as it is now.
    const waited = lexicalIndexFor(slow, NO_EXPANSION, 100, { waitMs: 30, fromRows: 1000 });
    open();
    const rebuilt = await waited;
    assert.ok(rebuilt && rebuilt !== first);
    assert.equal(listings, 3);
    assert.deepEqual(rebuilt.search('narwhal', 5).map((h) => h.row.id), ['r3']);
    assert.deepEqual(rebuilt.search('orca', 5).map((h) => h.row.id), ['r4']);
    assert.equal(await lexicalIndexFor(slow, NO_EXPANSION, 100, rebuild), rebuilt, 'built: served again');
  });

  test('LF_LEXICAL_MAX_ROWS sets the row limit (0 turns the engine off); a bad value keeps the default', async () => {
    const saved = process.env.LF_LEXICAL_MAX_ROWS;
    try {
      process.env.LF_LEXICAL_MAX_ROWS = '0';
      assert.equal(maxLexicalRows(), 0);
      assert.equal(await lexicalIndexFor(store, { ...NO_EXPANSION, charNgrams: 0.5 }), undefined);
      process.env.LF_LEXICAL_MAX_ROWS = 'lots';
      assert.equal(maxLexicalRows(), DEFAULT_MAX_LEXICAL_ROWS);
      assert.ok(await lexicalIndexFor(store, { ...NO_EXPANSION, charNgrams: 0.5 }), 'built once the limit allows it');
    } finally {
      if (saved === undefined) delete process.env.LF_LEXICAL_MAX_ROWS;
      else process.env.LF_LEXICAL_MAX_ROWS = saved;
    }
  });
});
