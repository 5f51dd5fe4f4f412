/**
 * Ingestion with an embedding server (Ollama protocol, a local fake at the network boundary): a chunk that embeds
 * to an all-zero vector is skipped with a warning instead of failing the file (issue #14 item 2), and a large file
 * reports its stage and chunk counts while it embeds (issue #14 item 7).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { multipart } from '../helpers/multipart.js';
import { createOfflineProject, waitForTask } from '../helpers/projects.js';
import { EmbeddingsFake } from '../fakes/embeddings-fake.js';

describe('Ingestion with an embedding server: zero vectors and progress', () => {
  let t: TestApp;
  const fake = new EmbeddingsFake();
  const P = '/v1/projects/org/emb';

  const upload = async (dataset: string, filename: string, content: string) => {
    const { payload, headers } = multipart([{ filename, content }]);
    const res = await t.app.inject({ method: 'POST', url: `${P}/datasets/${dataset}/data`, payload, headers });
    assert.equal(res.statusCode, 200, res.body);
    return json(res).hash as string;
  };
  const startProcessing = async (dataset: string) => {
    const res = await t.app.inject({ method: 'POST', url: `${P}/datasets/${dataset}/actions`, payload: { action_type: 'process' } });
    assert.equal(res.statusCode, 200, res.body);
    return json(res).task_id as string;
  };

  before(async () => {
    await fake.start();
    t = await makeTestApp();
    const config = await createOfflineProject(t.app, 'org', 'emb');
    for (const db of config.rag.databases) {
      db.embedding_strategies = [{ name: 'remote', type: 'OllamaEmbedder', config: { model: 'fake-embed', base_url: fake.url, auto_pull: false } }];
      db.default_embedding_strategy = 'remote';
    }
    const strategy = config.rag.data_processing_strategies[0];
    strategy.parsers = [{ type: 'TextParser', file_include_patterns: ['*.txt'], priority: 10, config: { chunk_strategy: 'paragraphs', chunk_size: 120, chunk_overlap: 0 } }];
    strategy.extractors = [];
    const put = await t.app.inject({ method: 'PUT', url: P, payload: { config } });
    assert.equal(put.statusCode, 200, put.body);
    const ds = await t.app.inject({ method: 'POST', url: `${P}/datasets`, payload: { name: 'docs', data_processing_strategy: strategy.name, database: 'main_database' } });
    assert.equal(ds.statusCode, 200, ds.body);
  });
  after(async () => {
    await t.close();
    await fake.close();
  });

  test('#14.2 a chunk that embeds to an all-zero vector is skipped with a warning; the rest of the file is stored', async () => {
    fake.zeroFor = /ZZZ/;
    const paragraphs = [
      'Llamas are social animals and live in herds on the high plains of the Andes mountains.',
      'ZZZ this paragraph is one the embedding model answers with a vector of zeros only.',
      'Alpacas are smaller than llamas and are kept for their soft fleece rather than for work.',
    ];
    const hash = await upload('docs', 'herd.txt', paragraphs.join('\n\n'));
    const task = await waitForTask(t.app, 'org', 'emb', await startProcessing('docs'));
    fake.zeroFor = undefined;
    assert.equal(task.state, 'SUCCESS', JSON.stringify(task));
    const d = task.result.files[0];
    assert.equal(d.status, 'success', JSON.stringify(d));
    assert.equal(d.stored_count, 2);
    assert.ok(d.warnings.some((w: string) => /chunk 1 skipped: it embeds to an all-zero vector/.test(w)), JSON.stringify(d.warnings));
    const config = await t.ctx.projects.loadConfig('org', 'emb');
    const store = await t.ctx.resources.store('org', 'emb', config.rag!.databases![0]);
    assert.equal(await store.count({ file_hash: hash }), 2);
  });

  test('#14.7 a large file reports stage embed and its chunks done/total while it embeds', async () => {
    const paragraphs = Array.from({ length: 400 }, (_, i) => `Paragraph ${i} describes meadow ${i} where the herd grazes in the summer months.`);
    await upload('docs', 'large.txt', paragraphs.join('\n\n'));
    fake.delayMs = 150;
    const id = await startProcessing('docs');
    const seen: any[] = [];
    try {
      for (let i = 0; i < 400; i++) {
        const task = json(await t.app.inject(`${P}/tasks/${id}`));
        if (task.state === 'SUCCESS' || task.state === 'FAILURE') break;
        const file = task.meta?.files?.find((f: any) => f.filename === 'large.txt');
        if (file?.stage === 'embed') seen.push({ stage: task.meta.stage, progress: task.meta.progress, done: file.chunks_done, total: file.chunks_total });
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      fake.delayMs = 0;
    }
    const final = await waitForTask(t.app, 'org', 'emb', id);
    assert.equal(final.state, 'SUCCESS', JSON.stringify(final).slice(0, 500));
    assert.ok(seen.length > 0, 'the task was seen embedding');
    assert.ok(seen.every((s) => s.stage === 'embed'), `task stage while embedding: ${JSON.stringify(seen.slice(0, 3))}`);
    const total = seen[0].total;
    assert.ok(total > 64, `chunks_total ${total}`);
    const partial = seen.filter((s) => s.done > 0 && s.done < total);
    assert.ok(partial.length > 0, `chunk counts moved during embedding: ${JSON.stringify(seen.map((s) => s.done))}`);
    assert.ok(partial.some((s) => s.progress > 0), 'the progress bar moved within the file');
  });
});
