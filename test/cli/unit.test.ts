/** The CLI's pieces in process: error text, server URL, input expansion, tables, SSE reading, downloads, usage errors. */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { tempDir } from '../helpers/tmp.js';
import { CliError, EXIT, detailText } from '../../src/cli/errors.js';
import { DEFAULT_SERVER, projectPath, resolveServerUrl } from '../../src/cli/http.js';
import { expandInputs } from '../../src/cli/files.js';
import { formatTable, humanBytes } from '../../src/cli/output.js';
import { sseJson } from '../../src/cli/sse.js';
import { describeIngestResult, taskFailure } from '../../src/cli/task-report.js';
import { progressLabel } from '../../src/cli/task-wait.js';
import { findFile } from '../../src/cli/commands/datasets.js';
import { followDownload, modelPath, type DownloadEvent } from '../../src/cli/commands/models.js';
import { reasoningOf } from '../../src/cli/chat-session.js';
import { buildProgram, exitCodeOf } from '../../src/cli/index.js';

async function* events(list: DownloadEvent[]): AsyncGenerator<DownloadEvent> {
  for (const e of list) yield e;
}

describe('lf pieces', () => {
  test('detailText: the server detail on one line, whatever its form', () => {
    assert.equal(detailText({ detail: 'Project a/b not found' }, 'x'), 'Project a/b not found');
    assert.equal(
      detailText({ detail: [{ loc: ['body', 'name'], msg: 'String should match pattern', type: 'x' }, { loc: ['query', 'limit'], msg: 'too big' }] }, 'x'),
      'name: String should match pattern; query.limit: too big',
    );
    assert.equal(detailText({ detail: 'line one\n  line two' }, 'x'), 'line one line two');
    assert.equal(detailText({ detail: { code: 7 } }, 'x'), '{"code":7}');
    assert.equal(detailText({ message: 'from message' }, 'x'), 'from message');
    assert.equal(detailText(undefined, 'Bad Gateway'), 'Bad Gateway');
  });

  test('server URL: flag, then LF_SERVER, then the default; a bad URL is a usage error', () => {
    assert.equal(resolveServerUrl(undefined, {}), DEFAULT_SERVER);
    assert.equal(resolveServerUrl(undefined, { LF_SERVER: 'http://10.0.0.2:9000/' }), 'http://10.0.0.2:9000');
    assert.equal(resolveServerUrl('http://h:1', { LF_SERVER: 'http://10.0.0.2:9000' }), 'http://h:1');
    assert.throws(() => resolveServerUrl('not a url', {}), (e: unknown) => e instanceof CliError && e.exitCode === EXIT.usage);
    assert.throws(() => resolveServerUrl('ftp://h', {}), (e: unknown) => e instanceof CliError && e.exitCode === EXIT.usage);
    assert.equal(projectPath('my org', 'p', 'datasets', 'a/b'), '/v1/projects/my%20org/p/datasets/a%2Fb');
    assert.equal(modelPath('org/repo-GGUF:Q4_K_M'), '/v1/models/org/repo-GGUF%3AQ4_K_M');
  });

  describe('expandInputs', () => {
    let dir: string;
    before(async () => {
      dir = await tempDir('lf-cli-files-');
      await mkdir(join(dir, 'docs', 'sub'), { recursive: true });
      await mkdir(join(dir, 'docs', '.git'), { recursive: true });
      await writeFile(join(dir, 'docs', 'a.md'), 'aaa');
      await writeFile(join(dir, 'docs', 'b.txt'), 'bb');
      await writeFile(join(dir, 'docs', 'sub', 'c.md'), 'c');
      await writeFile(join(dir, 'docs', '.hidden.md'), 'h');
      await writeFile(join(dir, 'docs', '.git', 'config'), 'g');
    });
    after(async () => rm(dir, { recursive: true, force: true }));

    test('a folder gives every file below it, sorted, hidden ones left out', async () => {
      const files = await expandInputs(['docs'], dir);
      assert.deepEqual(files.map((f) => f.display), ['docs/a.md', 'docs/b.txt', 'docs/sub/c.md']);
      assert.deepEqual(files.map((f) => f.size), [3, 2, 1]);
      assert.equal(files[0].path, join(dir, 'docs', 'a.md'));
    });

    test('globs (relative and absolute) match over a walk; explicit files and repeats are kept once', async () => {
      assert.deepEqual((await expandInputs(['docs/**/*.md'], dir)).map((f) => f.display), ['docs/a.md', 'docs/sub/c.md']);
      assert.deepEqual((await expandInputs(['./docs/*.md'], dir)).map((f) => f.display), ['docs/a.md']);
      assert.deepEqual((await expandInputs([join(dir, 'docs', '**', '*.{md,txt}')], '/')).map((f) => f.path), [
        join(dir, 'docs', 'a.md'),
        join(dir, 'docs', 'b.txt'),
        join(dir, 'docs', 'sub', 'c.md'),
      ]);
      assert.deepEqual((await expandInputs(['docs/.hidden.md', 'docs/a.md', 'docs'], dir)).map((f) => f.display), ['docs/.hidden.md', 'docs/a.md', 'docs/b.txt', 'docs/sub/c.md']);
    });

    test('a missing path, a glob without matches or an empty folder is a usage error', async () => {
      await mkdir(join(dir, 'empty'), { recursive: true });
      for (const input of ['nope.txt', 'docs/*.pdf', 'empty']) {
        await assert.rejects(expandInputs([input], dir), (e: unknown) => e instanceof CliError && e.exitCode === EXIT.usage && e.message.includes(input));
      }
    });
  });

  test('findFile: by hash, unique hash prefix or name; ambiguous is a usage error, missing exit 1', () => {
    const files = [
      { hash: 'abcdef1111111111111111111111111111111111111111111111111111111111', original_filename: 'a.md' },
      { hash: 'abcdef2222222222222222222222222222222222222222222222222222222222', original_filename: 'b.md' },
      { hash: '9999990000000000000000000000000000000000000000000000000000000000', original_filename: 'a.md' },
    ];
    assert.equal(findFile(files, 'abcdef2').original_filename, 'b.md');
    assert.equal(findFile(files, 'b.md').hash.slice(0, 7), 'abcdef2');
    assert.throws(() => findFile(files, 'abcdef'), (e: unknown) => e instanceof CliError && e.exitCode === EXIT.usage);
    assert.throws(() => findFile(files, 'a.md'), (e: unknown) => e instanceof CliError && e.exitCode === EXIT.usage && /matches 2 files/.test(e.message));
    assert.throws(() => findFile(files, 'z.md'), (e: unknown) => e instanceof CliError && e.exitCode === EXIT.serverError);
  });

  test('tables, sizes, progress labels', () => {
    assert.equal(formatTable(['NAME', 'N'], [['alpha', 1], ['b', undefined]]), 'NAME   N\nalpha  1\nb');
    assert.equal(humanBytes(512), '512 B');
    assert.equal(humanBytes(1536), '1.5 KB');
    assert.equal(humanBytes(3 * 1024 ** 3), '3.0 GB');
    assert.equal(progressLabel({ current: 1, total: 3, stage: 'embed', message: 'embed a.md (2/3)' }), 'embed a.md (2/3)');
    assert.equal(progressLabel({ stage: 'parse', files: [{ filename: 'x.pdf', state: 'processing' }] }), 'parse x.pdf');
  });

  test('processing results read the same in our shape and the original server\'s', () => {
    const ours = { processed_files: 1, skipped_files: 1, failed_files: 1, stored_count: 12, skipped_count: 3, details: [
      { filename: 'a.md', status: 'success' },
      { filename: 'b.md', status: 'skipped', reason: 'duplicate' },
      { filename: 'c.bin', status: 'failed', error: 'no parser' },
    ] };
    const expected = ['1 processed, 1 skipped, 1 failed; 12 chunks stored, 3 already stored', '  failed: c.bin: no parser', '  skipped: b.md (duplicate)'];
    // Older servers of ours: plain objects under `details`.
    assert.deepEqual(describeIngestResult(ours), expected);
    // The original's pairs under `details`.
    const original = { ...ours, details: ours.details.map((d) => [d.status !== 'failed', d]) };
    assert.deepEqual(describeIngestResult(original), expected);
    // Ours now: the pairs under `details` and the objects under `files` (read first).
    const current = { ...original, files: ours.details };
    assert.deepEqual(describeIngestResult(current), expected);
  });

  test('identical per-file errors read as one line with a count; the failure message does not repeat them', () => {
    const files = Array.from({ length: 17 }, (_, i) => ({ filename: `f${i}.txt`, status: 'failed', error: 'embedder unreachable' }));
    files.push({ filename: 'odd.bin', status: 'failed', error: 'no parser' });
    const result = { processed_files: 0, skipped_files: 0, failed_files: 18, stored_count: 0, skipped_count: 0, files, details: files.map((f) => [false, f]) };
    assert.deepEqual(describeIngestResult(result).slice(1), ['  failed: embedder unreachable (17 files: f0.txt, f1.txt, f2.txt and 14 more)', '  failed: odd.bin: no parser']);
    const err = taskFailure({ task_id: 't1', state: 'FAILURE', error: 'x'.repeat(2500), result } as never);
    assert.equal(err?.message, 'task t1 failed: 18 file(s) failed (reasons above)');
  });

  test('sseJson reads data frames split anywhere, skips comments, stops at [DONE]', async () => {
    const text = ': heartbeat\n\ndata: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\ndata: {"after":true}\n\n';
    const bytes = new TextEncoder().encode(text);
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 5) c.enqueue(bytes.slice(i, i + 5));
        c.close();
      },
    });
    const got: unknown[] = [];
    for await (const v of sseJson(new Response(body))) got.push(v);
    assert.deepEqual(got, [{ a: 1 }, { b: 2 }]);
    await assert.rejects(
      (async () => {
        for await (const _ of sseJson(new Response('data: not json\n\n'))) void _;
      })(),
      (e: unknown) => e instanceof CliError && /not JSON/.test(e.message),
    );
  });

  test('followDownload: files and final dir from the events; an error event or a cut stream fails', async () => {
    const ok = await followDownload('org/m', events([
      { event: 'start', desc: 'm.gguf', total: 10, n: 0 },
      { event: 'progress', desc: 'm.gguf', total: 10, n: 6 },
      { event: 'end', desc: 'm.gguf', total: 10, n: 10 },
      { event: 'complete', model_name: 'org/m', local_dir: '/c/snap' },
      { event: 'done', local_dir: '/c/snap' },
    ]));
    assert.deepEqual(ok, { model_name: 'org/m', files: ['m.gguf'], local_dir: '/c/snap' });
    await assert.rejects(followDownload('org/m', events([{ event: 'start', desc: 'x', total: 1, n: 0 }, { event: 'error', message: 'Download failed: boom' }])), /failed: Download failed: boom/);
    await assert.rejects(followDownload('org/m', events([{ event: 'start', desc: 'x', total: 1, n: 0 }])), /ended before it was complete/);
  });

  test('reasoning deltas under any of their names', () => {
    assert.equal(reasoningOf({ reasoning_content: 'a' }), 'a');
    assert.equal(reasoningOf({ reasoning: 'b' }), 'b');
    assert.equal(reasoningOf({ thinking: { content: 'c' } }), 'c');
    assert.equal(reasoningOf({ content: 'answer' }), '');
  });

  describe('usage errors end with exit 2 before any request', () => {
    const silence = (c: Command): void => {
      c.configureOutput({ writeErr: () => {}, writeOut: () => {} });
      c.commands.forEach(silence);
    };
    const exitOf = async (args: string[]): Promise<number> => {
      const program = buildProgram();
      silence(program);
      try {
        // A server nobody listens on: reaching the network would give exit 3, not 2.
        await program.parseAsync(['--server', 'http://127.0.0.1:9', ...args], { from: 'user' });
        return 0;
      } catch (e) {
        return exitCodeOf(e);
      }
    };
    const cases: Array<[string, string[], number]> = [
      ['unknown command', ['bogus'], 2],
      ['unknown option', ['datasets', 'list', '--bogus'], 2],
      ['missing argument', ['projects', 'create'], 2],
      ['group without a command', ['datasets'], 2],
      ['bad number', ['-p', 'x', 'rag', 'query', 'x', '--top-k', 'zero'], 2],
      ['bad temperature', ['-p', 'x', 'chat', '--temperature', '3', 'hi'], 2],
      ['no such file', ['-p', 'x', 'datasets', 'upload', 'docs', '/no/such/file.txt'], 2],
      ['no project', ['datasets', 'list'], 2],
      ['conflicting session flags', ['-p', 'x', 'chat', '--no-session', '--session-id', 's', 'hi'], 2],
      ['help', ['--help'], 0],
      ['version', ['--version'], 0],
      ['unreachable server, for contrast', ['projects', 'list'], 3],
    ];
    for (const [name, args, code] of cases) {
      test(`${name}: exit ${code}`, async () => {
        const saved = process.env.LF_PROJECT;
        delete process.env.LF_PROJECT;
        try {
          assert.equal(await exitOf(args), code);
        } finally {
          if (saved !== undefined) process.env.LF_PROJECT = saved;
        }
      });
    }
  });
});
