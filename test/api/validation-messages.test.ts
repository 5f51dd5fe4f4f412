/**
 * Issue #14 item 8: every 422/400 names the field and the allowed values (or valid names) in one readable
 * sentence; ajv's raw words never reach a client; the 422 list form stays.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Type from 'typebox';
import type { InjectOptions } from 'fastify';
import { Ajv } from 'ajv';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';
import { createOfflineProject } from '../helpers/projects.js';
import { issuesOf } from '../../src/api/validation-messages.js';

const RAW = /must be equal to constant|must match a schema in anyOf|must match exactly one schema/;

describe('validation messages', () => {
  let t: TestApp;
  const P = '/v1/projects/org/p';
  before(async () => {
    t = await makeTestApp();
    await createOfflineProject(t.app, 'org', 'p');
  });
  after(async () => t.close());

  const detail = async (o: string | InjectOptions, status: number) => {
    const res = await t.app.inject(o);
    assert.equal(res.statusCode, status, res.body);
    const d = json(res).detail;
    assert.doesNotMatch(JSON.stringify(d), RAW);
    return d;
  };

  test('event_logs?type=bogus: 422 listing the event types (it answered 200 with nothing)', async () => {
    assert.deepEqual(await detail(`${P}/event_logs?type=bogus`, 422), [{ loc: ['query', 'type'], msg: "Input should be one of 'inference', 'rag_processing' or 'rag_query'", type: 'enum' }]);
    assert.equal((await t.app.inject(`${P}/event_logs?type=inference`)).statusCode, 200);
  });

  test('a union of constants in a body is one issue listing the values (no "must be equal to constant")', async () => {
    const d = await detail({ method: 'POST', url: `${P}/datasets/x/actions`, payload: { action_type: 'explode' } }, 422);
    assert.deepEqual(d, [{ loc: ['body', 'action_type'], msg: "Input should be one of 'process', 'ingest', 'reprocess', 'delete_file_chunks' or 'delete_dataset_chunks'", type: 'enum' }]);
    const chat = await detail({ method: 'POST', url: `${P}/chat/completions`, payload: { messages: [{ role: 'robot', content: 'x' }] } }, 422);
    assert.deepEqual(chat[0], { loc: ['body', 'messages', 0, 'role'], msg: "Input should be one of 'system', 'developer', 'user', 'assistant', 'tool' or 'function'", type: 'enum' });
    const models = await detail('/v1/models?provider=bogus', 422);
    assert.match(models[0].msg, /^Input should be one of 'openai', 'ollama', 'lemonade' or 'universal'$/);
  });

  test('a bad resource name says the rule in words', async () => {
    const d = await detail({ method: 'POST', url: '/v1/projects/org', payload: { name: 'bad name!' } }, 422);
    assert.deepEqual(d, [{ loc: ['body', 'name'], msg: 'Names must be 1-64 characters of letters, digits, "_" or "-", starting with a letter or digit', type: 'string_pattern_mismatch' }]);
  });

  test('a wrong database or strategy name lists the valid names', async () => {
    const db = await detail({ method: 'POST', url: `${P}/datasets`, payload: { name: 'd', data_processing_strategy: 'universal_processor', database: 'nope' } }, 400);
    assert.equal(db, "database 'nope' is not one of this project's databases: main_database");
    const strategy = await detail({ method: 'POST', url: `${P}/datasets`, payload: { name: 'd', data_processing_strategy: 'nope', database: 'main_database' } }, 400);
    assert.equal(strategy, "data_processing_strategy 'nope' is not one of this project's strategies: universal_processor");
    const query = await detail({ method: 'POST', url: `${P}/rag/query`, payload: { query: 'x', database: 'nope' } }, 404);
    assert.equal(query, "Database 'nope' not found. Valid names: main_database");
  });

  test('config issues: a dataset naming an unknown database lists the valid ones', async () => {
    const config = json(await t.app.inject(`${P}`)).project.config;
    config.datasets = [{ name: 'd', database: 'nope', data_processing_strategy: 'universal_processor' }];
    const d = await detail({ method: 'PUT', url: P, payload: { config } }, 422);
    assert.ok(
      d.some((i: any) => /'nope' is not a configured database \(valid names: main_database\)/.test(i.msg)),
      JSON.stringify(d),
    );
  });
});

describe('issuesOf (ajv errors → the 422 list)', () => {
  const ajv = new Ajv({ allErrors: true });
  const errorsOf = (schema: unknown, value: unknown) => {
    const validate = ajv.compile(schema as object);
    assert.equal(validate(value), false);
    return issuesOf('body', validate.errors as never);
  };

  test('a nullable union of constants says "or null"; a union of types names the types', () => {
    const schema = Type.Object({ mode: Type.Union([Type.Literal('a'), Type.Literal('b'), Type.Null()]), n: Type.Union([Type.Integer(), Type.String()]) });
    assert.deepEqual(errorsOf(schema, { mode: 'c', n: true }), [
      { loc: ['body', 'mode'], msg: "Input should be one of 'a' or 'b', or null", type: 'enum' },
      { loc: ['body', 'n'], msg: 'Input should be a valid integer or a valid string', type: 'integer_type' },
    ]);
  });

  test('a union of object forms reports the deeper field, not the other forms', () => {
    const schema = Type.Object({ opt: Type.Union([Type.Object({ k: Type.Integer({ minimum: 1 }) }), Type.Null()]) });
    assert.deepEqual(errorsOf(schema, { opt: { k: 0 } }), [{ loc: ['body', 'opt', 'k'], msg: 'Input should be greater than or equal to 1', type: 'greater_than_equal' }]);
  });
});
