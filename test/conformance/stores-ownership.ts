/**
 * Chunk ownership (decision 0120) on every store: the same file held by two datasets, rows from before ownership
 * (no signatures), and the filters ingestion uses to skip, replace and remove a dataset's rows of a file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoredChunk, VectorStore } from '../../src/adapters/stores/types.js';
import { chunkId } from '../../src/adapters/chunkers/ids.js';
import { ownershipMetadata, removeDatasetRows, removeFileRows, removeStaleRows, storedState, type FileSignatures } from '../../src/services/ingest/ownership.js';
import { unitVector } from './stores-fixtures.js';

const FILE = 'f'.repeat(64);
const OTHER = 'e'.repeat(64);
const SIG: FileSignatures = { parse: 'p1', embed: 'e1' };

function rows(fileHash: string, dataset: string | undefined, n: number, sig: FileSignatures | undefined, from = 0): StoredChunk[] {
  return Array.from({ length: n }, (_, i) => ({
    id: chunkId(fileHash, i, dataset),
    text: `row ${i} of ${dataset ?? 'legacy'}`,
    vector: unitVector(from + i + 1),
    metadata: {
      chunk_index: i,
      total_chunks: n,
      ...(sig && dataset ? ownershipMetadata(dataset, fileHash, sig) : { file_hash: fileHash, dataset: dataset ?? 'docs' }),
    },
  }));
}

export function ownershipTests(fresh: () => Promise<VectorStore>): void {
  test('two datasets own separate rows of one file: removing one keeps the other', async () => {
    const store = await fresh();
    await store.upsert([...rows(FILE, 'docs', 4, SIG), ...rows(FILE, 'books', 4, SIG, 10), ...rows(OTHER, 'books', 2, SIG, 20)]);
    assert.deepEqual(await storedState(store, FILE, 'docs', SIG), { stored: true, chunks: 4 });
    assert.equal(await removeFileRows(store, FILE, 'books', true), 4);
    assert.equal(await store.count({ file_hash: FILE, dataset: 'docs' }), 4);
    assert.equal(await removeDatasetRows(store, 'books', []), 2);
    assert.equal(await store.count(), 4);
  });

  test('a half-stored file or other settings are not taken for stored; stale rows go after a new run', async () => {
    const store = await fresh();
    const half = rows(FILE, 'docs', 6, SIG).slice(0, 3);
    await store.upsert(half);
    const partial = await storedState(store, FILE, 'docs', SIG);
    assert.equal(partial.stored, false);
    assert.match(String(!partial.stored && partial.why), /only part/);
    const changed = await storedState(store, FILE, 'docs', { parse: 'p2', embed: 'e1' });
    assert.match(String(!changed.stored && changed.why), /parser, chunking/);
    const newSig = { parse: 'p2', embed: 'e1' };
    await store.upsert(rows(FILE, 'docs', 2, newSig, 30));
    assert.equal(await removeStaleRows(store, FILE, 'docs', newSig, []), 1, 'the third old row (ids 0-1 were replaced)');
    assert.deepEqual(await storedState(store, FILE, 'docs', newSig), { stored: true, chunks: 2 });
  });

  test('rows from before ownership stay while another holder has no rows of its own, and go once it has', async () => {
    const store = await fresh();
    await store.upsert(rows(FILE, undefined, 3, undefined));
    const legacy = await storedState(store, FILE, 'docs', SIG);
    assert.match(String(!legacy.stored && legacy.why), /before per-dataset ownership/);
    // `docs` re-processes while `books` also holds the file but has no rows yet: the legacy rows stay for books.
    await store.upsert(rows(FILE, 'docs', 3, SIG, 40));
    assert.equal(await removeStaleRows(store, FILE, 'docs', SIG, ['books']), 0);
    assert.equal(await store.count({ file_hash: FILE, parse_signature: null }), 3);
    // Removing it from docs keeps the legacy rows too (books still holds the file).
    assert.equal(await removeFileRows(store, FILE, 'docs', true), 3);
    assert.equal(await store.count({ file_hash: FILE }), 3);
    // books stores its own rows: nobody depends on the legacy rows any more.
    await store.upsert(rows(FILE, 'books', 3, SIG, 50));
    assert.equal(await removeStaleRows(store, FILE, 'books', SIG, []), 3);
    assert.equal(await store.count({ file_hash: FILE }), 3);
    assert.equal(await store.count({ file_hash: FILE, dataset: 'books' }), 3);
  });
}
