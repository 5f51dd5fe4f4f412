import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { createOfflineProject, waitForTask } from '../helpers/projects.js';
import { REPO_ROOT } from '../helpers/shared.js';
import { ChatUpstreamFake } from '../fakes/chat-upstream-fake.js';
import { buildExampleDocs } from '../../scripts/build-example-docs.js';

const EXAMPLES_DIR = join(REPO_ROOT, 'examples');

/** Each shipped example: its folder, ingest extensions per dataset, and a question its documents answer. */
const SHIPPED = {
  fda_rag: { datasets: { fda_letters: '.pdf' }, question: 'How many environmental swabs were positive for Listeria at Bellweather Bakery?', answer: '9 of the 100 swabs' },
  'hr-policies': { datasets: { policies: '.docx' }, question: 'How many days of paid annual leave does a full-time employee get?', answer: '28 days of paid annual leave' },
  'product-handbook': { datasets: { handbook: '.md' }, question: 'What does error E4 with four red blinks mean?', answer: 'Short circuit on a zone or the master valve' },
  'support-desk': { datasets: { help_center: '.html', ticket_log: '.csv' }, question: 'When do card payments reach my bank account?', answer: 'two business days after the payment' },
} as const;
type ExampleId = keyof typeof SHIPPED;
const IDS = Object.keys(SHIPPED) as ExampleId[];

async function filesOf(id: string, ext: string): Promise<{ names: string[]; bytes: number }> {
  const dir = join(EXAMPLES_DIR, id, 'files');
  const names = (await readdir(dir)).filter((n) => n.endsWith(ext)).sort();
  let bytes = 0;
  for (const n of names) bytes += (await stat(join(dir, n))).size;
  return { names, bytes };
}

describe('Examples API: the shipped examples', () => {
  let t: TestApp;
  let fake: ChatUpstreamFake;
  before(async () => {
    t = await makeTestApp();
    fake = await ChatUpstreamFake.start();
  });
  after(async () => {
    await fake.close();
    await t.close();
  });

  test('the committed PDF and DOCX documents are what scripts/build-example-docs.ts builds from their sources', async () => {
    const docs = await buildExampleDocs(EXAMPLES_DIR);
    assert.ok(docs.some((d) => d.output.endsWith('.pdf')) && docs.some((d) => d.output.endsWith('.docx')));
    for (const d of docs) {
      const committed = await readFile(d.output);
      assert.ok(committed.equals(d.bytes), `${d.output} is stale: run node --import tsx scripts/build-example-docs.ts`);
    }
  });

  test('list: every example with its dataset count and sizes (also at /v1/examples/)', async () => {
    const res = await t.app.inject('/v1/examples');
    assert.equal(res.statusCode, 200, res.body);
    const { examples } = json(res);
    assert.deepEqual(examples.map((e: any) => e.id), IDS);
    for (const e of examples) {
      const spec = SHIPPED[e.id as ExampleId];
      assert.equal(e.slug, e.id);
      assert.ok(e.title && e.description, 'title and description');
      assert.equal(e.primaryModel, 'unsloth/Qwen3-1.7B-GGUF:Q4_K_M');
      assert.ok(e.tags.includes('rag'));
      assert.equal(e.dataset_count, Object.keys(spec.datasets).length);
      let data = 0;
      for (const ext of Object.values(spec.datasets)) data += (await filesOf(e.id, ext)).bytes;
      assert.equal(e.data_size_bytes, data);
      assert.match(e.data_size_human, /^\d+\.\dKB$/);
      const project = (await stat(join(EXAMPLES_DIR, e.id, 'manifest.yaml'))).size + (await stat(join(EXAMPLES_DIR, e.id, 'llamafarm.yaml'))).size;
      assert.equal(e.project_size_bytes, project);
      assert.match(e.project_size_human, /^\d+\.\dKB$/);
      assert.match(e.updated_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    }
    const slash = await t.app.inject('/v1/examples/');
    assert.equal(slash.statusCode, 200);
    assert.deepEqual(json(slash), json(res));
  });

  test("datasets: per example, flattened, and 404 for an unknown example", async () => {
    const res = await t.app.inject('/v1/examples/support-desk/datasets');
    assert.equal(res.statusCode, 200, res.body);
    const { datasets } = json(res);
    const csv = await filesOf('support-desk', '.csv');
    const html = await filesOf('support-desk', '.html');
    assert.deepEqual(datasets, [
      { example_id: 'support-desk', example_title: 'Quillbill Support Desk', name: 'help_center', strategy: 'help_center_html_processor', database: 'support_db', ingest: ['files/*.html'], size_bytes: html.bytes, size_human: `${(html.bytes / 1024).toFixed(1)}KB` },
      { example_id: 'support-desk', example_title: 'Quillbill Support Desk', name: 'ticket_log', strategy: 'ticket_csv_processor', database: 'support_db', kind: 'csv', ingest: ['files/*.csv'], size_bytes: csv.bytes, size_human: `${(csv.bytes / 1024).toFixed(1)}KB` },
    ]);
    const fda = json(await t.app.inject('/v1/examples/fda_rag/datasets')).datasets;
    assert.equal(fda[0].kind, 'pdf');
    assert.equal(json(await t.app.inject('/v1/examples/product-handbook/datasets')).datasets[0].kind, 'markdown');

    const all = json(await t.app.inject('/v1/examples/datasets')).datasets;
    assert.deepEqual(
      all.map((d: any) => `${d.example_id}/${d.name}`),
      IDS.flatMap((id) => Object.keys(SHIPPED[id].datasets).map((n) => `${id}/${n}`)),
    );

    const missing = await t.app.inject('/v1/examples/nope/datasets');
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(json(missing), { detail: "Example 'nope' not found" });
  });

  test('import-project of each example: datasets filled, processing tasks succeed, chunks stored and searchable', async () => {
    for (const id of IDS) {
      const spec = SHIPPED[id];
      const name = `demo-${id.replace(/_/g, '-')}`;
      const res = await t.app.inject({ method: 'POST', url: `/v1/examples/${id}/import-project`, payload: { namespace: 'acme', name } });
      assert.equal(res.statusCode, 200, res.body);
      const body = json(res);
      assert.equal(body.project, name);
      assert.equal(body.namespace, 'acme');
      assert.deepEqual(body.datasets, Object.keys(spec.datasets));
      assert.equal(body.task_ids.length, body.datasets.length, 'process defaults to true');

      let stored = 0;
      for (const [i, taskId] of body.task_ids.entries()) {
        const task = await waitForTask(t.app, 'acme', name, taskId);
        assert.equal(task.state, 'SUCCESS', JSON.stringify(task));
        const { names } = await filesOf(id, Object.values(spec.datasets)[i]);
        assert.equal(task.result.processed_files, names.length, `${id}: every file processed`);
        assert.equal(task.result.failed_files, 0, JSON.stringify(task.result.files));
        assert.ok(task.result.stored_count > names.length, `${id}: several chunks per file`);
        stored += task.result.stored_count;
      }

      const config = await t.ctx.projects.loadConfig('acme', name);
      assert.equal(config.name, name);
      assert.equal(config.namespace, 'acme');
      assert.deepEqual(config.datasets!.map((d) => d.name), Object.keys(spec.datasets));
      const db = config.rag!.databases![0];
      assert.equal(db.type, 'LanceDBStore');
      assert.equal(db.embedding_strategies![0].type, 'HashingEmbedder');
      assert.equal(await (await t.ctx.resources.store('acme', name, db)).count(), stored);

      const found = await t.ctx.retrieval.search('acme', name, { query: spec.question, topK: 3 });
      assert.equal(found.strategyUsed, 'hybrid_search');
      assert.ok(found.results.some((r) => r.content.includes(spec.answer)), `${id}: "${spec.answer}" in the top 3 for "${spec.question}": ${JSON.stringify(found.results.map((r) => r.content.slice(0, 120)))}`);
    }
  });

  test('chat on each imported example answers with the RAG context from its documents injected', async () => {
    for (const id of IDS) {
      const spec = SHIPPED[id];
      const name = `demo-${id.replace(/_/g, '-')}`;
      const config = (await t.ctx.projects.get('acme', name)).config as any;
      config.runtime = { default_model: 'default', models: [{ name: 'default', provider: 'openai', model: 'fake-model', base_url: `${fake.url}/v1`, api_key: 'sk-test' }] };
      const put = await t.app.inject({ method: 'PUT', url: `/v1/projects/acme/${name}`, payload: { config } });
      assert.equal(put.statusCode, 200, put.body);
      fake.script({ content: `Answer for ${id}` });
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/projects/acme/${name}/chat/completions`,
        headers: { 'x-no-session': '1' },
        payload: { messages: [{ role: 'user', content: spec.question }] },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(json(res).choices[0].message.content, `Answer for ${id}`);
      const sent = fake.lastChat!.body.messages;
      const system = sent.filter((m: any) => m.role === 'system').map((m: any) => m.content).join('\n');
      assert.match(system, /# EXTRA INFORMATION AND CONTEXT/);
      assert.ok(system.includes(spec.answer), `${id}: the context holds "${spec.answer}"`);
      assert.equal(sent.at(-1).content, spec.question);
    }
  });

  test("the reference's curl examples work verbatim (import-project, then import-data into an existing project)", async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/examples/fda_rag/import-project',
      headers: { 'content-type': 'application/json' },
      payload: '{\n    "namespace": "my-org",\n    "name": "my-fda-project",\n    "process": true\n  }',
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = json(res);
    assert.deepEqual({ ...body, task_ids: undefined }, { project: 'my-fda-project', namespace: 'my-org', datasets: ['fda_letters'], task_ids: undefined });
    assert.equal(body.task_ids.length, 1);
    assert.equal((await waitForTask(t.app, 'my-org', 'my-fda-project', body.task_ids[0])).state, 'SUCCESS');

    assert.equal((await t.app.inject({ method: 'POST', url: '/v1/projects/my-org', payload: { name: 'my-project' } })).statusCode, 200);
    const data = await t.app.inject({
      method: 'POST',
      url: '/v1/examples/fda_rag/import-data',
      headers: { 'content-type': 'application/json' },
      payload: '{\n    "namespace": "my-org",\n    "project": "my-project",\n    "include_strategies": true,\n    "process": true\n  }',
    });
    assert.equal(data.statusCode, 200, data.body);
    const d = json(data);
    assert.equal(d.project, 'my-project');
    assert.deepEqual(d.datasets, ['fda_letters']);
    assert.equal((await waitForTask(t.app, 'my-org', 'my-project', d.task_ids[0])).state, 'SUCCESS');
    const config = await t.ctx.projects.loadConfig('my-org', 'my-project');
    assert.deepEqual(config.rag!.databases!.map((x) => x.name), ['main_database', 'fda_letters_db']);
    assert.ok(config.rag!.data_processing_strategies!.some((s) => s.name === 'fda_pdf_processor'));
  });

  test('import-project refuses: 409 existing project (nothing changed), 400 reserved namespace, 422 bad name, 404 unknown example', async () => {
    const before = await t.ctx.projects.get('acme', 'demo-fda-rag');
    const again = await t.app.inject({ method: 'POST', url: '/v1/examples/product-handbook/import-project', payload: { namespace: 'acme', name: 'demo-fda-rag' } });
    assert.equal(again.statusCode, 409);
    assert.match(json(again).detail, /already exists/);
    assert.deepEqual((await t.ctx.projects.get('acme', 'demo-fda-rag')).config, before.config);

    const reserved = await t.app.inject({ method: 'POST', url: '/v1/examples/fda_rag/import-project', payload: { namespace: 'llamafarm', name: 'x' } });
    assert.equal(reserved.statusCode, 400);
    const bad = await t.app.inject({ method: 'POST', url: '/v1/examples/fda_rag/import-project', payload: { namespace: 'acme', name: '../x' } });
    assert.equal(bad.statusCode, 422);
    const unknown = await t.app.inject({ method: 'POST', url: '/v1/examples/nope/import-project', payload: { namespace: 'acme', name: 'x' } });
    assert.equal(unknown.statusCode, 404);
    assert.deepEqual(json(unknown), { detail: "Example 'nope' not found" });
    assert.equal((await t.app.inject({ method: 'POST', url: '/v1/examples/nope/import-data', payload: { namespace: 'acme', project: 'demo-fda-rag' } })).statusCode, 404);
  });

  test('import-data merges databases and strategies by name (existing entries win) and needs an existing project', async () => {
    const config = await createOfflineProject(t.app, 'acme', 'merge', { dimension: 128 });
    config.rag.databases.push({ ...structuredClone(config.rag.databases[0]), name: 'handbook_db', retrieval_strategies: [{ name: 'mine', type: 'BasicSimilarityStrategy', config: { top_k: 2 }, default: true }], default_retrieval_strategy: 'mine' });
    assert.equal((await t.app.inject({ method: 'PUT', url: '/v1/projects/acme/merge', payload: { config } })).statusCode, 200);

    const res = await t.app.inject({ method: 'POST', url: '/v1/examples/product-handbook/import-data', payload: { namespace: 'acme', project: 'merge' } });
    assert.equal(res.statusCode, 200, res.body);
    const body = json(res);
    assert.deepEqual(body.datasets, ['handbook']);
    const task = await waitForTask(t.app, 'acme', 'merge', body.task_ids[0]);
    assert.equal(task.state, 'SUCCESS', JSON.stringify(task));
    const merged = await t.ctx.projects.loadConfig('acme', 'merge');
    assert.deepEqual(merged.rag!.databases!.map((d) => d.name), ['main_database', 'handbook_db']);
    const handbookDb = merged.rag!.databases!.find((d) => d.name === 'handbook_db')!;
    assert.equal(handbookDb.default_retrieval_strategy, 'mine', 'the project keeps its own handbook_db');
    assert.equal(handbookDb.embedding_strategies![0].config!.dimension, 128);
    assert.deepEqual(merged.rag!.data_processing_strategies!.map((s) => s.name), ['universal_processor', 'handbook_markdown_processor']);
    assert.equal(merged.rag!.default_database, 'main_database');
    assert.equal((await (await t.ctx.resources.store('acme', 'merge', handbookDb)).describe()).dimension, 128);

    const missing = await t.app.inject({ method: 'POST', url: '/v1/examples/product-handbook/import-data', payload: { namespace: 'acme', project: 'ghost' } });
    assert.equal(missing.statusCode, 404);

    await createOfflineProject(t.app, 'acme', 'plain');
    const noStrategies = await t.app.inject({ method: 'POST', url: '/v1/examples/product-handbook/import-data', payload: { namespace: 'acme', project: 'plain', include_strategies: false } });
    assert.equal(noStrategies.statusCode, 400);
    assert.match(json(noStrategies).detail, /data_processing_strategy 'handbook_markdown_processor' is not one of this project's strategies: universal_processor/);
  });

  test('import-dataset: one dataset under target_dataset, only its database and strategy merged; process:false queues nothing', async () => {
    await createOfflineProject(t.app, 'acme', 'tickets');
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/examples/support-desk/import-dataset',
      payload: { namespace: 'acme', project: 'tickets', dataset: 'ticket_log', target_dataset: 'tickets_2024' },
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = json(res);
    assert.deepEqual({ ...body, task_id: undefined }, { project: 'tickets', namespace: 'acme', dataset: 'tickets_2024', file_count: 1, task_id: undefined });
    const task = await waitForTask(t.app, 'acme', 'tickets', body.task_id);
    assert.equal(task.state, 'SUCCESS', JSON.stringify(task));
    assert.ok(task.result.stored_count >= 18, 'two tickets per chunk');
    const config = await t.ctx.projects.loadConfig('acme', 'tickets');
    assert.deepEqual(config.datasets!.map((d) => [d.name, d.database, d.data_processing_strategy]), [['tickets_2024', 'support_db', 'ticket_csv_processor']]);
    assert.deepEqual(config.rag!.data_processing_strategies!.map((s) => s.name), ['universal_processor', 'ticket_csv_processor']);

    const quiet = await t.app.inject({ method: 'POST', url: '/v1/examples/support-desk/import-dataset', payload: { namespace: 'acme', project: 'tickets', dataset: 'help_center', process: false } });
    assert.equal(quiet.statusCode, 200, quiet.body);
    assert.deepEqual(json(quiet), { project: 'tickets', namespace: 'acme', dataset: 'help_center', file_count: 2 });
    const listed = json(await t.app.inject('/v1/projects/acme/tickets/datasets')).datasets.find((d: any) => d.name === 'help_center');
    assert.equal(listed.files.length, 2);

    const unknown = await t.app.inject({ method: 'POST', url: '/v1/examples/support-desk/import-dataset', payload: { namespace: 'acme', project: 'tickets', dataset: 'nope' } });
    assert.equal(unknown.statusCode, 404);
    assert.deepEqual(json(unknown), { detail: "Dataset 'nope' not found in example 'support-desk'" });
    const badTarget = await t.app.inject({ method: 'POST', url: '/v1/examples/support-desk/import-dataset', payload: { namespace: 'acme', project: 'tickets', dataset: 'ticket_log', target_dataset: 'a/b' } });
    assert.equal(badTarget.statusCode, 422);
  });

  test('the operations are in the OpenAPI document with their ids and the examples tag', async () => {
    const doc = json(await t.app.inject('/openapi.json'));
    const ops = new Map<string, string[]>();
    for (const [path, methods] of Object.entries<any>(doc.paths)) for (const [m, op] of Object.entries<any>(methods)) ops.set(op.operationId, [`${m} ${path}`, ...(op.tags ?? [])]);
    assert.deepEqual(ops.get('examples_list'), ['get /v1/examples', 'examples']);
    assert.deepEqual(ops.get('examples_datasets_list'), ['get /v1/examples/datasets', 'examples']);
    assert.deepEqual(ops.get('example_datasets_list'), ['get /v1/examples/{example_id}/datasets', 'examples']);
    assert.deepEqual(ops.get('example_import_project'), ['post /v1/examples/{example_id}/import-project', 'examples']);
    assert.deepEqual(ops.get('example_import_data'), ['post /v1/examples/{example_id}/import-data', 'examples']);
    assert.deepEqual(ops.get('example_import_dataset'), ['post /v1/examples/{example_id}/import-dataset', 'examples']);
  });
});
