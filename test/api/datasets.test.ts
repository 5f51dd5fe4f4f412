import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { multipart } from '../helpers/multipart.js';
import { createOfflineProject, waitForTask } from '../helpers/projects.js';

const HANDBOOK = `# Llama care handbook

## Feeding

Llamas eat grass and hay. An adult llama eats about two percent of its body weight every day.

## Shearing

Shear llamas once a year, in spring, before the hot weather arrives. Contact shearing@example.com to book.
`;
const FAQ = 'question,answer\nHow tall is a llama?,About 1.8 metres at the head.\nDo llamas spit?,Mostly at each other when they argue about food.\n';

describe('Datasets API and ingestion', () => {
  let t: TestApp;
  const P = '/v1/projects/org/farm';
  before(async () => {
    t = await makeTestApp({ maxUploadBytes: 64 * 1024 });
    await createOfflineProject(t.app, 'org', 'farm');
  });
  after(async () => t.close());

  const upload = (dataset: string, filename: string, content: string | Buffer, contentType?: string) => {
    const { payload, headers } = multipart([{ filename, content, contentType }]);
    return t.app.inject({ method: 'POST', url: `${P}/datasets/${dataset}/data`, payload, headers });
  };

  test('create: 200, then 409 for the same name; 400 unknown strategy/database; 404 unknown project; 422 bad name', async () => {
    const body = { name: 'docs', data_processing_strategy: 'universal_processor', database: 'main_database' };
    const res = await t.app.inject({ method: 'POST', url: `${P}/datasets`, payload: body });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(json(res).dataset, { ...body, files: [] });
    assert.equal((await t.app.inject({ method: 'POST', url: `${P}/datasets`, payload: body })).statusCode, 409);
    const badStrategy = await t.app.inject({ method: 'POST', url: `${P}/datasets`, payload: { ...body, name: 'x', data_processing_strategy: 'nope' } });
    assert.equal(badStrategy.statusCode, 400);
    assert.match(json(badStrategy).detail, /^data_processing_strategy 'nope' is not one of this project's strategies: universal_processor$/);
    const badDb = await t.app.inject({ method: 'POST', url: `${P}/datasets`, payload: { ...body, name: 'x', database: 'nope' } });
    assert.equal(badDb.statusCode, 400);
    assert.equal((await t.app.inject({ method: 'POST', url: '/v1/projects/org/ghost/datasets', payload: body })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'POST', url: `${P}/datasets`, payload: { ...body, name: '../up' } })).statusCode, 422);
    const strategies = json(await t.app.inject(`${P}/datasets/strategies`));
    assert.deepEqual(strategies, { data_processing_strategies: ['universal_processor'], databases: ['main_database'] });
  });

  test('upload stores files by hash; the same bytes again are skipped; names are made safe', async () => {
    const r1 = await upload('docs', 'handbook.md', HANDBOOK, 'text/markdown');
    assert.equal(r1.statusCode, 200, r1.body);
    const a = json(r1);
    assert.match(a.hash, /^[0-9a-f]{64}$/);
    assert.equal(a.filename, 'handbook.md');
    assert.equal(a.processed, false);
    assert.equal(a.skipped, false);
    const again = json(await upload('docs', 'copy.md', HANDBOOK));
    assert.equal(again.skipped, true);
    assert.equal(again.hash, a.hash);
    const sneaky = json(await upload('docs', '../../etc/faq.csv', FAQ, 'text/csv'));
    assert.equal(sneaky.filename, 'faq.csv');
    const raw = await readdir(join(t.dataDir, 'projects', 'org', 'farm', 'lf_data', 'datasets', 'docs', 'raw'));
    assert.equal(raw.length, 2);

    const list = json(await t.app.inject(`${P}/datasets`));
    const ds = list.datasets.find((d: any) => d.name === 'docs');
    assert.equal(ds.files.length, 2);
    assert.equal(ds.details.total_files, 2);
    assert.equal(ds.details.total_size_bytes, Buffer.byteLength(HANDBOOK) + Buffer.byteLength(FAQ));
    const fd = ds.details.file_details.find((f: any) => f.original_filename === 'handbook.md');
    assert.equal(fd.hash, a.hash);
    assert.equal(fd.mime_type, 'text/markdown');
    const plain = json(await t.app.inject(`${P}/datasets?include_extra_details=false`));
    assert.equal(plain.datasets[0].details, undefined);
  });

  test('upload errors: 404 unknown dataset, 422 without a file part, 413 over the cap (nothing kept)', async () => {
    assert.equal((await upload('nope', 'a.txt', 'x')).statusCode, 404);
    const noFile = multipart([{ field: 'other', filename: 'a.txt', content: 'x' }]);
    const r = await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/data`, ...noFile });
    assert.equal(r.statusCode, 422);
    const big = await upload('docs', 'big.txt', Buffer.alloc(100 * 1024, 'a'));
    assert.equal(big.statusCode, 413);
    const tmp = await readdir(join(t.dataDir, 'projects', 'org', 'farm', 'lf_data', 'datasets', 'docs', 'tmp'));
    assert.deepEqual(tmp, []);
    const json415 = await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/data`, payload: { file: 'x' } });
    assert.equal(json415.statusCode, 415);
  });

  test('process: a task that reaches SUCCESS, stores chunks, and re-processing stores nothing twice', async () => {
    const res = await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/actions`, payload: { action_type: 'process' } });
    assert.equal(res.statusCode, 200, res.body);
    const { task_id, task_uri, message } = json(res);
    assert.equal(message, 'Accepted');
    assert.match(task_uri, new RegExp(`^http://localhost(:80)?${P}/tasks/${task_id}$`));
    const task = await waitForTask(t.app, 'org', 'farm', task_id);
    assert.equal(task.state, 'SUCCESS', JSON.stringify(task));
    assert.equal(task.result.processed_files, 2);
    assert.equal(task.result.failed_files, 0);
    assert.ok(task.result.stored_count >= 3);
    const md = task.result.files.find((d: any) => d.filename === 'handbook.md');
    assert.equal(md.status, 'success');
    assert.equal(md.parser, 'MarkdownParser');

    const config = await t.ctx.projects.loadConfig('org', 'farm');
    const db = config.rag!.databases![0];
    const store = await t.ctx.resources.store('org', 'farm', db);
    const count = await store.count();
    assert.equal(count, task.result.stored_count);

    const again = await waitForTask(t.app, 'org', 'farm', json(await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/actions`, payload: { action_type: 'ingest' } })).task_id);
    assert.equal(again.state, 'SUCCESS');
    assert.equal(await store.count(), count, 're-processing stores nothing twice');

    const events = json(await t.app.inject(`${P}/event_logs?type=rag_processing&limit=100`));
    assert.equal(events.total, 4);
    // Newest first: the re-processing events (stored files are skipped before parsing), then the first run's.
    const first = json(await t.app.inject(`${P}/event_logs/${events.events[events.events.length - 1].event_id}`));
    assert.deepEqual(first.events.map((e: any) => e.event_name), ['file_ingestion_start', 'file_parsed', 'chunks_created', 'embeddings_generated', 'chunks_stored', 'processing_complete']);
    const skipped = json(await t.app.inject(`${P}/event_logs/${events.events[0].event_id}`));
    assert.deepEqual(skipped.events.map((e: any) => e.event_name), ['file_ingestion_start', 'processing_complete']);
  });

  test('actions: unknown action 422, unknown dataset 404; an empty dataset finishes at once', async () => {
    assert.equal((await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/actions`, payload: { action_type: 'explode' } })).statusCode, 422);
    assert.equal((await t.app.inject({ method: 'POST', url: `${P}/datasets/nope/actions`, payload: { action_type: 'process' } })).statusCode, 404);
    await t.app.inject({ method: 'POST', url: `${P}/datasets`, payload: { name: 'empty', data_processing_strategy: 'universal_processor', database: 'main_database' } });
    const id = json(await t.app.inject({ method: 'POST', url: `${P}/datasets/empty/actions`, payload: { action_type: 'process' } })).task_id;
    const task = json(await t.app.inject(`${P}/tasks/${id}`));
    assert.equal(task.state, 'SUCCESS');
    assert.equal(task.result.processed_files, 0);
  });

  test('tasks: unknown id and another project are 404', async () => {
    assert.equal((await t.app.inject(`${P}/tasks/00000000-0000-0000-0000-000000000000`)).statusCode, 404);
    assert.equal((await t.app.inject(`${P}/tasks/not-even-a-uuid`)).statusCode, 404);
    await createOfflineProject(t.app, 'org', 'other');
    const id = json(await t.app.inject({ method: 'POST', url: `${P}/datasets/empty/actions`, payload: { action_type: 'process' } })).task_id;
    assert.equal((await t.app.inject(`/v1/projects/org/other/tasks/${id}`)).statusCode, 404);
  });

  test('removing a file removes its chunks before answering; remove_from_disk deletes the bytes', async () => {
    const list = json(await t.app.inject(`${P}/datasets`));
    const docs = list.datasets.find((d: any) => d.name === 'docs');
    const csv = docs.details.file_details.find((f: any) => f.original_filename === 'faq.csv');
    const config = await t.ctx.projects.loadConfig('org', 'farm');
    const store = await t.ctx.resources.store('org', 'farm', config.rag!.databases![0]);
    const before = await store.count();
    const inFile = await store.count({ file_hash: csv.hash });
    assert.ok(inFile > 0);
    const res = await t.app.inject({ method: 'DELETE', url: `${P}/datasets/docs/data/${csv.hash}?remove_from_disk=true` });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(json(res), { file_hash: csv.hash, deleted_chunks: inFile, removed_from_disk: true });
    assert.equal(await store.count(), before - inFile);
    await assert.rejects(stat(join(t.dataDir, 'projects', 'org', 'farm', 'lf_data', 'datasets', 'docs', 'raw', csv.hash)));
    assert.equal((await t.app.inject({ method: 'DELETE', url: `${P}/datasets/docs/data/${csv.hash}` })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `${P}/datasets/docs/data/abc123` })).statusCode, 404);
  });

  test('deleting a dataset removes its files and chunks; a missing dataset is 404', async () => {
    const config = await t.ctx.projects.loadConfig('org', 'farm');
    const store = await t.ctx.resources.store('org', 'farm', config.rag!.databases![0]);
    assert.ok((await store.count({ dataset: 'docs' })) > 0);
    const res = await t.app.inject({ method: 'DELETE', url: `${P}/datasets/docs` });
    assert.equal(res.statusCode, 200);
    assert.equal(json(res).dataset.name, 'docs');
    assert.equal(json(res).dataset.files.length, 1);
    assert.equal(await store.count({ dataset: 'docs' }), 0);
    await assert.rejects(stat(join(t.dataDir, 'projects', 'org', 'farm', 'lf_data', 'datasets', 'docs')));
    assert.equal((await t.app.inject({ method: 'DELETE', url: `${P}/datasets/docs` })).statusCode, 404);
    const after = json(await t.app.inject(`${P}/datasets`));
    assert.ok(!after.datasets.some((d: any) => d.name === 'docs'));
  });
});
