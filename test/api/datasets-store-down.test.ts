/**
 * Removing data while the vector store is down (decision 0181): the removal answers 503 naming the store, the
 * file (or dataset) stays registered, and a retry once the store is back removes the chunks — nothing is orphaned.
 * The store is a real PGVectorStore on PGlite served over the Postgres wire protocol, stopped and restarted on the
 * same port with the same data directory.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeTestApp, json, tempDir, type TestApp } from '../helpers/app.js';
import { multipart } from '../helpers/multipart.js';
import { createOfflineProject, waitForTask } from '../helpers/projects.js';
import { startPgliteServer, type PgliteServer } from '../helpers/pglite-server.js';
import { freePort } from '../helpers/ports.js';
import { hashingDatabase } from './rag-fixtures.js';

const P = '/v1/projects/org/farm';
const TEXT = 'Llamas eat grass and hay.\n\nShear llamas once a year, in spring.\n\nLlamas hum when they are content.\n';

describe('Removing data while the vector store is down', () => {
  let t: TestApp;
  let pg: PgliteServer | undefined;
  let port: number;
  let pgDir: string;

  const startPg = async () => {
    pg = await startPgliteServer({ dataDir: pgDir, port });
  };
  const stopPg = async () => {
    await pg?.stop();
    pg = undefined;
  };
  const store = async () => {
    const config = await t.ctx.projects.loadConfig('org', 'farm');
    return t.ctx.resources.store('org', 'farm', config.rag!.databases!.find((d) => d.name === 'pg_db')!);
  };
  const fileHashes = async (dataset: string): Promise<string[] | undefined> => {
    const res = await t.app.inject(`${P}/datasets`);
    assert.equal(res.statusCode, 200, res.body);
    return json(res).datasets.find((d: any) => d.name === dataset)?.files;
  };
  const ingest = async (dataset: string, filename: string, content: string): Promise<string> => {
    const created = await t.app.inject({ method: 'POST', url: `${P}/datasets`, payload: { name: dataset, data_processing_strategy: 'universal_processor', database: 'pg_db' } });
    assert.equal(created.statusCode, 200, created.body);
    const { payload, headers } = multipart([{ filename, content }]);
    const up = await t.app.inject({ method: 'POST', url: `${P}/datasets/${dataset}/data`, payload, headers });
    assert.equal(up.statusCode, 200, up.body);
    const run = await t.app.inject({ method: 'POST', url: `${P}/datasets/${dataset}/actions`, payload: { action_type: 'process' } });
    assert.equal(run.statusCode, 200, run.body);
    const task = await waitForTask(t.app, 'org', 'farm', json(run).task_id);
    assert.equal(task.state, 'SUCCESS', JSON.stringify(task));
    return json(up).hash;
  };

  before(async () => {
    port = await freePort();
    pgDir = join(await tempDir('lf-pg-down-'), 'pg');
    await startPg();
    t = await makeTestApp();
    await createOfflineProject(t.app, 'org', 'farm');
    const db = hashingDatabase('pg_db', { type: 'PGVectorStore', config: { connection_string: pg!.url, pool_max: 1 } });
    const added = await t.app.inject({ method: 'POST', url: `${P}/rag/databases`, payload: db });
    assert.equal(added.statusCode, 201, added.body);
  });
  after(async () => {
    await t?.close();
    await stopPg();
    if (pgDir) await rm(dirname(pgDir), { recursive: true, force: true });
  });

  test('removing a file: 503 while the store is down, the file stays listed, a retry after recovery removes its chunks', async () => {
    const hash = await ingest('docs', 'llamas.txt', TEXT);
    const stored = await (await store()).count({ file_hash: hash });
    assert.ok(stored > 0, 'the file has chunks');

    await stopPg();
    const down = await t.app.inject({ method: 'DELETE', url: `${P}/datasets/docs/data/${hash}` });
    assert.equal(down.statusCode, 503, down.body);
    const detail = json(down).detail;
    assert.equal(typeof detail, 'string');
    assert.match(detail, /^Vector store: PGVectorStore cannot reach Postgres/);
    assert.doesNotMatch(detail, /\n\s+at /, 'no stack trace');
    assert.deepEqual(await fileHashes('docs'), [hash], 'the file is still registered');

    await startPg();
    const retry = await t.app.inject({ method: 'DELETE', url: `${P}/datasets/docs/data/${hash}` });
    assert.equal(retry.statusCode, 200, retry.body);
    assert.deepEqual(json(retry), { file_hash: hash, deleted_chunks: stored, removed_from_disk: false });
    assert.equal(await (await store()).count({ file_hash: hash }), 0);
    assert.deepEqual(await fileHashes('docs'), []);
  });

  test('deleting a dataset: 503 while the store is down, the dataset stays, a retry after recovery removes its chunks', async () => {
    await ingest('notes', 'notes.txt', `${TEXT}\nAlpacas are smaller than llamas.\n`);
    assert.ok((await (await store()).count({ dataset: 'notes' })) > 0);

    await stopPg();
    const down = await t.app.inject({ method: 'DELETE', url: `${P}/datasets/notes` });
    assert.equal(down.statusCode, 503, down.body);
    assert.match(json(down).detail, /PGVectorStore cannot reach Postgres/);
    assert.equal((await fileHashes('notes'))?.length, 1, 'the dataset and its file are still there');

    await startPg();
    const retry = await t.app.inject({ method: 'DELETE', url: `${P}/datasets/notes` });
    assert.equal(retry.statusCode, 200, retry.body);
    assert.equal(json(retry).dataset.name, 'notes');
    assert.equal(await (await store()).count({ dataset: 'notes' }), 0);
    assert.equal(await fileHashes('notes'), undefined);
  });
});
