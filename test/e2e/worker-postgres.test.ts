/**
 * Scale-out with Postgres metadata and the embedded queue (LF_METADATA_URL, no LF_TASK_BACKEND): an API context
 * that does not run tasks queues a dataset processing task, and a real `lf worker` process on the same data dir
 * and database claims it and runs it to SUCCESS. A real PostgreSQL (LF_TEST_PG_URL or a throwaway cluster).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import pino from 'pino';
import { loadSettings } from '../../src/core/settings.js';
import { createContext } from '../../src/services/context.js';
import { buildApp } from '../../src/api/app.js';
import { json, tempDir } from '../helpers/app.js';
import { multipart } from '../helpers/multipart.js';
import { createOfflineProject, waitForTask } from '../helpers/projects.js';
import { needPostgres, startPostgresServer } from '../helpers/postgres-server.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';

test('lf worker claims and runs tasks queued by an API process through Postgres task records', { skip: needPostgres(), timeout: 180_000 }, async () => {
  const pg = await startPostgresServer();
  const dataDir = await tempDir('lf-pg-worker-');
  const url = await pg.freshSchema();
  process.env.LF_METADATA_URL = url;
  let worker: WorkerProcess | undefined;
  const ctx = await createContext(loadSettings({ dataDir, logLevel: 'silent', releasesUrl: 'http://127.0.0.1:9/unreachable' }, {}), pino({ level: 'silent' }), { runTasks: false });
  const app = await buildApp(ctx);
  try {
    const P = '/v1/projects/org/farm';
    await createOfflineProject(app, 'org', 'farm');
    const created = await app.inject({ method: 'POST', url: `${P}/datasets`, payload: { name: 'docs', data_processing_strategy: 'universal_processor', database: 'main_database' } });
    assert.equal(created.statusCode, 200, created.body);
    const { payload, headers } = multipart([{ filename: 'notes.txt', content: 'Llamas are members of the camelid family. They live in the Andes.\n'.repeat(20) }]);
    assert.equal((await app.inject({ method: 'POST', url: `${P}/datasets/docs/data`, payload, headers })).statusCode, 200);
    const res = await app.inject({ method: 'POST', url: `${P}/datasets/docs/actions`, payload: { action_type: 'process' } });
    const { task_id } = json(res);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(json(await app.inject(`${P}/tasks/${task_id}`)).state, 'PENDING', 'this API process does not run tasks');

    worker = await startWorkerProcess(dataDir, { LF_METADATA_URL: url });
    const task = await waitForTask(app, 'org', 'farm', task_id, 120_000);
    assert.equal(task.state, 'SUCCESS', JSON.stringify(task));
    assert.equal(task.result.processed_files, 1);
    assert.ok(task.result.stored_count > 0);
    // The worker's rag_processing event is in the shared event index.
    const events = json(await app.inject(`${P}/event_logs?type=rag_processing`));
    assert.equal(events.total, 1);
    assert.equal(await worker.stop('SIGTERM'), 0);
  } finally {
    await worker?.stop('SIGKILL');
    await app.close();
    await ctx.close();
    delete process.env.LF_METADATA_URL;
    await pg.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
