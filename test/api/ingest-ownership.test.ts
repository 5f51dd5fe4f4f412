/**
 * Ingestion correctness (issue #14 items 1, 2, 4 and issue #15 item 6): chunk ownership across datasets that share
 * a file on one database, skipping stored files before parsing, dropping chunks without content words, and no
 * rows left behind by a failed file. Real LanceDB, real HashingEmbedder, in-process app.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { multipart } from '../helpers/multipart.js';
import { createOfflineProject, waitForTask } from '../helpers/projects.js';
import type { VectorStore } from '../../src/adapters/stores/types.js';

const NOTE = 'Alpacas hum when they are curious or worried.\n';

function book(paragraphs: number): string {
  const out: string[] = [];
  for (let i = 0; i < paragraphs; i++) {
    out.push(`Chapter ${i}. The whale ${i % 7 === 0 ? 'Moby Dick' : 'leviathan'} crossed the grey sea near island number ${i}, and Ishmael wrote about harpoons, ropes and the crew of the Pequod.`);
  }
  return out.join('\n\n');
}

describe('Ingestion: ownership, re-processing, content words, failed files', () => {
  let t: TestApp;
  let store: VectorStore;
  const P = '/v1/projects/org/ing';
  const BOOK = book(40);

  const upload = async (dataset: string, filename: string, content: string | Buffer) => {
    const { payload, headers } = multipart([{ filename, content }]);
    const res = await t.app.inject({ method: 'POST', url: `${P}/datasets/${dataset}/data`, payload, headers });
    assert.equal(res.statusCode, 200, res.body);
    return json(res).hash as string;
  };
  const processDataset = async (dataset: string) => {
    const res = await t.app.inject({ method: 'POST', url: `${P}/datasets/${dataset}/actions`, payload: { action_type: 'process' } });
    assert.equal(res.statusCode, 200, res.body);
    return waitForTask(t.app, 'org', 'ing', json(res).task_id);
  };
  const createDataset = async (name: string, strategy = 'universal_processor') => {
    const res = await t.app.inject({ method: 'POST', url: `${P}/datasets`, payload: { name, data_processing_strategy: strategy, database: 'main_database' } });
    assert.equal(res.statusCode, 200, res.body);
  };
  const query = async (text: string, filter?: Record<string, unknown>) => {
    const res = await t.app.inject({ method: 'POST', url: `${P}/rag/query`, payload: { query: text, top_k: 5, ...(filter ? { metadata_filters: filter } : {}) } });
    assert.equal(res.statusCode, 200, res.body);
    return json(res).results as { content: string; metadata: Record<string, unknown> }[];
  };

  before(async () => {
    t = await makeTestApp();
    const config = await createOfflineProject(t.app, 'org', 'ing');
    // A second strategy whose text chunks are small paragraphs (for the content-word and failure cases).
    const small = structuredClone(config.rag.data_processing_strategies[0]);
    small.name = 'small_paragraphs';
    small.parsers = [{ type: 'TextParser', file_include_patterns: ['*.txt'], priority: 10, config: { chunk_strategy: 'paragraphs', chunk_size: 200, chunk_overlap: 0 } }];
    config.rag.data_processing_strategies.push(small);
    const put = await t.app.inject({ method: 'PUT', url: P, payload: { config } });
    assert.equal(put.statusCode, 200, put.body);
    store = await t.ctx.resources.store('org', 'ing', (await t.ctx.projects.loadConfig('org', 'ing')).rag!.databases![0]);
    await createDataset('docs');
    await createDataset('books');
  });
  after(async () => t.close());

  test('#14.1 the same file in two datasets: removing it from one keeps the other\'s chunks and filters stay right', async () => {
    const hash = await upload('docs', 'moby.txt', BOOK);
    assert.equal(await upload('books', 'moby.txt', BOOK), hash);
    assert.equal((await processDataset('docs')).state, 'SUCCESS');
    assert.equal((await processDataset('books')).state, 'SUCCESS');
    const inDocs = await store.count({ file_hash: hash, dataset: 'docs' });
    const inBooks = await store.count({ file_hash: hash, dataset: 'books' });
    assert.ok(inDocs > 0, 'docs holds chunks of the file');
    assert.equal(inBooks, inDocs, 'books holds its own chunks of the file');
    assert.ok((await query('harpoons Pequod crew', { dataset: 'docs' })).length > 0, 'a docs-filtered query finds the file');

    const del = await t.app.inject({ method: 'DELETE', url: `${P}/datasets/books/data/${hash}` });
    assert.equal(del.statusCode, 200, del.body);
    assert.equal(json(del).deleted_chunks, inBooks);
    assert.equal(await store.count({ file_hash: hash, dataset: 'docs' }), inDocs, 'docs keeps every chunk');
    assert.equal(await store.count({ file_hash: hash, dataset: 'books' }), 0);
    const hits = await query('harpoons Pequod crew', { dataset: 'docs' });
    assert.ok(hits.length > 0 && hits.every((h) => h.metadata.dataset === 'docs'), 'the file is still found in docs');
    assert.deepEqual(await query('harpoons Pequod crew', { dataset: 'books' }), []);
  });

  test('#14.1 deleting a dataset leaves another dataset\'s copy of a shared file alone', async () => {
    await createDataset('shelf');
    const hash = await upload('shelf', 'moby.txt', BOOK);
    assert.equal((await processDataset('shelf')).state, 'SUCCESS');
    const inDocs = await store.count({ file_hash: hash, dataset: 'docs' });
    assert.ok((await store.count({ dataset: 'shelf' })) > 0);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `${P}/datasets/shelf` })).statusCode, 200);
    assert.equal(await store.count({ dataset: 'shelf' }), 0);
    assert.equal(await store.count({ file_hash: hash, dataset: 'docs' }), inDocs);
  });

  test('#14.4 re-processing skips stored files before parsing; a changed strategy re-processes and says why', async () => {
    const before = await store.count({ dataset: 'docs' });
    await upload('docs', 'note.txt', NOTE);
    const task = await processDataset('docs');
    assert.equal(task.state, 'SUCCESS', JSON.stringify(task));
    const moby = task.result.files.find((d: any) => d.filename === 'moby.txt');
    const note = task.result.files.find((d: any) => d.filename === 'note.txt');
    assert.equal(moby.status, 'skipped');
    assert.equal(moby.reason, 'duplicate');
    assert.equal(moby.parser, undefined, 'the stored file was not parsed again');
    assert.equal(moby.skipped_count, await store.count({ file_hash: moby.file_hash, dataset: 'docs' }));
    assert.equal(note.status, 'success');
    assert.equal(await store.count({ dataset: 'docs' }), before + note.stored_count);
    // The skipped file's processing event has no parse step.
    const events = json(await t.app.inject(`${P}/event_logs?type=rag_processing&limit=100`)).events;
    const last = json(await t.app.inject(`${P}/event_logs/${events.find((e: any) => e.summary.filename === 'moby.txt' && e.summary.dataset === 'docs').event_id}`));
    assert.ok(!last.events.some((e: any) => e.event_name === 'file_parsed'), JSON.stringify(last.events.map((e: any) => e.event_name)));

    // Change the text chunking: the file is processed again (and says why), and no chunk of the old settings stays.
    const config = await t.ctx.projects.loadConfig('org', 'ing');
    const strategy = config.rag!.data_processing_strategies!.find((s) => s.name === 'universal_processor')!;
    for (const p of strategy.parsers) if (p.type === 'TextParser') p.config = { ...(p.config ?? {}), chunk_size: 300, chunk_overlap: 0 };
    assert.equal((await t.app.inject({ method: 'PUT', url: P, payload: { config } })).statusCode, 200);
    const again = await processDataset('docs');
    const moby2 = again.result.files.find((d: any) => d.filename === 'moby.txt');
    assert.equal(moby2.status, 'success');
    assert.match(moby2.reprocessed_because, /parser, chunking or extractor settings changed/);
    assert.equal(await store.count({ file_hash: moby.file_hash, dataset: 'docs' }), moby2.chunks, 'only the new chunks are stored');
    assert.ok(moby2.chunks > moby.skipped_count, 'smaller chunks, more of them');
  });

  test('#14.1 a store written before ownership keeps working: shared old rows survive a removal, and are replaced once', async () => {
    await createDataset('old_a');
    await createDataset('old_b');
    const text = 'Old rows: the quartermaster counted barrels of whale oil in the hold of the ship.';
    const hash = await upload('old_a', 'old.txt', text);
    await upload('old_b', 'old.txt', text);
    // Rows as the previous version stored them: ids without a dataset, one copy tagged with the last dataset.
    const [vector] = await t.ctx.resources.embedder((await t.ctx.projects.loadConfig('org', 'ing')).rag!.databases![0]).embed([text]);
    await store.upsert([{ id: `${hash.slice(0, 16)}_0000`, text, vector, metadata: { file_hash: hash, dataset: 'old_b', chunk_index: 0, total_chunks: 1, source: 'old.txt' } }]);
    // Removing the file from old_b must not take old_a's only copy.
    const del = await t.app.inject({ method: 'DELETE', url: `${P}/datasets/old_b/data/${hash}` });
    assert.equal(del.statusCode, 200, del.body);
    assert.equal(await store.count({ file_hash: hash }), 1, 'the shared old row is kept while old_a holds the file');
    // Processing old_a stores its own rows and, with no other holder left, removes the old one.
    const task = await processDataset('old_a');
    const d = task.result.files[0];
    assert.equal(d.status, 'success', JSON.stringify(d));
    assert.equal(d.reprocessed_because, undefined, 'old_a had no rows of its own');
    assert.equal(await store.count({ file_hash: hash }), 1);
    assert.equal(await store.count({ file_hash: hash, dataset: 'old_a' }), 1);
    assert.equal(await store.count({ file_hash: hash, parse_signature: null }), 0);
  });

  test('#14.2 chunks with no content words (page numbers, separators) are dropped before embedding, with a warning', async () => {
    await createDataset('pages', 'small_paragraphs');
    // Paragraphs of 198 characters fill a 200-character chunk, so the page furniture between them is a chunk alone.
    const fill = (s: string) => s.padEnd(197, ' more words about llamas').slice(0, 197) + '.';
    const text = [
      fill('The llama handbook explains feeding, shearing and the care of young llamas in spring'),
      '12',
      '------------------------------',
      'Page 3 of 15',
      fill('Shearing happens once a year before the hot weather arrives, usually in late spring'),
    ].join('\n\n');
    const hash = await upload('pages', 'handbook.txt', text);
    const task = await processDataset('pages');
    const d = task.result.files[0];
    assert.equal(d.status, 'success', JSON.stringify(d));
    const rows = await store.count({ file_hash: hash, dataset: 'pages' });
    assert.equal(rows, 2, 'only the two paragraphs with words are stored');
    assert.ok(d.warnings.some((w: string) => /1 chunk\(s\) with no content words/.test(w)), JSON.stringify(d.warnings));
  });

  test('#15.6 a file that fails while its chunks are being written leaves none of them in the store', async () => {
    await createDataset('failing', 'small_paragraphs');
    const many = Array.from({ length: 1400 }, (_, i) => `Paragraph ${i} tells of alpaca number ${i} and the meadow where it grazes.`).join('\n\n');
    const hash = await upload('failing', 'many.txt', many);
    const real = store.upsert.bind(store);
    let calls = 0;
    store.upsert = async (chunks) => {
      calls++;
      if (calls === 2) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return real(chunks);
    };
    try {
      const task = await processDataset('failing');
      const d = task.result.files[0];
      assert.equal(d.status, 'failed');
      assert.match(d.error, /ENOSPC/);
      assert.ok(calls >= 2, 'the first batch was written before the failure');
    } finally {
      store.upsert = real;
    }
    assert.equal(await store.count({ file_hash: hash }), 0, 'no partial chunks of the failed file');
  });
});
