/**
 * Every document format of the shared corpora through the real pipeline: each file is either ingested or fails
 * with a clear reason, and the task ends SUCCESS (decision 0008) — never in an unexplained state.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { multipart } from '../helpers/multipart.js';
import { createOfflineProject, waitForTask } from '../helpers/projects.js';
import { needShared, sharedPath } from '../helpers/shared.js';

const U = (f: string) => sharedPath('corpora', 'docs', 'unstructured', f);
const FILES: { path: string; expect: 'ok' | 'fail' | 'either'; reason?: RegExp }[] = [
  { path: U('pdf/fake-memo.pdf'), expect: 'ok' },
  { path: U('pdf/layout-parser-paper-fast.pdf'), expect: 'ok' },
  { path: U('pdf/password.pdf'), expect: 'fail', reason: /encrypt|password/i },
  { path: U('pdf/loremipsum-flat.pdf'), expect: 'fail', reason: /text|scan|image/i },
  { path: sharedPath('corpora', 'docs', 'pdfminer', 'zen_of_python_corrupted.pdf'), expect: 'either' },
  { path: U('fake.docx'), expect: 'ok' },
  { path: U('docx-tables.docx'), expect: 'ok' },
  { path: sharedPath('corpora', 'docs', 'mammoth-docx', 'empty.zip'), expect: 'fail' },
  { path: U('stanley-cups.xlsx'), expect: 'ok' },
  { path: U('password_protected.xlsx'), expect: 'fail' },
  { path: U('stanley-cups.csv'), expect: 'ok' },
  { path: U('example-10k-1p.html'), expect: 'ok' },
  { path: U('fake-html-cp1252.html'), expect: 'ok' },
  { path: U('README.md'), expect: 'ok' },
  { path: U('umlauts-non-utf8.md'), expect: 'ok' },
  { path: U('simple.json'), expect: 'ok' },
  { path: U('fake-text-utf-16-le.txt'), expect: 'ok' },
  { path: U('empty.txt'), expect: 'fail' },
  { path: U('fake-text-all-whitespace.txt'), expect: 'fail' },
];

describe('ingesting the corpora formats', { skip: needShared('corpora', 'docs', 'unstructured') }, () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp();
    await createOfflineProject(t.app, 'corp', 'docs');
    await t.app.inject({ method: 'POST', url: '/v1/projects/corp/docs/datasets', payload: { name: 'all', data_processing_strategy: 'universal_processor', database: 'main_database' } });
  });
  after(async () => t.close());

  test('each file is stored or fails with its reason; the task ends SUCCESS', async () => {
    const byHash = new Map<string, (typeof FILES)[number]>();
    for (const f of FILES) {
      const content = await readFile(f.path);
      const body = multipart([{ filename: basename(f.path), content }]);
      const res = await t.app.inject({ method: 'POST', url: '/v1/projects/corp/docs/datasets/all/data', ...body });
      if (content.length === 0) {
        // A 0-byte file is refused at upload (422), before any processing.
        assert.equal(res.statusCode, 422, res.body);
        continue;
      }
      assert.equal(res.statusCode, 200, res.body);
      byHash.set(json(res).hash, f);
    }
    const { task_id } = json(await t.app.inject({ method: 'POST', url: '/v1/projects/corp/docs/datasets/all/actions', payload: { action_type: 'process' } }));
    const task = await waitForTask(t.app, 'corp', 'docs', task_id, 240_000);
    assert.equal(task.state, 'SUCCESS', JSON.stringify(task.error));
    const details: any[] = task.result.files;
    assert.equal(details.length, byHash.size);
    for (const d of details) {
      const f = byHash.get(d.file_hash)!;
      const label = `${basename(f.path)} → ${d.status}: ${d.error ?? ''}`;
      if (f.expect === 'ok') assert.equal(d.status, 'success', label);
      if (f.expect === 'fail') assert.equal(d.status, 'failed', label);
      if (d.status === 'failed') {
        assert.ok(typeof d.error === 'string' && d.error.length > 10, `a failed file says why: ${label}`);
        if (f.reason) assert.match(d.error, f.reason, label);
      } else {
        assert.ok(d.chunks > 0 && d.stored_count + d.skipped_count === d.chunks, label);
      }
    }
    const pdf = details.find((d) => d.filename === 'layout-parser-paper-fast.pdf');
    assert.equal(pdf.parser, 'PDFParser');
    const config = await t.ctx.projects.loadConfig('corp', 'docs');
    const store = await t.ctx.resources.store('corp', 'docs', config.rag!.databases![0]);
    const hits = await store.search({ text: 'layout', topK: 50, filter: { file_hash: pdf.file_hash } });
    assert.ok(hits.length > 0);
    assert.ok(hits.every((h) => typeof h.metadata.page === 'number' && (h.metadata.page as number) >= 1), 'PDF chunks carry page numbers');
    assert.ok(hits.every((h) => h.metadata.source === 'layout-parser-paper-fast.pdf'));
  });
});
