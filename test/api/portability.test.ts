/**
 * Project export/import (issue 18 item 7): a round trip (export, delete, import) gives identical /rag/query
 * results and session histories; bad archives ('..' members, truncated, newer format, tampered, existing name)
 * are refused and leave nothing behind.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { create as tarCreate, list as tarList } from 'tar';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { multipart } from '../helpers/multipart.js';
import { waitForTask } from '../helpers/projects.js';
import { ChatUpstreamFake } from '../fakes/chat-upstream-fake.js';
import { createChatProject } from './chat-setup.js';

const FILES: Record<string, string> = {
  'shearing.md': '# Shearing\n\nShear llamas once a year, in spring, before the hot weather arrives.\n',
  'feeding.md': '# Feeding\n\nLlamas eat grass and hay, about two percent of their body weight every day.\n',
};

async function tarGz(files: Record<string, string | Buffer>): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'lf-tar-'));
  try {
    for (const [p, c] of Object.entries(files)) {
      await mkdir(join(dir, p, '..'), { recursive: true });
      await writeFile(join(dir, p), c);
    }
    const chunks: Buffer[] = [];
    for await (const c of tarCreate({ gzip: true, cwd: dir, portable: true }, Object.keys(files))) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A raw tar holding one member with an arbitrary (unsafe) path. */
function rawTarMember(path: string, content: string): Buffer {
  const header = Buffer.alloc(512);
  header.write(path, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(content.length.toString(8).padStart(11, '0') + '\0', 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  const body = Buffer.alloc(Math.ceil(content.length / 512) * 512);
  body.write(content);
  return Buffer.concat([header, body, Buffer.alloc(1024)]);
}

describe('Project export and import', () => {
  let t: TestApp;
  let fake: ChatUpstreamFake;
  const P = '/v1/projects/org/src';
  const Q = { query: 'When should llamas be sheared?', top_k: 5 };
  const upload = (archive: Buffer, name?: string) => {
    const { payload, headers } = multipart([{ filename: 'p.tar.gz', content: archive, contentType: 'application/gzip' }]);
    return t.app.inject({ method: 'POST', url: `/v1/projects/org/import${name ? `?name=${name}` : ''}`, payload, headers });
  };
  const leftovers = async () => (await readdir(t.dataDir)).filter((n) => n.startsWith('.import-') || n.startsWith('.export-'));
  const projectsNow = async () => json(await t.app.inject('/v1/projects/org')).projects.map((p: any) => p.name).sort();
  const exportOf = async (include: string) => {
    const res = await t.app.inject(`${P}/export?include=${include}`);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['content-type'], 'application/gzip');
    return res.rawPayload;
  };

  before(async () => {
    fake = await ChatUpstreamFake.start();
    t = await makeTestApp();
    await createChatProject(t.app, 'org', 'src', { baseUrl: `${fake.url}/v1`, rag: true });
    assert.equal((await t.app.inject({ method: 'POST', url: `${P}/datasets`, payload: { name: 'docs', data_processing_strategy: 'universal_processor', database: 'main_database' } })).statusCode, 200);
    for (const [filename, content] of Object.entries(FILES)) {
      const { payload, headers } = multipart([{ filename, content, contentType: 'text/markdown' }]);
      assert.equal((await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/data`, payload, headers })).statusCode, 200);
    }
    const started = json(await t.app.inject({ method: 'POST', url: `${P}/datasets/docs/actions`, payload: { action_type: 'process' } }));
    assert.equal((await waitForTask(t.app, 'org', 'src', started.task_id, 120_000)).state, 'SUCCESS');
    const chat = await t.app.inject({ method: 'POST', url: `${P}/chat/completions`, payload: { messages: [{ role: 'user', content: 'When to shear?' }], include_sources: true }, headers: { 'x-session-id': 's1' } });
    assert.equal(chat.statusCode, 200);
    await t.app.inject({ method: 'POST', url: `${P}/rag/judgments`, payload: { query: 'shear', document_id: 'd1', relevance: 2 } });
  });
  after(async () => {
    await t.close();
    await fake.close();
  });

  test('round trip with vectors: export, delete, import gives identical query results, sessions and judgments', async () => {
    const before = json(await t.app.inject({ method: 'POST', url: `${P}/rag/query`, payload: Q }));
    const history = json(await t.app.inject(`${P}/chat/sessions/s1/history`));
    assert.ok(history.messages.at(-1).sources.length > 0);
    const archive = await exportOf('files,vectors,sessions,judgments');
    const names: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const p = tarList({ onReadEntry: (e) => void names.push(e.path) });
      p.on('end', resolve).on('error', reject);
      p.end(archive);
    });
    assert.equal(names[0], 'manifest.json');
    assert.ok(names.includes('project/llamafarm.yaml') && names.includes('sessions.json') && names.includes('project/lf_data/judgments.jsonl'));
    assert.ok(names.some((n) => n.startsWith('project/lf_data/stores/')));

    assert.equal((await t.app.inject({ method: 'DELETE', url: P })).statusCode, 200);
    const res = await upload(archive);
    assert.equal(res.statusCode, 200, res.body);
    const r = json(res);
    assert.equal(r.project, 'src');
    assert.deepEqual(r.task_ids, [], 'with vectors nothing is re-ingested');
    assert.equal(r.sessions, 1);
    const after = json(await t.app.inject({ method: 'POST', url: `${P}/rag/query`, payload: Q }));
    assert.deepEqual(after.results, before.results);
    assert.deepEqual(json(await t.app.inject(`${P}/chat/sessions/s1/history`)), history);
    assert.equal(json(await t.app.inject(`${P}/rag/judgments`)).total, 1);
    assert.deepEqual(await leftovers(), []);
  });

  test('without vectors: imported under a new name and re-ingested as a task, same results', async () => {
    const before = json(await t.app.inject({ method: 'POST', url: `${P}/rag/query`, payload: Q }));
    const res = await upload(await exportOf('files'), 'copy');
    assert.equal(res.statusCode, 200, res.body);
    const r = json(res);
    assert.equal(r.project, 'copy');
    assert.equal(r.task_ids.length, 1);
    assert.equal((await waitForTask(t.app, 'org', 'copy', r.task_ids[0], 120_000)).state, 'SUCCESS');
    const cfg = json(await t.app.inject('/v1/projects/org/copy')).project.config;
    assert.equal(cfg.name, 'copy');
    const after = json(await t.app.inject({ method: 'POST', url: '/v1/projects/org/copy/rag/query', payload: Q }));
    assert.deepEqual(after.results.map((x: any) => [x.content, x.score]), before.results.map((x: any) => [x.content, x.score]));
    assert.equal((await t.app.inject('/v1/projects/org/copy/chat/sessions/s1/history')).statusCode, 404, 'sessions were not included');
  });

  test('an existing name is 409; unknown include values are 400', async () => {
    const archive = await exportOf('files');
    const res = await upload(archive);
    assert.equal(res.statusCode, 409);
    assert.match(json(res).detail, /org\/src already exists/);
    assert.equal((await t.app.inject(`${P}/export?include=files,secrets`)).statusCode, 400);
    assert.equal((await t.app.inject('/v1/projects/org/nope/export')).statusCode, 404);
  });

  test('two concurrent imports of one name: one wins, the other is 409', async () => {
    const archive = await exportOf('sessions');
    const [a, b] = await Promise.all([upload(archive, 'twin'), upload(archive, 'twin')]);
    assert.deepEqual([a.statusCode, b.statusCode].sort(), [200, 409]);
  });

  test("bad archives are refused and leave nothing behind: '..' members, truncated, newer format, tampered, not gzip", async () => {
    const before = await projectsNow();
    const good = await exportOf('files');
    const manifest = (extra: object = {}) => JSON.stringify({ format: 'llamafarm-project', format_version: 1, server_version: '0', namespace: 'org', project: 'evil', created_at: '', include: [], members: [], ...extra });
    const cases: [string, Buffer, RegExp][] = [
      ['dot-dot member', gzipSync(rawTarMember('../../escape.txt', 'x')), /outside the archive root/],
      ['absolute member', gzipSync(rawTarMember('/tmp/abs.txt', 'x')), /outside the archive root/],
      ['truncated', good.subarray(0, Math.floor(good.length / 2)), /Invalid archive/],
      ['newer format', await tarGz({ 'manifest.json': manifest({ format_version: 99 }), 'project/llamafarm.yaml': 'name: evil\n' }), /format version 99 is newer/],
      ['unlisted member', await tarGz({ 'manifest.json': manifest(), 'project/llamafarm.yaml': 'name: evil\n' }), /not in the manifest/],
      ['not gzip', Buffer.from('hello'), /cannot be read/],
    ];
    // A tampered member: same archive, one byte of the config changed (sizes equal, checksum differs).
    const raw = gunzipSync(good);
    const at = raw.indexOf(Buffer.from('namespace: org'));
    if (at > 0) {
      const tampered = Buffer.from(raw);
      tampered[at] = 'N'.charCodeAt(0);
      cases.push(['tampered', gzipSync(tampered), /does not match its checksum/]);
    }
    for (const [what, archive, msg] of cases) {
      const res = await upload(archive, 'evil');
      assert.equal(res.statusCode, 400, `${what}: ${res.body}`);
      assert.match(json(res).detail, msg, what);
    }
    assert.deepEqual(await projectsNow(), before);
    assert.deepEqual(await leftovers(), []);
    assert.ok(!(await readdir(join(t.dataDir, '..'))).includes('escape.txt'));
  });
});
