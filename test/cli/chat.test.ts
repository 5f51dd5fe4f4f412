/**
 * `lf chat` one-shot against a real server whose project talks to an OpenAI-compatible upstream (a protocol-exact
 * stand-in, test/fakes/chat-upstream-fake.ts): reasoning shown only with --show-thinking and never on stdout,
 * --model and sampling options forwarded, a refused model as a one-line error.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ChatUpstreamFake } from '../fakes/chat-upstream-fake.js';
import { createOfflineProject, runLf, spawnServer, type LfRun, type ServerProcess } from './harness.js';

describe('lf chat with a thinking model', () => {
  let fake: ChatUpstreamFake;
  let server: ServerProcess;
  let lf: (args: string[]) => Promise<LfRun>;

  before(async () => {
    fake = await ChatUpstreamFake.start({ models: ['fake-model', 'fake-large'] });
    server = await spawnServer();
    const model = (name: string, id: string) => ({ name, provider: 'openai', model: id, base_url: `${fake.url}/v1`, api_key: 'sk-test' });
    await createOfflineProject(server.url, 'org', 'think', { runtime: { default_model: 'default', models: [model('default', 'fake-model'), model('large', 'fake-large')] } });
    lf = (args) => runLf(['--server', server.url, '-n', 'org', '-p', 'think', 'chat', '--no-rag', ...args]);
  });
  after(async () => {
    await server?.stop();
    await fake?.close();
  });

  const skipUnlessChat = (t: { skip: (m: string) => void }) => {
    void t;
    assert.ok(server.paths.has('/v1/projects/{namespace}/{project}/chat/completions'), 'the server serves chat');
    return false;
  };

  test('reasoning goes to stderr with --show-thinking, nowhere without it; stdout is the answer only', async (t) => {
    if (skipUnlessChat(t)) return;
    fake.script({ content: 'The answer is 42.', reasoning: 'Six times seven is forty-two.' });
    const shown = await lf(['--show-thinking', 'What is six times seven?']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(shown.stdout, 'The answer is 42.\n');
    assert.match(shown.stderr, /Six times seven is forty-two\./);
    assert.equal(fake.lastChat?.body.stream, true, 'the CLI streams');

    fake.script({ content: 'The answer is 42.', reasoning: 'Six times seven is forty-two.' });
    const hidden = await lf(['What is six times seven?']);
    assert.equal(hidden.code, 0, hidden.stderr);
    assert.equal(hidden.stdout, 'The answer is 42.\n');
    assert.doesNotMatch(hidden.stderr, /forty-two/);
  });

  test('--model picks a configured model and sampling options are forwarded; an unknown model exits 1', async (t) => {
    if (skipUnlessChat(t)) return;
    fake.script({ content: 'Big answer.' });
    const r = await lf(['--model', 'large', '--temperature', '0.25', '--max-tokens', '40', 'Hello']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Big answer.\n');
    const sent = fake.lastChat!.body;
    assert.equal(sent.model, 'fake-large');
    assert.equal(sent.temperature, 0.25);
    assert.ok(sent.messages.some((m: any) => m.role === 'user' && m.content === 'Hello'));

    const unknown = await lf(['--model', 'nope', 'Hello']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^lf: .*nope.*\(HTTP 400\)\n$/);
  });
});
