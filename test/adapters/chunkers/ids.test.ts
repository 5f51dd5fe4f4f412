import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { assignChunkIds, chunkId } from '../../../src/adapters/chunkers/ids.js';

test('chunk ids are <first 16 hex of the file hash>_<NNNN> with bookkeeping metadata', () => {
  const hash = createHash('sha256').update('hello').digest('hex');
  const chunks = [{ text: 'a', metadata: { page: 1 } }, { text: 'b', metadata: {} }];
  const out = assignChunkIds(chunks, hash);
  assert.deepEqual(out.map((c) => c.id), [`${hash.slice(0, 16)}_0000`, `${hash.slice(0, 16)}_0001`]);
  assert.deepEqual(out[1].metadata, { file_hash: hash, chunk_index: 1, total_chunks: 2 });
  assert.equal(out[0].metadata.page, 1);
  assert.deepEqual(chunks[0].metadata, { page: 1 }, 'input chunks are not modified');
  assert.equal(chunkId(hash, 12345), `${hash.slice(0, 16)}_12345`);
});

test('with a dataset, ids carry the dataset tag: the same file in two datasets gets disjoint ids', () => {
  const hash = createHash('sha256').update('hello').digest('hex');
  const chunks = [{ text: 'a', metadata: {} }];
  const docs = assignChunkIds(chunks, hash, 'docs')[0].id;
  const books = assignChunkIds(chunks, hash, 'books')[0].id;
  assert.match(docs, new RegExp(`^${hash.slice(0, 16)}_[0-9a-f]{8}_0000$`));
  assert.notEqual(docs, books);
  assert.equal(chunkId(hash, 0, 'docs'), docs);
});
