import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { multipart } from '../helpers/multipart.js';
import { createOfflineProject, waitForTask } from '../helpers/projects.js';
import { needShared, sharedPath } from '../helpers/shared.js';

const P = '/v1/projects/org/loop';
const TEXT = (i: number) =>
  `# Llama notes ${i}\n\nLlamas live in herds. Each llama ${i} eats hay and grass every day. They hum when they are worried.\n\n## Wool\n\nLlama wool is soft and warm. It is shorn once a year in spring.\n`;

describe('The data loop: bulk upload, per-file state, actions, chunks, text, stats, preview, re-index', () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp({ maxUploadBytes: 16 * 1024 });
    await createOfflineProject(t.app, 'org', 'loop');
    const res = await t.app.inject({ method: 'POST', url: `${P}/datasets`, payload: { name: 'docs', data_processing_strategy: 'universal_processor', database: 'main_database' } });
    assert.equal(res.statusCode, 200, res.body);
  });
  after(async () => t.close());

  const bulk = (parts: { filename: string; content: string | Buffer }[], query = '') => {
    const { payload, headers } = multipart(parts.map((p) => ({ ...p, field: 'files', contentType: 'text/markdown' })));
    return t.app.inject({ method: 'POST', url: `${P}/datasets/docs/data/bulk${query}`, payload, headers });
  };
  let hashes: string[] = [];

  test('bulk upload with one bad file among good ones: the good ones are stored, the bad one names its error; auto_process starts a task', async () => {
    const res = await bulk(
      [
        { filename: 'a.md', content: TEXT(1) },
        { filename: 'too-big.md', content: 'x'.repeat(17 * 1024) },
        { filename: 'b.md', content: TEXT(2) },
      ],
      '?auto_process=true',
    );
    assert.equal(res.statusCode, 200, res.body);
    const body = json(res);
    assert.equal(body.files.length, 3);
    assert.equal(body.uploaded, 2);
    assert.equal(body.failed, 1);
    const bad = body.files.find((f: any) => f.filename === 'too-big.md');
    assert.equal(bad.hash, null);
    assert.match(bad.error, /upload limit/);
    hashes = body.files.filter((f: any) => f.hash).map((f: any) => f.hash);
    assert.equal(hashes.length, 2);
    assert.ok(body.task_id);
    const task = await waitForTask(t.app, 'org', 'loop', body.task_id);
    assert.equal(task.state, 'SUCCESS', JSON.stringify(task));
    assert.equal(task.result.processed_files, 2);
  });

  test('bulk: more than 100 files is 413; no files is 422; unknown dataset 404', async () => {
    const many = Array.from({ length: 101 }, (_, i) => ({ filename: `f${i}.md`, content: `file ${i}` }));
    const res = await bulk(many);
    assert.equal(res.statusCode, 413, res.body);
    assert.ok(json(res).detail);
    const empty = multipart([{ field: 'other', filename: 'x.md', content: 'x' }]);
    const none = await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/data/bulk`, payload: empty.payload, headers: empty.headers });
    assert.equal(none.statusCode, 422, none.body);
    const { payload, headers } = multipart([{ field: 'files', filename: 'x.md', content: 'x' }]);
    assert.equal((await t.app.inject({ method: 'POST', url: `${P}/datasets/ghost/data/bulk`, payload, headers })).statusCode, 404);
  });

  test('single upload with auto_process answers task_id; GET dataset shows per-file state', async () => {
    const { payload, headers } = multipart([{ filename: 'c.md', content: TEXT(3), contentType: 'text/markdown' }]);
    const res = await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/data?auto_process=true`, payload, headers });
    assert.equal(res.statusCode, 200, res.body);
    const up = json(res);
    assert.ok(up.task_id);
    await waitForTask(t.app, 'org', 'loop', up.task_id);
    hashes.push(up.hash);
    // One uploaded file that was never processed.
    const other = multipart([{ filename: 'd.md', content: TEXT(4), contentType: 'text/markdown' }]);
    const d = json(await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/data`, payload: other.payload, headers: other.headers }));
    const ds = json(await t.app.inject(`${P}/datasets/docs`)).dataset;
    assert.equal(ds.name, 'docs');
    assert.equal(ds.total_files, 4);
    const byHash = new Map(ds.files.map((f: any) => [f.hash, f]));
    for (const h of hashes) {
      const f: any = byHash.get(h);
      assert.equal(f.status, 'processed');
      assert.ok(f.chunks >= 1);
      assert.equal(f.parser, 'MarkdownParser');
      assert.ok(f.processed_at > 0 && f.uploaded_at > 0 && f.size > 0);
      assert.equal(f.error, null);
    }
    const fresh: any = byHash.get(d.hash);
    assert.equal(fresh.status, 'uploaded');
    assert.equal(fresh.processed_at, null);
    assert.equal((await t.app.inject(`${P}/datasets/ghost`)).statusCode, 404);
  });

  test('chunks of a file come in order with offsets into its parsed text', async () => {
    const h = hashes[0];
    const res = await t.app.inject(`${P}/datasets/docs/data/${h}/chunks?limit=50`);
    assert.equal(res.statusCode, 200, res.body);
    const body = json(res);
    assert.ok(body.total >= 1);
    assert.equal(body.filename, 'a.md');
    const text = json(await t.app.inject(`${P}/datasets/docs/data/${h}/text`));
    assert.equal(text.parser, 'MarkdownParser');
    assert.equal(text.length, text.text.length);
    body.chunks.forEach((c: any, i: number) => {
      assert.equal(c.chunk_index, i);
      assert.ok(c.chunk_id.startsWith(h.slice(0, 16)));
      assert.equal(typeof c.start_position, 'number', JSON.stringify(c));
      assert.equal(text.text.slice(c.start_position, c.end_position), c.content);
    });
    const paged = json(await t.app.inject(`${P}/datasets/docs/data/${h}/chunks?limit=1&offset=1`));
    if (body.total > 1) assert.deepEqual(paged.chunks[0], body.chunks[1]);
    assert.equal((await t.app.inject(`${P}/datasets/docs/data/${'0'.repeat(64)}/chunks`)).statusCode, 404);
    assert.equal((await t.app.inject(`${P}/datasets/docs/data/nothex/text`)).statusCode, 404);
  });

  test('rag stats and documents of a database', async () => {
    const stats = json(await t.app.inject(`${P}/rag/stats?database=main_database`));
    assert.equal(stats.database, 'main_database');
    assert.equal(stats.documents, 3);
    assert.ok(stats.chunks >= 3);
    assert.ok(stats.bytes_on_disk > 0);
    assert.equal(stats.dimension, 256);
    assert.match(stats.embedder, /HashingEmbedder/);
    assert.ok(Date.parse(stats.last_update) > 0);
    const docs = json(await t.app.inject(`${P}/rag/databases/main_database/documents?limit=2`));
    assert.equal(docs.total, 3);
    assert.equal(docs.documents.length, 2);
    assert.ok(docs.documents.every((d: any) => d.chunks >= 1 && d.dataset === 'docs'));
    assert.equal((await t.app.inject(`${P}/rag/stats?database=nope`)).statusCode, 404);
  });

  test('actions: delete_file_chunks, reprocess, delete_dataset_chunks', async () => {
    const h = hashes[0];
    const del = await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/actions`, payload: { action_type: 'delete_file_chunks', file_hash: h } });
    assert.equal(del.statusCode, 200, del.body);
    assert.ok(json(del).deleted_chunks >= 1);
    let ds = json(await t.app.inject(`${P}/datasets/docs`)).dataset;
    assert.equal(ds.files.find((f: any) => f.hash === h).status, 'uploaded');
    assert.equal(json(await t.app.inject(`${P}/datasets/docs/data/${h}/chunks`)).total, 0);
    const re = await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/actions`, payload: { action_type: 'reprocess', file_hash: h } });
    assert.equal(re.statusCode, 200, re.body);
    const task = await waitForTask(t.app, 'org', 'loop', json(re).task_id);
    assert.equal(task.result.processed_files, 1);
    assert.equal(task.result.files[0].file_hash, h);
    ds = json(await t.app.inject(`${P}/datasets/docs`)).dataset;
    assert.equal(ds.files.find((f: any) => f.hash === h).status, 'processed');
    const missing = await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/actions`, payload: { action_type: 'reprocess' } });
    assert.equal(missing.statusCode, 422);
    const all = await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/actions`, payload: { action_type: 'delete_dataset_chunks' } });
    assert.equal(all.statusCode, 200, all.body);
    assert.ok(json(all).deleted_chunks >= 3);
    assert.equal(json(await t.app.inject(`${P}/rag/stats`)).chunks, 0);
    ds = json(await t.app.inject(`${P}/datasets/docs`)).dataset;
    assert.ok(ds.files.every((f: any) => f.status === 'uploaded'));
    const bad = await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/actions`, payload: { action_type: 'explode' } });
    assert.equal(bad.statusCode, 422);
  });

  test('preview: chunks with positions and stats, nothing stored; overrides; a chunk size that cuts sentences warns', async () => {
    const before = json(await t.app.inject(`${P}/rag/stats`)).chunks;
    const res = await t.app.inject({ method: 'POST', url: `${P}/rag/databases/main_database/preview`, payload: { dataset_id: 'docs', file_hash: hashes[1] } });
    assert.equal(res.statusCode, 200, res.body);
    const body = json(res);
    assert.ok(body.chunks.length >= 1);
    assert.equal(body.stats.chunks, body.chunks.length);
    for (const c of body.chunks) {
      assert.equal(c.char_count, c.content.length);
      assert.ok(c.word_count >= 1);
      assert.equal(typeof c.start_position, 'number');
    }
    const small = json(
      await t.app.inject({
        method: 'POST',
        url: `${P}/rag/databases/main_database/preview`,
        payload: { file_content: Buffer.from(TEXT(9).repeat(3)).toString('base64'), filename: 'x.md', chunk_size: 30, chunk_overlap: 0, chunk_strategy: 'characters' },
      }),
    );
    assert.ok(small.stats.max <= 30, JSON.stringify(small.stats));
    assert.ok(small.warnings.some((w: string) => /mid-sentence/.test(w)), JSON.stringify(small.warnings));
    assert.equal(json(await t.app.inject(`${P}/rag/stats`)).chunks, before, 'nothing stored');
    const neither = await t.app.inject({ method: 'POST', url: `${P}/rag/databases/main_database/preview`, payload: {} });
    assert.equal(neither.statusCode, 422);
    assert.equal((await t.app.inject({ method: 'POST', url: `${P}/rag/databases/nope/preview`, payload: { file_content: 'eA==', filename: 'x.md' } })).statusCode, 404);
  });

  test('preview of an encrypted PDF answers a clear warning', { skip: needShared('corpora', 'docs', 'pdfminer', 'encryption', 'rc4-40.pdf') }, async () => {
    const bytes = await readFile(sharedPath('corpora', 'docs', 'pdfminer', 'encryption', 'rc4-40.pdf'));
    const big = await makeTestApp();
    try {
      await createOfflineProject(big.app, 'org', 'pdf');
      const res = await big.app.inject({ method: 'POST', url: '/v1/projects/org/pdf/rag/databases/main_database/preview', payload: { file_content: bytes.toString('base64'), filename: 'secret.pdf' } });
      assert.equal(res.statusCode, 200, res.body);
      const body = json(res);
      assert.deepEqual(body.chunks, []);
      assert.ok(body.warnings.some((w: string) => /encrypted/.test(w) && /password/.test(w)), JSON.stringify(body.warnings));
    } finally {
      await big.close();
    }
  });
});
