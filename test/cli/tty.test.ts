/**
 * `lf` in a terminal (a pseudo-terminal from util-linux `script`): progress bars for upload and processing, and the
 * interactive chat — streamed answers, the session kept between turns, /session, /new, /help, /exit.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { needShared, sharedPath, MODELS } from '../helpers/shared.js';
import { createOfflineProject, hasScript, PtySession, runLf, spawnServer, type ServerProcess } from './harness.js';

const SAMPLES = sharedPath('corpora', 'llamafarm', 'demos', 'static_samples', 'research_papers');
const skip = !hasScript() ? 'needs `script` (util-linux) for a pseudo-terminal' : needShared('corpora', 'llamafarm', 'demos', 'static_samples', 'research_papers');

describe('lf in a terminal', { skip }, () => {
  let server: ServerProcess;
  const chatModel = existsSync(MODELS.stories()) ? MODELS.stories() : undefined;
  const scope = () => ['--server', server.url, '-n', 'tty', '-p', 'farm'];

  before(async () => {
    server = await spawnServer();
    await createOfflineProject(server.url, 'tty', 'farm', { chatModel });
    const created = await runLf([...scope(), 'datasets', 'create', 'papers']);
    assert.equal(created.code, 0, created.stderr);
  });
  after(async () => server?.stop());

  test('upload and process draw progress bars that reach 100%', async () => {
    const up = new PtySession([...scope(), 'datasets', 'upload', 'papers', SAMPLES]);
    assert.equal(await up.close(), 0, up.text);
    assert.match(up.raw, /█/, 'a bar was drawn');
    assert.match(up.text, /uploading [█░]+ 100% \| [\d.]+ KB\/[\d.]+ KB \| /);
    assert.match(up.text, /^Uploaded 3 files \(/m);

    const proc = new PtySession([...scope(), 'datasets', 'process', 'papers']);
    assert.equal(await proc.close(), 0, proc.text);
    assert.match(proc.text, /processing papers [█░]+ 100% \| 3\/3 files/);
    assert.match(proc.text, /Done: 3 processed, 0 skipped, 0 failed/);
  });

  test('chat REPL: streamed answers, one session across turns, /session, /new, /help, /exit', async (t) => {
    assert.ok(server.paths.has('/v1/projects/{namespace}/{project}/chat/completions'), 'the server serves /v1/projects/{namespace}/{project}/chat/completions');
    if (!chatModel) return t.skip(`needs ${MODELS.stories()}`);
    const repl = new PtySession([...scope(), 'chat', '--no-rag', '--max-tokens', '12']);
    try {
      await repl.waitFor(/\/help for commands, \/exit to leave\n> $/);
      const turn = async (line: string) => {
        const from = repl.text.length;
        repl.write(`${line}\r`);
        return (await repl.waitFor(/\n> $/, { from })).input;
      };
      const firstAnswer = await turn('Once upon a time');
      await turn('Lily had a ball');
      const sid1 = /([0-9a-f-]{36})\n> $/.exec(await turn('/session'))?.[1];
      assert.ok(sid1, repl.text);
      assert.match(await turn('/new'), /\(new session\)/);
      await turn('Tim ran home');
      const sid2 = /([0-9a-f-]{36})\n> $/.exec(await turn('/session'))?.[1];
      assert.ok(sid2 && sid2 !== sid1, repl.text);
      assert.match(await turn('/help'), /\/new +start a new conversation/);
      assert.match(await turn('/nope'), /unknown command \/nope/);
      repl.write('/exit\r');
      assert.equal(await repl.close(), 0);

      const history = async (sid: string) => (await fetch(`${server.url}/v1/projects/tty/farm/chat/sessions/${sid}/history`).then((r) => r.json() as Promise<any>)).messages;
      const h1 = await history(sid1);
      assert.deepEqual(h1.filter((m: any) => m.role === 'user').map((m: any) => m.content), ['Once upon a time', 'Lily had a ball']);
      const h2 = await history(sid2!);
      assert.deepEqual(h2.filter((m: any) => m.role === 'user').map((m: any) => m.content), ['Tim ran home']);
      // What the terminal showed is what the server stored as the answer.
      const answer = h1.find((m: any) => m.role === 'assistant').content.trim();
      assert.ok(answer.length > 0);
      assert.ok(firstAnswer.includes(answer), `terminal:\n${firstAnswer}\nstored: ${answer}`);
    } finally {
      await repl.close(5_000);
    }
  });
});
