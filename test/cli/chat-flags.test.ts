/** `lf chat --rag-top-k` and `--no-rag` reach the request body (issue #14 item 3), against a recording server. */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runLf } from './harness.js';

describe('lf chat RAG flags', () => {
  let server: Server;
  let url: string;
  const bodies: any[] = [];
  before(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (d) => (raw += d));
      req.on('end', () => {
        bodies.push(JSON.parse(raw));
        const chunk = { id: 'c1', object: 'chat.completion.chunk', created: 0, model: 'default', choices: [{ index: 0, delta: { role: 'assistant', content: 'ok' }, finish_reason: null }] };
        res.writeHead(200, { 'content-type': 'text/event-stream', 'x-session-id': 's1' });
        res.end(`data: ${JSON.stringify(chunk)}\n\ndata: [DONE]\n\n`);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test('--rag-top-k 2 sends rag_top_k; --no-rag sends rag_enabled false; neither sends neither', async () => {
    const env = { LF_NAMESPACE: 'org', LF_PROJECT: 'farm' };
    let r = await runLf(['--server', url, 'chat', '--rag-top-k', '2', 'hello'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'ok\n');
    assert.equal(bodies.at(-1).rag_top_k, 2);
    r = await runLf(['--server', url, 'chat', '--no-rag', 'hello'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(bodies.at(-1).rag_enabled, false);
    assert.equal('rag_top_k' in bodies.at(-1), false);
    r = await runLf(['--server', url, 'chat', '--rag-top-k', '0', 'hello'], { env });
    assert.notEqual(r.code, 0, 'a non-positive top-k is refused before sending');
    assert.equal(bodies.length, 2);
  });
});
