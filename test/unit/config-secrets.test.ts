/**
 * The secret rules of configs (decision 0111) and the upstream-error rule (decision 0113), piece by piece:
 * which fields are redacted, how placeholders are restored, where `${VAR}` is resolved, which entries start
 * commands, and what of an upstream error body the embedders, rerankers and MCP client pass on.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { redactSecrets, restoreSecrets, resolveEnvRefs, SECRET_PLACEHOLDER as P } from '../../src/config/secrets.js';
import { assertNoNewCommands, commandEntries } from '../../src/config/commands.js';
import { configOutboundIssues } from '../../src/config/outbound-urls.js';
import { LfError } from '../../src/core/errors.js';
import { upstreamErrorMessage } from '../../src/core/upstream-error.js';
import { postJson, HttpAttemptError } from '../../src/adapters/embedders/retry.js';
import { HttpReranker } from '../../src/adapters/retrievers/rerankers/http.js';
import { errorText } from '../../src/services/mcp-client/connection.js';
import { minimalEnvironment } from '../../src/services/mcp-client/registry.js';

describe('redaction', () => {
  test('secret-named fields, headers and connection-string passwords; not tokenizer fields, numbers or references', () => {
    const out = redactSecrets({
      api_key: 'sk-1',
      apiKey: 'sk-2',
      nested: { db_password: 'pw', GITHUB_TOKEN: 'ghp', client_secret: 's', Authorization: 'Bearer x', refresh_token: 'r' },
      headers: { 'X-Trace': 'on', Cookie: 'c=1' },
      params: { max_tokens: 100, eos_token: '</s>', stop_token: '<|end|>', tokens: 'word', model: 'llama' },
      ref: { api_key: '${OPENAI_API_KEY}' },
      connection_string: 'postgres://lf:pg-secret@db:5432/x',
      ref_conn: 'postgres://lf:${PGPASS}@db/x',
      dsn: 'host=db user=lf password=kv-secret dbname=x',
      empty: { api_key: '' },
      list: [{ api_key: 'in-array' }],
    });
    assert.deepEqual(out, {
      api_key: P,
      apiKey: P,
      nested: { db_password: P, GITHUB_TOKEN: P, client_secret: P, Authorization: P, refresh_token: P },
      headers: { 'X-Trace': P, Cookie: P },
      params: { max_tokens: 100, eos_token: '</s>', stop_token: '<|end|>', tokens: 'word', model: 'llama' },
      ref: { api_key: '${OPENAI_API_KEY}' },
      connection_string: `postgres://lf:${P}@db:5432/x`,
      ref_conn: 'postgres://lf:${PGPASS}@db/x',
      dsn: `host=db user=lf password=${P} dbname=x`,
      empty: { api_key: '' },
      list: [{ api_key: P }],
    });
  });

  test('restoring: placeholders take the stored value (arrays by name), new values win, an orphan placeholder is a 422', () => {
    const stored = { models: [{ name: 'a', api_key: 'A' }, { name: 'b', api_key: 'B' }], conn: 'postgres://u:pw@h/db', headers: { Authorization: 'Bearer t' } };
    const sent = { models: [{ name: 'b', api_key: P }, { name: 'a', api_key: 'A2' }], conn: `postgres://u:${P}@h/db`, headers: { Authorization: P } };
    assert.deepEqual(restoreSecrets(sent, stored), { models: [{ name: 'b', api_key: 'B' }, { name: 'a', api_key: 'A2' }], conn: 'postgres://u:pw@h/db', headers: { Authorization: 'Bearer t' } });
    // The placeholder in a connection string whose host changed does not stand for the old password.
    assert.throws(() => restoreSecrets({ conn: `postgres://u:${P}@other/db` }, stored, ['body']), (e: unknown) => {
      assert.ok(e instanceof LfError && e.kind === 'validation');
      assert.deepEqual((e.detail as { loc: unknown[] }[])[0].loc, ['body', 'conn']);
      return true;
    });
    assert.throws(() => restoreSecrets({ models: [{ name: 'c', api_key: P }] }, stored, ['body', 'config']), /placeholder/);
  });

  test('${VAR} references resolve only in secret fields, headers and env maps; LF_* never', () => {
    const env = { KEY: 'k', TOK: 't', LF_API_KEY: 'lf', HOMEY: 'h' };
    const out = resolveEnvRefs(
      { api_key: '${KEY}', prompt: 'say ${KEY}', base_url: 'http://${HOMEY}/v1', headers: { 'X-A': 'Bearer ${TOK}' }, env: { ANY: '${KEY}', LF: '${LF_API_KEY}' }, missing: { token: '${NOPE}' } },
      env,
    );
    assert.deepEqual(out, { api_key: 'k', prompt: 'say ${KEY}', base_url: 'http://${HOMEY}/v1', headers: { 'X-A': 'Bearer t' }, env: { ANY: 'k', LF: '' }, missing: { token: '' } });
  });
});

describe('commands and addresses in configs', () => {
  test('only stdio MCP servers start commands; new or changed ones need the setting; unchanged ones pass', () => {
    const stdio = { name: 'fs', transport: 'stdio', command: 'npx', args: ['server'] };
    const config = { mcp: { servers: [{ name: 'web', transport: 'http', base_url: 'http://127.0.0.1:1/mcp', command: 'ignored' }, stdio] } };
    assert.deepEqual(commandEntries(config).map((e) => e.path), ['mcp.servers[1]']);
    assert.throws(() => assertNoNewCommands(config, undefined, false), (e: unknown) => e instanceof LfError && e.status === 403);
    assertNoNewCommands(config, undefined, true);
    // Key order does not matter; a changed argument does.
    assertNoNewCommands(config, { mcp: { servers: [{ args: ['server'], command: 'npx', transport: 'stdio', name: 'fs' }] } }, false);
    assert.throws(() => assertNoNewCommands({ mcp: { servers: [{ ...stdio, args: ['other'] }] } }, config, false), /LF_MCP_ALLOW_STDIO=1/);
    // Turning an http entry that has a `command` into stdio is a new command.
    assert.throws(() => assertNoNewCommands({ mcp: { servers: [{ ...config.mcp.servers[0], transport: 'stdio' }] } }, config, false), /mcp\.servers\[0\]/);
  });

  test('save-time address issues name their field; references and empty values wait for connect time', () => {
    const issues = configOutboundIssues(
      {
        runtime: { base_url: 'http://169.254.169.254/', models: [{ base_url: 'ftp://x' }, { base_url: '${OLLAMA_URL}' }, { base_url: '' }] },
        rag: { databases: [{ config: { host: 'fe80::1' } }, { config: { connection_string: 'postgres://u:p@169.254.1.1/db' } }, { config: { host: 'localhost:8000' } }] },
      },
      ['body', 'config'],
    );
    assert.deepEqual(
      issues.map((i) => i.loc.join('.')),
      ['body.config.runtime.base_url', 'body.config.runtime.models.0.base_url', 'body.config.rag.databases.0.config.host', 'body.config.rag.databases.1.config.connection_string'],
    );
  });

  test('stdio servers inherit only the minimal environment', () => {
    const env = minimalEnvironment({ PATH: '/bin', HOME: '/h', LANG: 'C.UTF-8', OPENAI_API_KEY: 'sk', LF_API_KEY: 'lf', AWS_SECRET_ACCESS_KEY: 'aws', BASH_FUNC_x: '() { :; }' });
    assert.deepEqual(env, { PATH: '/bin', HOME: '/h', LANG: 'C.UTF-8' });
  });
});

describe('upstream error bodies', () => {
  let server: Server;
  let base: string;
  let answer: { status: number; body: string };
  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('only OpenAI/Ollama-shaped messages, on one short line', () => {
    assert.equal(upstreamErrorMessage('{"error":{"message":"bad\\nmodel"}}'), 'bad model');
    assert.equal(upstreamErrorMessage('{"error":"model not found"}'), 'model not found');
    assert.equal(upstreamErrorMessage('{"detail":"db_password=x"}'), undefined);
    assert.equal(upstreamErrorMessage('<html>db_password=x</html>'), undefined);
    assert.equal(upstreamErrorMessage(JSON.stringify({ error: 'y'.repeat(500) }))!.length, 200);
  });

  test('embedders and rerankers: a non-shaped body never reaches the message', async () => {
    answer = { status: 500, body: 'db_password=hunter2' };
    await assert.rejects(postJson(`${base}/v1/embeddings`, {}, { signal: AbortSignal.timeout(5000), upstream: 'test' }), (e: unknown) => {
      assert.ok(e instanceof HttpAttemptError);
      assert.equal(e.message, 'HTTP 500');
      return true;
    });
    const reranker = new HttpReranker({ baseUrl: base, model: 'r' });
    await assert.rejects(reranker.rerank('q', ['a']), (e: unknown) => {
      assert.ok(!String((e as Error).message).includes('hunter2'), (e as Error).message);
      return true;
    });
    answer = { status: 503, body: JSON.stringify({ error: { message: 'loading model' } }) };
    await assert.rejects(reranker.rerank('q', ['a']), /answered 503: loading model$/);
  });

  test('the MCP client keeps only a JSON-RPC error message of an HTTP error body', () => {
    assert.equal(errorText(new Error('Streamable HTTP error: Error POSTing to endpoint: <html>db_password=x</html>')), 'Streamable HTTP error: Error POSTing to endpoint');
    assert.equal(
      errorText(new Error('Error POSTing to endpoint (HTTP 400): {"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad session"}}')),
      'Error POSTing to endpoint (HTTP 400): Bad session',
    );
    assert.equal(errorText(new Error('connect ECONNREFUSED 127.0.0.1:1')), 'connect ECONNREFUSED 127.0.0.1:1');
  });
});
