/**
 * ChromaStore specifics (the shared behaviour is in test/conformance/stores.ts): config, metadata promotion and
 * the `where` pre-filter, the lexical (BM25) ranking, the local-server fallback, and — against a real Chroma
 * server when CHROMA_URL is set (CI: `eval "$(scripts/ci-chroma.sh)"`) — filter agreement with the JS
 * semantics, l2/ip scores, exact search, records written by other tools, and a collection dropped elsewhere.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ChromaClient } from 'chromadb';
import { chromaOptionsFromConfig, defaultCollectionName } from '../../../src/adapters/stores/chroma/config.js';
import { anyWordRegex, bm25Scores, queryTerms, tokenize } from '../../../src/adapters/stores/chroma/lexical.js';
import { fromChromaMetadata, supersetWhere, toChromaMetadata } from '../../../src/adapters/stores/chroma/metadata.js';
import { parseFilter } from '../../../src/adapters/stores/filter.js';
import { createStore } from '../../../src/adapters/stores/registry.js';
import { StoreError, type MetadataFilter, type VectorStore } from '../../../src/adapters/stores/types.js';
import { unitVector } from '../../conformance/stores.js';
import { assertFiltersAgree } from './filter-agreement.js';

describe('ChromaStore config', () => {
  test('host/port/ssl select a server; without host the local server is used', () => {
    assert.deepEqual(chromaOptionsFromConfig('/d', 'db', { host: 'chroma', port: '8001', ssl: true }).server, { host: 'chroma', port: 8001, ssl: true });
    assert.deepEqual(chromaOptionsFromConfig('/d', 'db', { host: 'chroma' }).server, { host: 'chroma', port: 8000, ssl: false });
    assert.equal(chromaOptionsFromConfig('/d', 'db', { port: 8000 }).server, undefined);
    assert.throws(() => chromaOptionsFromConfig('/d', 'db', { host: 'h', port: 70000 }), StoreError);
    assert.throws(() => chromaOptionsFromConfig('/d', 'db', { host: 'h', ssl: 'yes' }), StoreError);
  });

  test('collection name: configured (checked) or lf_<database>_<sha1(dir)[:8]>', () => {
    assert.equal(chromaOptionsFromConfig('/d', 'db', { collection_name: 'documents' }).collection, 'documents');
    assert.match(defaultCollectionName('/p/lf_data/stores/main_db', 'main_db'), /^lf_main_db_[0-9a-f]{8}$/);
    assert.notEqual(defaultCollectionName('/p1/x', 'db'), defaultCollectionName('/p2/x', 'db'));
    for (const bad of ['ab', '-abc', 'abc-', 'a b c', 'a.b.c', 'x'.repeat(513)]) {
      assert.throws(() => chromaOptionsFromConfig('/d', 'db', { collection_name: bad }), StoreError, bad);
    }
  });

  test('distance_metric, else distance_function: cosine | l2 | ip, anything else is cosine', () => {
    assert.equal(chromaOptionsFromConfig('/d', 'db', {}).space, 'cosine');
    assert.equal(chromaOptionsFromConfig('/d', 'db', { distance_function: 'l2' }).space, 'l2');
    assert.equal(chromaOptionsFromConfig('/d', 'db', { distance_metric: 'ip', distance_function: 'l2' }).space, 'ip');
    assert.equal(chromaOptionsFromConfig('/d', 'db', { distance_metric: 'manhattan' }).space, 'cosine');
  });
});

describe('ChromaStore metadata and where translation', () => {
  test('metadata keeps its full JSON and promotes top-level scalars', () => {
    const m = { source: 'a.pdf', page: 3, ok: true, tags: ['a'], nested: { x: 1 }, none: null, '#x': 'reserved', $y: 1, lf_json: 'mine' };
    const c = toChromaMetadata(m);
    assert.deepEqual(Object.keys(c).sort(), ['lf_json', 'ok', 'page', 'source']);
    assert.deepEqual(fromChromaMetadata(c), m);
  });

  test('records without lf_json are read like the original wrote them', () => {
    assert.deepEqual(fromChromaMetadata({ source: 'a', tags: '["x","y"]', info: '{"a":1}', odd: '[not json', n: 2 }), {
      source: 'a',
      tags: ['x', 'y'],
      info: { a: 1 },
      odd: '[not json',
      n: 2,
    });
  });

  test('only conditions Chroma answers like our semantics are sent; the rest is checked in JS', () => {
    const w = (f: Parameters<typeof parseFilter>[0]) => supersetWhere(parseFilter(f));
    assert.deepEqual(w({ source: 'a.pdf' }), { source: { $eq: 'a.pdf' } });
    assert.deepEqual(w({ source: 'a', page: { $gt: 2, $lte: 9 } }), { $and: [{ source: { $eq: 'a' } }, { page: { $gt: 2 } }, { page: { $lte: 9 } }] });
    assert.deepEqual(w({ n: [1, 2.5] }), { $or: [{ n: { $eq: 1 } }, { n: { $eq: 2.5 } }] });
    assert.deepEqual(w({ n: [1, 2] }), { n: { $in: [1, 2] } });
    assert.deepEqual(w({ k: ['a', true] }), { $or: [{ k: { $eq: 'a' } }, { k: { $eq: true } }] });
    const notSent: MetadataFilter[] = [{ k: { $ne: 'a' } }, { k: { $nin: ['a'] } }, { k: null }, { k: ['a', null] }, { k: { $gt: 'b' } }, { k: 2 ** 60 }, { '#k': 1 }];
    for (const f of notSent) {
      assert.equal(w(f), undefined, JSON.stringify(f));
    }
  });
});

describe('ChromaStore lexical ranking', () => {
  test('words are lower-cased letters and digits; query syntax is just text', () => {
    assert.deepEqual(tokenize('Zebra-corn: "Barn" AND x86!'), ['zebra', 'corn', 'barn', 'and', 'x86']);
    assert.deepEqual(queryTerms('a A b'), ['a', 'b']);
    assert.equal(anyWordRegex(['a', 'b']), '(?i)(?:a|b)');
  });

  test('BM25 prefers the rare word and the shorter document; documents without a query word score 0', () => {
    const docs = ['the farmer and the llama', 'the zebracorn and the llama', 'the farmer', 'the farmer again and again, with many other words in a long sentence'];
    const s = bm25Scores(['zebracorn', 'farmer'], docs, 100);
    assert.ok(s[1] > s[0], 'rare word should outscore the common one');
    assert.ok(s[2] > s[0], 'shorter document should win for the same word');
    assert.equal(bm25Scores(['nothing'], docs, 100).every((x) => x === 0), true);
  });
});

describe('ChromaStore local server (no host configured)', () => {
  test('starts the chromadb package server where it runs, else fails with a clear "unavailable"', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'lf-chroma-local-'));
    try {
      let store: VectorStore | undefined;
      try {
        store = await createStore('ChromaStore', { dir, database: 'local', config: { port: 8000 } });
      } catch (err) {
        assert.ok(err instanceof StoreError, String(err));
        assert.equal(err.code, 'unavailable');
        assert.match(err.message, /no Chroma host is configured/);
        assert.match(err.message, /Set host and port/);
        t.diagnostic(`local Chroma cannot run here: ${err.message}`);
        // The next attempt in this process fails the same way.
        await assert.rejects(createStore('ChromaStore', { dir, database: 'again', config: {} }), (again: unknown) => {
          assert.ok(again instanceof StoreError && again.code === 'unavailable', String(again));
          return true;
        });
        return;
      }
      try {
        await store.upsert([{ id: 'a', text: 'local chroma', vector: unitVector(1, 8), metadata: {} }]);
        assert.equal((await store.search({ vector: unitVector(1, 8), topK: 1 }))[0]?.id, 'a');
      } finally {
        await store.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('an unreachable configured server is StoreError("unavailable")', async () => {
    await assert.rejects(createStore('ChromaStore', { dir: '/d', database: 'db', config: { host: '127.0.0.1', port: 9 } }), (err: unknown) => {
      assert.ok(err instanceof StoreError, String(err));
      assert.equal(err.code, 'unavailable', err.message);
      return true;
    });
  });
});

const chromaUrl = process.env.CHROMA_URL;
describe('ChromaStore on a Chroma server', { skip: chromaUrl ? false : 'CHROMA_URL is not set (CI: eval "$(scripts/ci-chroma.sh)")' }, () => {
  const url = new URL(chromaUrl ?? 'http://127.0.0.1:1');
  const server = { host: url.hostname, port: Number(url.port || 80), ssl: url.protocol === 'https:' };
  const prefix = `lftest${process.pid}`;
  const stores: VectorStore[] = [];
  let n = 0;
  async function open(config: Record<string, unknown> = {}): Promise<VectorStore> {
    const name = `${prefix}_${++n}`;
    const store = await createStore('ChromaStore', { dir: `/chroma-test/${name}`, database: name, config: { ...server, collection_name: name, ...config } });
    stores.push(store);
    return store;
  }
  after(async () => {
    for (const s of stores) await s.close();
    const client = new ChromaClient(server);
    for (const c of await client.listCollections({ limit: 1000 })) if (c.name.startsWith(prefix)) await client.deleteCollection({ name: c.name });
  });

  test('filters (pre-filtered by Chroma, checked in JS) agree with the JS semantics on mixed-type metadata', async () => {
    await assertFiltersAgree(await open());
  });

  test('l2 and ip collections score unit vectors (1 + cos) / 2 like cosine', async () => {
    for (const distance_metric of ['l2', 'ip']) {
      const store = await open({ distance_metric });
      const e0 = new Float32Array(8);
      e0[0] = 1;
      const e1 = new Float32Array(8);
      e1[1] = 1;
      const minus = new Float32Array(8);
      minus[0] = -1;
      await store.upsert([
        { id: 'same', text: 's', vector: e0, metadata: {} },
        { id: 'orth', text: 'o', vector: e1, metadata: {} },
        { id: 'opp', text: 'p', vector: minus, metadata: {} },
      ]);
      const hits = await store.search({ vector: e0, topK: 3 });
      assert.deepEqual(hits.map((h) => h.id), ['same', 'orth', 'opp'], distance_metric);
      const scores = hits.map((h) => h.score);
      assert.ok(Math.abs(scores[0] - 1) < 1e-4 && Math.abs(scores[1] - 0.5) < 1e-4 && scores[2] < 1e-4, `${distance_metric}: ${scores}`);
    }
  });

  test('exact search compares every record and agrees with the index', async () => {
    const store = await open();
    await store.upsert(Array.from({ length: 200 }, (_, i) => ({ id: `e${i}`, text: `row ${i}`, vector: unitVector(i + 1, 16), metadata: { even: i % 2 === 0 } })));
    const q = { vector: unitVector(9, 16), topK: 5, filter: { even: true } };
    const exact = await store.search({ ...q, exact: true });
    const approx = await store.search(q);
    assert.equal(exact.length, 5);
    assert.ok(exact.every((h) => h.metadata.even === true), 'filter not applied');
    assert.deepEqual(exact.map((h) => h.id), approx.map((h) => h.id));
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(exact[i].score - approx[i].score) < 1e-4, `score ${exact[i].score} vs ${approx[i].score}`);
  });

  test('records written by another tool (plain Chroma metadata) are searchable and filterable', async () => {
    const client = new ChromaClient(server);
    const name = `${prefix}_foreign`;
    const col = await client.getOrCreateCollection({ name, embeddingFunction: null, configuration: { hnsw: { space: 'cosine' } } });
    await col.add({ ids: ['f1', 'f2'], embeddings: [Array.from(unitVector(1, 8)), Array.from(unitVector(2, 8))], documents: ['first', 'second'], metadatas: [{ source: 'a', tags: 'x,y' }, { source: 'b', info: '{"k":1}' }] });
    const store = await open({ collection_name: name });
    assert.equal(await store.count({ source: 'b' }), 1);
    const [hit] = await store.search({ vector: unitVector(2, 8), topK: 1 });
    assert.deepEqual(hit.metadata, { source: 'b', info: { k: 1 } });
    assert.equal((await store.describe()).dimension, 8);
  });

  test('a collection dropped elsewhere reads as empty, and the next write re-creates it', async () => {
    const store = await open();
    const other = await open({ collection_name: `${prefix}_${n}` });
    await store.upsert([{ id: 'a', text: 'one', vector: unitVector(1, 8), metadata: { k: 'v' } }]);
    assert.equal(await other.count(), 1);
    await other.drop();
    assert.equal(await store.count(), 0);
    assert.deepEqual(await store.search({ vector: unitVector(1, 8), text: 'one', topK: 3 }), []);
    assert.deepEqual(await store.upsert([{ id: 'b', text: 'two', vector: unitVector(2, 8), metadata: {} }]), { stored: 1, skipped: 0 });
    assert.equal(await other.count(), 1);
  });
});
