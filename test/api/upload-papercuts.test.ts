/** Issue #14 item 10: 0-byte uploads, the name a duplicate answers with, a `.docx` that is no DOCX. */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { multipart } from '../helpers/multipart.js';
import { createOfflineProject, waitForTask } from '../helpers/projects.js';

describe('upload papercuts', () => {
  let t: TestApp;
  const P = '/v1/projects/org/p';
  const upload = (filename: string, content: string | Buffer) => {
    const { payload, headers } = multipart([{ filename, content }]);
    return t.app.inject({ method: 'POST', url: `${P}/datasets/docs/data`, payload, headers });
  };
  before(async () => {
    t = await makeTestApp();
    await createOfflineProject(t.app, 'org', 'p');
    const res = await t.app.inject({ method: 'POST', url: `${P}/datasets`, payload: { name: 'docs', data_processing_strategy: 'universal_processor', database: 'main_database' } });
    assert.equal(res.statusCode, 200, res.body);
  });
  after(async () => t.close());

  test('a 0-byte upload is refused with 422 naming the file, and nothing is stored', async () => {
    const res = await upload('empty.txt', '');
    assert.equal(res.statusCode, 422, res.body);
    assert.deepEqual(json(res).detail, [{ loc: ['body', 'file'], msg: 'The file empty.txt is empty (0 bytes): there is nothing to index', type: 'value_error' }]);
    const second = await upload('other-empty.md', '');
    assert.equal(second.statusCode, 422);
    assert.match(json(second).detail[0].msg, /^The file other-empty\.md is empty/, 'each refusal names its own file');
    const list = json(await t.app.inject(`${P}/datasets`));
    assert.deepEqual(list.datasets[0].files, []);
  });

  test('the same bytes under another name answer with the name sent, and say which file holds them', async () => {
    const first = json(await upload('a.txt', 'llamas hum when they are content\n'));
    assert.deepEqual([first.filename, first.skipped, first.duplicate_of], ['a.txt', false, undefined]);
    const again = json(await upload('b.txt', 'llamas hum when they are content\n'));
    assert.deepEqual([again.filename, again.skipped, again.duplicate_of, again.hash], ['b.txt', true, 'a.txt', first.hash]);
    const same = json(await upload('a.txt', 'llamas hum when they are content\n'));
    assert.deepEqual([same.filename, same.skipped, 'duplicate_of' in same], ['a.txt', true, false]);
  });

  test('a .docx that is no DOCX is read as text and the task result says it is not a DOCX', async () => {
    const up = await upload('notes.docx', 'Alpacas are smaller than llamas and are kept for their fleece.\n');
    assert.equal(up.statusCode, 200, up.body);
    const started = json(await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/actions`, payload: { action_type: 'process' } }));
    const task = await waitForTask(t.app, 'org', 'p', started.task_id, 120_000);
    assert.equal(task.state, 'SUCCESS', JSON.stringify(task));
    const file = task.result.files.find((f: any) => f.filename === 'notes.docx');
    assert.equal(file.parser, 'TextParser');
    assert.ok(file.warnings?.some((w: string) => /^notes\.docx is not a DOCX file \(not a Word document.*\); it was read as plain text$/.test(w)), JSON.stringify(file));
  });
});
