/**
 * `lf` drives a whole session against a real `lf serve` on an empty data dir, as a script would (stdin and
 * stdout are pipes): project, dataset, folder upload (duplicates reported), processing, tasks, RAG query,
 * one-shot chat with a kept session, file removal, example import; then the exit codes 1–4.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { needShared, sharedPath, MODELS } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';
import { walkFiles } from '../../src/cli/files.js';
import { configureOffline, hasScript, PtySession, runLf, spawnServer, type LfRun, type ServerProcess } from './harness.js';

const SAMPLES = sharedPath('corpora', 'llamafarm', 'demos', 'static_samples');

/** The last line of stderr is one `lf: ...` line. */
function oneErrorLine(r: LfRun): string {
  const lines = r.stderr.trim().split('\n');
  const last = lines[lines.length - 1];
  assert.match(last, /^lf: /, r.stderr);
  return last;
}

describe('lf: a full session from an empty data dir', { skip: needShared('corpora', 'llamafarm', 'demos', 'static_samples') }, () => {
  let server: ServerProcess;
  let lf: (args: string[], o?: { input?: string; env?: Record<string, string> }) => Promise<LfRun>;
  let files: string[];
  let unique: number;
  const chatModel = existsSync(MODELS.stories()) ? MODELS.stories() : undefined;

  before(async () => {
    server = await spawnServer({ LF_MAX_UPLOAD_BYTES: String(1024 * 1024) });
    // Namespace and project from the environment, as a user's shell would set them.
    lf = (args, o = {}) => runLf(['--server', server.url, ...args], { input: o.input, env: { LF_NAMESPACE: 'org', LF_PROJECT: 'farm', ...o.env } });
    files = await walkFiles(SAMPLES);
    const hashes = new Set(await Promise.all(files.map(async (f) => createHash('sha256').update(await readFile(f)).digest('hex'))));
    unique = hashes.size;
  });
  after(async () => server?.stop());

  test('projects: create from a template, list, get; an existing name is a one-line error, exit 1', async () => {
    const empty = await lf(['projects', 'list']);
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stdout, /no projects in namespace 'org'/);

    const created = await lf(['projects', 'create', 'farm', '--template', 'rag']);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, "Created project org/farm from template 'rag'\n");
    // Offline ingest (HashingEmbedder) and, when the tiny model is here, a local chat model.
    await configureOffline(server.url, 'org', 'farm', { chatModel });

    const listed = await lf(['projects', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const body = JSON.parse(listed.stdout);
    assert.equal(body.total, 1);
    assert.equal(body.projects[0].name, 'farm');

    const got = await lf(['projects', 'get']);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /^project: +org\/farm$/m);
    assert.match(got.stdout, /^databases: +main_database \(default main_database\)$/m);

    const again = await lf(['projects', 'create', 'farm']);
    assert.equal(again.code, 1);
    assert.match(oneErrorLine(again), /^lf: .*already exists.* \(HTTP 409\)$/);
    assert.equal(again.stdout, '');
  });

  test('datasets: create with the project defaults, upload a folder (duplicates reported), then a glob (all skipped)', async () => {
    const created = await lf(['datasets', 'create', 'docs']);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, 'Created dataset docs (strategy universal_processor, database main_database)\n');

    const up = await lf(['datasets', 'upload', 'docs', SAMPLES]);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, new RegExp(`^Uploaded ${unique} files \\(`, 'm'));
    const dups = files.length - unique;
    if (dups > 0) assert.match(up.stdout, new RegExp(`^Skipped ${dups} duplicates? \\(same bytes already in the dataset\\):`, 'm'));
    // Not a terminal: one plain progress line per file on stderr, stdout keeps only the report.
    const progressLines = up.stderr.split('\n').filter((l) => l.startsWith('uploading: '));
    assert.equal(progressLines.length, files.length, up.stderr);
    assert.match(progressLines[progressLines.length - 1], /^uploading: [\d.]+ KB\/[\d.]+ KB /);

    const mdFiles = files.filter((f) => f.endsWith('.md'));
    const glob = await lf(['--json', 'datasets', 'upload', 'docs', join(SAMPLES, '**', '*.md')]);
    assert.equal(glob.code, 0, glob.stderr);
    const report = JSON.parse(glob.stdout);
    assert.deepEqual(report.uploaded, []);
    assert.equal(report.skipped.length, mdFiles.length);
    assert.ok(report.skipped.every((s: any) => /^[0-9a-f]{64}$/.test(s.hash) && s.skipped === true && s.file.endsWith('.md')));

    const listed = JSON.parse((await lf(['datasets', 'list', '--json'])).stdout);
    assert.equal(listed.datasets[0].files.length, unique);
  });

  test('process waits with progress and reports the outcome', async () => {
    const r = await lf(['datasets', 'process', 'docs']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Done: ${unique} processed, 0 skipped, 0 failed; \\d+ chunks stored`, 'm'));
    assert.match(r.stderr, new RegExp(`^processing docs: ${unique}/${unique} files$`, 'm'));
  });

  test('process --no-wait gives the task id; tasks wait and tasks get follow it', async () => {
    const started = await lf(['--json', 'datasets', 'process', 'docs', '--no-wait']);
    assert.equal(started.code, 0, started.stderr);
    const { task_id } = JSON.parse(started.stdout);
    assert.ok(task_id);
    const waited = await lf(['tasks', 'wait', task_id, '--json']);
    assert.equal(waited.code, 0, waited.stderr);
    const task = JSON.parse(waited.stdout);
    assert.equal(task.state, 'SUCCESS');
    assert.equal(task.result.processed_files + task.result.skipped_files, unique);
    assert.equal(task.result.failed_files, 0);
    const got = await lf(['tasks', 'get', task_id]);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /^Done: \d+ processed, \d+ skipped, 0 failed/);
  });

  test('rag query finds the matching document', async () => {
    assert.ok(server.paths.has('/v1/projects/{namespace}/{project}/rag/query'), 'the server serves /v1/projects/{namespace}/{project}/rag/query');
    const r = await lf(['rag', 'query', 'transformer', 'self-attention', 'architecture', '--top-k', '3']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^1\. [01]\.\d{3} {2}transformer_architecture\.txt/m);
    const j = JSON.parse((await lf(['rag', 'query', 'supply chain metrics', '-k', '2', '--json'])).stdout);
    assert.ok(j.results.length > 0 && j.results.length <= 2);
    assert.ok(j.results.every((x: any) => typeof x.score === 'number' && typeof x.content === 'string'));
  });

  test('chat one-shot: a message argument streams the answer; stdin with --json keeps the session', async (t) => {
    assert.ok(server.paths.has('/v1/projects/{namespace}/{project}/chat/completions'), 'the server serves /v1/projects/{namespace}/{project}/chat/completions');
    if (!chatModel) return t.skip(`needs ${MODELS.stories()}`);
    const streamed = await lf(['chat', '--no-rag', '--max-tokens', '16', 'Once upon a time']);
    assert.equal(streamed.code, 0, streamed.stderr);
    assert.ok(streamed.stdout.trim().length > 0, 'an answer was printed');
    assert.ok(streamed.stdout.endsWith('\n'));

    const first = await lf(['chat', '--no-rag', '--max-tokens', '12', '--json'], { input: 'Lily went to the park\n' });
    assert.equal(first.code, 0, first.stderr);
    const a = JSON.parse(first.stdout);
    assert.match(a.session_id, /\S/);
    assert.equal(typeof a.choices[0].message.content, 'string');
    const second = await lf(['chat', '--no-rag', '--max-tokens', '12', '--session-id', a.session_id, 'She saw a dog']);
    assert.equal(second.code, 0, second.stderr);
    const history = await fetch(`${server.url}/v1/projects/org/farm/chat/sessions/${a.session_id}/history`).then((r) => r.json() as Promise<any>);
    const users = history.messages.filter((m: any) => m.role === 'user').map((m: any) => m.content);
    assert.deepEqual(users, ['Lily went to the park', 'She saw a dog']);
    assert.ok(second.stdout.includes(history.messages.filter((m: any) => m.role === 'assistant')[1].content.trim()));

    const stateless = JSON.parse((await lf(['chat', '--no-rag', '--no-session', '--max-tokens', '4', '--json', 'Hi'])).stdout);
    assert.equal(stateless.session_id, undefined);
  });

  test('rm-file removes a file by name, with its chunks', async () => {
    const r = await lf(['datasets', 'rm-file', 'docs', 'transformer_architecture.txt']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Removed transformer_architecture\.txt \([0-9a-f]{12}\) from dataset docs; [1-9]\d* chunks deleted$/m);
    const listed = JSON.parse((await lf(['datasets', 'list', '--json'])).stdout);
    assert.ok(!listed.datasets[0].details.file_details.some((f: any) => f.original_filename === 'transformer_architecture.txt'));
    const missing = await lf(['datasets', 'rm-file', 'docs', 'transformer_architecture.txt']);
    assert.equal(missing.code, 1);
    assert.match(oneErrorLine(missing), /no file 'transformer_architecture\.txt' in the dataset/);
  });

  test('examples: list, and import one as a project with its data processed', async () => {
    assert.ok(server.paths.has('/v1/examples/{example_id}/import-project'), 'the server serves /v1/examples/{example_id}/import-project');
    const listed = await lf(['examples', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const ids = JSON.parse(listed.stdout).examples.map((e: any) => e.id);
    assert.ok(ids.includes('fda_rag'), 'the fda_rag example is shipped');
    const r = await lf(['examples', 'import', 'fda_rag', '--name', 'fda']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Imported example fda_rag as project org\/fda \(datasets: fda_letters\)$/m);
    assert.match(r.stdout, /^Done: [1-9]\d* processed, 0 skipped, 0 failed/m);
  });

  test('exit 4 when a waited task ends in FAILURE', async () => {
    const dir = await tempDir('lf-cli-bad-');
    try {
      await writeFile(join(dir, 'noise.xyz'), Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7919) % 256)));
      assert.equal((await lf(['datasets', 'create', 'bad'])).code, 0);
      assert.equal((await lf(['datasets', 'upload', 'bad', join(dir, 'noise.xyz')])).code, 0);
      const r = await lf(['datasets', 'process', 'bad']);
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stdout, /^Failed: 0 processed, 0 skipped, 1 failed/m);
      assert.match(r.stdout, /^ {2}failed: noise\.xyz: /m);
      assert.match(oneErrorLine(r), /^lf: task \S+ failed: /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('exit 1 with the server\'s detail on one line; exit 2 for a usage error', async () => {
    const notFound = await lf(['tasks', 'get', 'no-such-task']);
    assert.equal(notFound.code, 1);
    assert.match(oneErrorLine(notFound), /\(HTTP 404\)$/);
    const invalid = await lf(['projects', 'create', 'bad name!']);
    assert.equal(invalid.code, 1);
    assert.match(oneErrorLine(invalid), /name.*\(HTTP 422\)$/);

    // A refused upload is reported per file; the others still go up.
    const dir = await tempDir('lf-cli-big-');
    try {
      await writeFile(join(dir, 'big.txt'), 'x'.repeat(1536 * 1024));
      await writeFile(join(dir, 'small.txt'), 'a small new file\n');
      const r = await lf(['datasets', 'upload', 'docs', dir]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /^Uploaded 1 file \(17 B\) to dataset docs$/m);
      assert.match(r.stdout, /^ {2}\S*big\.txt: .* \(HTTP 413\)$/m);
      assert.equal(oneErrorLine(r), 'lf: 1 of 2 files were refused');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    // (each kind of usage error is covered in process by unit.test.ts; here the real exit status)
    const unknown = await lf(['bogus']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'bogus'/);
    const noProject = await lf(['datasets', 'list'], { env: { LF_PROJECT: '' } });
    assert.equal(noProject.code, 2);
    assert.match(oneErrorLine(noProject), /no project selected/);
  });

  test('exit 3 with one clear line when the server is unreachable (LF_SERVER)', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const r = await runLf(['projects', 'list'], { env: { LF_SERVER: `http://127.0.0.1:${port}` } });
    assert.equal(r.code, 3);
    assert.equal(r.stderr, `lf: cannot reach the LlamaFarm server at http://127.0.0.1:${port} — start it with \`lf serve\`\n`);
    assert.equal(r.stdout, '');
  });

  test('projects delete asks in a terminal: "n" keeps the project; --yes does not ask', { skip: hasScript() ? false : 'needs `script` (util-linux)' }, async () => {
    const pty = new PtySession(['--server', server.url, 'projects', 'delete', 'farm'], { env: { LF_NAMESPACE: 'org' } });
    await pty.waitFor(/Delete project org\/farm with its files, vectors, sessions and events\? \[y\/N\] /);
    pty.write('n\n');
    await pty.waitFor(/Not deleted\./);
    assert.equal(await pty.close(), 0, pty.text);
    const listed = JSON.parse((await lf(['projects', 'list', '--json'])).stdout);
    assert.ok(listed.projects.some((p: any) => p.name === 'farm'), 'still there');
    const help = await lf(['projects', 'delete', '--help']);
    assert.match(help.stdout, /-y, --yes +do not ask for confirmation/);
  });

  test('projects delete removes the project (not asked without a terminal)', async () => {
    const r = await lf(['projects', 'delete', 'farm']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Deleted project org/farm\n');
    const listed = JSON.parse((await lf(['projects', 'list', '--json'])).stdout);
    assert.ok(!listed.projects.some((p: any) => p.name === 'farm'));
  });
});
