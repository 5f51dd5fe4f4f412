/**
 * Adapter errors translate in one place (decision 0180): each kind answers with its status through the real
 * error handler, the detail names the adapter, no stack trace ever reaches the body, and each of the adapter
 * error classes carries the kind its failures mean.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { installErrorHandling } from '../../src/api/error-handler.js';
import { AdapterError, ADAPTER_ERROR_KINDS, adapterToLfError, toLfError, type AdapterErrorKind } from '../../src/core/adapter-error.js';
import { LfError } from '../../src/core/errors.js';
import { EmbedderError } from '../../src/adapters/embedders/types.js';
import { createEmbedder } from '../../src/adapters/embedders/registry.js';
import { searchError } from '../../src/services/rag/retrieval.js';
import type { DatabaseConfig } from '../../src/config/schema.js';
import { HttpAttemptError } from '../../src/adapters/embedders/retry.js';
import { StoreError } from '../../src/adapters/stores/types.js';
import { ParseError } from '../../src/adapters/parsers/types.js';
import { TaskFailure } from '../../src/adapters/queues/types.js';
import { RuntimeError } from '../../src/adapters/runtimes/types.js';
import { StrategyUnavailableError } from '../../src/adapters/retrievers/registry.js';
import { RerankerUnavailableError, StrategyConfigError } from '../../src/adapters/retrievers/types.js';

const STATUS: Record<AdapterErrorKind, number> = { config: 400, invalid_input: 422, mismatch: 409, unavailable: 503, upstream: 502, internal: 500 };

describe('adapter error translation', () => {
  let app: FastifyInstance;
  let thrown: Error = new Error('unset');
  before(async () => {
    app = Fastify({ logger: false });
    installErrorHandling(app);
    app.get('/boom', async () => {
      throw thrown;
    });
    await app.ready();
  });
  after(async () => app.close());

  const answer = async (e: Error) => {
    thrown = e;
    const res = await app.inject('/boom');
    return { status: res.statusCode, body: JSON.parse(res.body) as { detail: unknown } };
  };

  test('every kind answers with its status through the error handler, naming the adapter, without a stack', async () => {
    assert.deepEqual([...ADAPTER_ERROR_KINDS].sort(), Object.keys(STATUS).sort());
    for (const kind of ADAPTER_ERROR_KINDS) {
      const e = new AdapterError(kind, 'FancyStore', 'the backend said no');
      const { status, body } = await answer(e);
      assert.equal(status, STATUS[kind], kind);
      assert.deepEqual(Object.keys(body), ['detail']);
      assert.equal(body.detail, 'FancyStore: the backend said no', kind);
      assert.ok(e.stack && !String(body.detail).includes(e.stack.split('\n')[1]!.trim()), 'no stack frame in the body');
    }
  });

  test('a message that already starts with the adapter name is not prefixed twice', () => {
    assert.equal(adapterToLfError(new AdapterError('upstream', 'Embedder', 'embedder at x failed')).detail, 'Embedder at x failed');
    assert.equal(adapterToLfError(new AdapterError('upstream', 'Vector store', 'ChromaStore: 500')).detail, 'Vector store: ChromaStore: 500');
  });

  test('toLfError: LfErrors pass through, adapter errors translate, anything else is left to the 500 path', () => {
    const lf = new LfError('not_found', 'x');
    assert.equal(toLfError(lf), lf);
    const translated = toLfError(new StoreError('down', 'unavailable'));
    assert.ok(translated instanceof LfError);
    assert.equal(translated.status, 503);
    assert.ok(translated.cause instanceof StoreError, 'the adapter error is kept as the cause for the log');
    assert.equal(toLfError(new Error('boom')), undefined);
    assert.equal(toLfError('boom'), undefined);
  });

  test('each adapter error class carries the kind its failures mean, and keeps its name', async () => {
    const cases: [Error, number, RegExp][] = [
      [new EmbedderError('Ollama at http://h:11434: model missing', 'Ollama at http://h:11434'), 502, /^Embedder: Ollama at/],
      [new HttpAttemptError('HTTP 500', 500, true, ''), 502, /^Embedder: HTTP 500$/],
      [new StoreError('ChromaStore cannot reach the Chroma server', 'unavailable'), 503, /^Vector store: ChromaStore cannot reach/],
      [new StoreError('vectors have 3 dimensions, the table 4', 'dimension_mismatch'), 409, /^Vector store: /],
      [new StoreError('embedder changed', 'embedder_mismatch'), 409, /^Vector store: /],
      [new StoreError('Invalid metadata filter: $foo', 'invalid_filter'), 422, /^Vector store: Invalid metadata filter/],
      [new StoreError('NaN in vector', 'invalid_vector'), 422, /^Vector store: /],
      [new StoreError('LanceDBStore config: ann_index must be a boolean', 'config'), 400, /^Vector store: LanceDBStore config/],
      [new StoreError('PGVectorStore: relation does not exist', 'upstream'), 502, /^Vector store: PGVectorStore/],
      [new StoreError('LanceDBStore is closed'), 500, /^Vector store: LanceDBStore is closed$/],
      [new ParseError('PDF is encrypted', 'encrypted'), 422, /^Parser: PDF is encrypted$/],
      [new ParseError('PDF parser crashed'), 500, /^Parser: /],
      [new TaskFailure('2 of 2 files failed'), 500, /^Task: 2 of 2 files failed$/],
      [new RuntimeError('openai upstream http://h/v1 answered HTTP 500', 'http://h/v1', 500), 502, /^Model runtime: openai upstream/],
      [new StrategyUnavailableError('GraphRetriever', 'GraphRetriever needs a graph store'), 400, /^Retrieval strategy: GraphRetriever needs/],
      [new RerankerUnavailableError("model 'r' is not in runtime.models"), 400, /^Reranker: model 'r'/],
      [new StrategyConfigError('top_k must be a positive integer'), 400, /^Retrieval strategy: top_k/],
    ];
    for (const [e, status, detail] of cases) {
      assert.ok(e instanceof AdapterError, e.name);
      assert.notEqual(e.name, 'AdapterError', 'the class keeps its own name');
      const res = await answer(e);
      assert.equal(res.status, status, e.message);
      assert.match(String(res.body.detail), detail);
    }
  });

  test('an unusable embedder config is a config error (400), in the handler and in search; a failing server stays 502', async () => {
    let configError: unknown;
    try {
      createEmbedder('OllamaEmbedder', { batch_size: 'lots' });
    } catch (e) {
      configError = e;
    }
    assert.ok(configError instanceof EmbedderError && configError.kind === 'config', String(configError));
    const res = await answer(configError);
    assert.equal(res.status, 400);
    assert.equal(res.body.detail, 'Embedder: OllamaEmbedder: config "batch_size" must be a number');
    const db = { name: 'main_db' } as DatabaseConfig;
    const mapped = searchError(configError, db) as LfError;
    assert.equal(mapped.status, 400, 'search used to answer 500 "Query failed" for this');
    const upstream = searchError(new EmbedderError('Ollama at http://h: down', 'Ollama at http://h'), db) as LfError;
    assert.equal(upstream.status, 502);
    assert.match(String(upstream.detail), /^Embedder for database 'main_db' failed/);
  });
});
