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
