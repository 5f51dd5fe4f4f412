/**
 * #15 items 1, 9, 10: bounded text fields (a 15 MB query or chat message is refused before any work, naming the
 * limit), liveness answered while a big request runs, `/health` probes cached and single-flight, bidi controls
 * stripped from display names, native source paths stripped from error text.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { multipart } from '../helpers/multipart.js';
import { createOfflineProject } from '../helpers/projects.js';
import { DEFAULT_LIMITS } from '../../src/core/settings.js';
import { safeBasename } from '../../src/core/names.js';
import { stripSourcePaths } from '../../src/core/error-text.js';

describe('request limits, health cache, display names', () => {
  let t: TestApp;
  const P = '/v1/projects/org/farm';
  before(async () => {
    t = await makeTestApp();
    await createOfflineProject(t.app, 'org', 'farm');
  });
  after(async () => t.close());

  test('a 15 MB /rag/query query is a 422 naming the limit; liveness is answered while it is handled', async () => {
    const big = 'llama '.repeat(2_500_000);
    const pending = t.app.inject({ method: 'POST', url: `${P}/rag/query`, payload: { query: big } });
    const live = t.app.inject('/health/liveness');
    const [res, alive] = await Promise.all([pending, live]);
    assert.equal(res.statusCode, 422, res.body.slice(0, 300));
    const detail = json(res).detail;
    assert.deepEqual(detail[0].loc, ['body', 'query']);
    assert.equal(detail[0].type, 'string_too_long');
    assert.match(detail[0].msg, new RegExp(String(DEFAULT_LIMITS.maxQueryChars)));
    assert.deepEqual(json(alive), { status: 'alive' });
  });

  test('a query at the limit is still served (200) and liveness answers while it runs', async () => {
    const atLimit = 'feeding llamas hay '.repeat(1000).slice(0, DEFAULT_LIMITS.maxQueryChars);
    let liveAt = 0;
    let queryAt = 0;
    let order = 0;
    const q = t.app.inject({ method: 'POST', url: `${P}/rag/query`, payload: { query: atLimit } }).then((r) => ((queryAt = ++order), r));
    const l = t.app.inject('/health/liveness').then((r) => ((liveAt = ++order), r));
    const [res, alive] = await Promise.all([q, l]);
    assert.notEqual(res.statusCode, 422, res.body.slice(0, 300));
    assert.equal(alive.statusCode, 200);
    assert.ok(liveAt > 0 && queryAt > 0);
  });

  test('a chat whose messages total past the cap is a 422 naming the limit, before the model is touched', async () => {
    const content = 'x'.repeat(DEFAULT_LIMITS.maxChatChars + 1);
    const res = await t.app.inject({ method: 'POST', url: `${P}/chat/completions`, payload: { messages: [{ role: 'user', content }] } });
    assert.equal(res.statusCode, 422, res.body.slice(0, 300));
    const [issue] = json(res).detail;
    assert.deepEqual(issue.loc, ['body', 'messages']);
    assert.match(issue.msg, new RegExp(`limit is ${DEFAULT_LIMITS.maxChatChars} \\(LF_MAX_CHAT_CHARS\\)`));
    const parts = await t.app.inject({
      method: 'POST',
      url: `${P}/chat/completions`,
      payload: { messages: [{ role: 'user', content: [{ type: 'text', text: content }] }], rag_queries: ['q'.repeat(DEFAULT_LIMITS.maxQueryChars + 1)] },
    });
    assert.equal(parts.statusCode, 422);
    assert.deepEqual(json(parts).detail.map((d: any) => d.loc), [['body', 'messages'], ['body', 'rag_queries', 0]]);
  });

  test('/health runs each component probe once per cache period, and concurrent calls share one run', async () => {
    let runs = 0;
    t.ctx.health.register('counting', async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 20));
      return { status: 'healthy', message: `run ${runs}` };
    });
    const all = await Promise.all(Array.from({ length: 10 }, () => t.app.inject('/health')));
    for (const r of all) assert.equal(json(r).services.counting, 'healthy');
    const again = json(await t.app.inject('/health'));
    assert.equal(again.components.find((c: any) => c.name === 'counting').message, 'run 1');
    assert.equal(runs, 1);
  });

  test('bidi controls are stripped from display names, the stored bytes are untouched', async () => {
    assert.equal(safeBasename('invoice\u202Efdp.exe'), 'invoicefdp.exe');
    assert.equal(safeBasename('\u2066a\u2067b\u2068c\u2069\u202Ad\u202Be\u202Cf\u202Dg\u200Eh\u200Fi\u061Cj.txt'), 'abcdefghij.txt');
    await t.app.inject({ method: 'POST', url: `${P}/datasets`, payload: { name: 'docs', data_processing_strategy: 'universal_processor', database: 'main_database' } });
    const content = 'text with a \u202E inside stays as it is';
    const { payload, headers } = multipart([{ filename: 'report\u202Etxt.exe', content, contentType: 'text/plain' }]);
    const res = await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/data`, payload, headers });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(json(res).filename, 'reporttxt.exe');
    const list = json(await t.app.inject(`${P}/datasets`));
    const names = JSON.stringify(list);
    assert.ok(!names.includes('\u202E'), names);
    const ds = t.ctx.layout.datasetDir('org', 'farm', 'docs');
    const { readFile } = await import('node:fs/promises');
    assert.equal(await readFile(`${ds}/raw/${json(res).hash}`, 'utf8'), content);
  });
});

describe('error text without native source paths', () => {
  test('LanceDB (Rust) source locations are cut out, the message stays', () => {
    const samples: [string, string][] = [
      [
        'lance error: Invalid user input: No space left on device (os error 28), /usr/local/cargo/registry/src/index.crates.io-6f17d22bba15001f/lance-io-0.20.0/src/object_writer.rs:123:45',
        'lance error: Invalid user input: No space left on device (os error 28)',
      ],
      [
        'Commit conflict for version 4: This Append transaction is incompatible, /home/runner/work/lance/lance/rust/lance/src/io/commit.rs:812:17 at rust/lance-table/src/io/commit.rs:55:9',
        'Commit conflict for version 4: This Append transaction is incompatible',
      ],
      ['plain message without paths', 'plain message without paths'],
    ];
    for (const [input, expected] of samples) assert.equal(stripSourcePaths(input), expected);
    assert.ok(!/cargo|\.rs\b/.test(stripSourcePaths('x at /root/.cargo/registry/src/github.com-1ecc6299db9ec823/arrow-52.0.0/src/lib.rs:1:1 y')));
  });
});
