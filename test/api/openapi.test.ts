import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestApp, json, type TestApp } from '../helpers/app.js';

/** The reference's "MCP-Compatible Operations" list. */
export const MCP_OPERATIONS: Record<string, [string, string]> = {
  projects_list: ['get', '/v1/projects/{namespace}'],
  project_create: ['post', '/v1/projects/{namespace}'],
  project_get: ['get', '/v1/projects/{namespace}/{project}'],
  project_update: ['put', '/v1/projects/{namespace}/{project}'],
  project_delete: ['delete', '/v1/projects/{namespace}/{project}'],
  models_list: ['get', '/v1/projects/{namespace}/{project}/models'],
  dataset_list: ['get', '/v1/projects/{namespace}/{project}/datasets'],
  dataset_strategies_list: ['get', '/v1/projects/{namespace}/{project}/datasets/strategies'],
  dataset_create: ['post', '/v1/projects/{namespace}/{project}/datasets'],
  dataset_delete: ['delete', '/v1/projects/{namespace}/{project}/datasets/{dataset}'],
  dataset_actions: ['post', '/v1/projects/{namespace}/{project}/datasets/{dataset}/actions'],
  dataset_data_upload: ['post', '/v1/projects/{namespace}/{project}/datasets/{dataset}/data'],
  rag_query: ['post', '/v1/projects/{namespace}/{project}/rag/query'],
  database_create: ['post', '/v1/projects/{namespace}/{project}/rag/databases'],
  database_get: ['get', '/v1/projects/{namespace}/{project}/rag/databases/{database}'],
  database_update: ['patch', '/v1/projects/{namespace}/{project}/rag/databases/{database}'],
  database_delete: ['delete', '/v1/projects/{namespace}/{project}/rag/databases/{database}'],
  task_get: ['get', '/v1/projects/{namespace}/{project}/tasks/{task_id}'],
  // Issue 18: the prompts API is tagged mcp too.
  prompts_list: ['get', '/v1/projects/{namespace}/{project}/prompts'],
  prompt_create: ['post', '/v1/projects/{namespace}/{project}/prompts'],
  prompt_get: ['get', '/v1/projects/{namespace}/{project}/prompts/{name}'],
  prompt_update: ['put', '/v1/projects/{namespace}/{project}/prompts/{name}'],
  prompt_delete: ['delete', '/v1/projects/{namespace}/{project}/prompts/{name}'],
  rag_judgment_create: ['post', '/v1/projects/{namespace}/{project}/rag/judgments'],
  rag_judgments_list: ['get', '/v1/projects/{namespace}/{project}/rag/judgments'],
  rag_judgments_delete: ['delete', '/v1/projects/{namespace}/{project}/rag/judgments'],
  rag_judgment_delete: ['delete', '/v1/projects/{namespace}/{project}/rag/judgments/{judgment_id}'],
  rag_evaluate: ['post', '/v1/projects/{namespace}/{project}/rag/evaluate'],
};

/** Issue 17 (the data loop): its read-only operations and cancel are MCP tools too. */
export const DATA_LOOP_MCP_OPERATIONS: Record<string, [string, string]> = {
  task_cancel: ['delete', '/v1/projects/{namespace}/{project}/tasks/{task_id}'],
  dataset_get: ['get', '/v1/projects/{namespace}/{project}/datasets/{dataset}'],
  dataset_file_chunks: ['get', '/v1/projects/{namespace}/{project}/datasets/{dataset}/data/{file_hash}/chunks'],
  dataset_file_text: ['get', '/v1/projects/{namespace}/{project}/datasets/{dataset}/data/{file_hash}/text'],
  rag_stats: ['get', '/v1/projects/{namespace}/{project}/rag/stats'],
  rag_database_documents: ['get', '/v1/projects/{namespace}/{project}/rag/databases/{database}/documents'],
  rag_database_preview: ['post', '/v1/projects/{namespace}/{project}/rag/databases/{database}/preview'],
};

describe('OpenAPI document and docs', () => {
  let t: TestApp;
  let doc: any;
  before(async () => {
    t = await makeTestApp();
    doc = json(await t.app.inject('/openapi.json'));
  });
  after(async () => t.close());

  test('is OpenAPI 3 with the config schema as a component', () => {
    assert.match(doc.openapi, /^3\./);
    assert.equal(doc.info.title, 'LlamaFarm API');
    assert.ok(doc.components.schemas.LlamaFarmConfig.properties.rag);
  });

  test('every operation has a unique operationId', () => {
    const ids: string[] = [];
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        assert.ok(op.operationId, `${method.toUpperCase()} ${path} has no operationId`);
        ids.push(op.operationId);
      }
    }
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  });

  test("the reference's MCP operations that exist carry their id and the `mcp` tag", () => {
    const byId = new Map<string, { method: string; path: string; tags: string[] }>();
    for (const [path, ops] of Object.entries<any>(doc.paths)) for (const [method, op] of Object.entries<any>(ops)) byId.set(op.operationId, { method, path, tags: op.tags ?? [] });
    let found = 0;
    for (const [id, [method, path]] of Object.entries({ ...MCP_OPERATIONS, ...DATA_LOOP_MCP_OPERATIONS })) {
      const op = byId.get(id);
      if (!op) continue;
      found++;
      assert.equal(op.method, method, id);
      assert.equal(op.path, path, id);
      assert.ok(op.tags.includes('mcp'), `${id} is tagged mcp`);
    }
    assert.ok(found >= 5, 'at least the project operations are present');
    for (const [id, op] of byId) if (op.tags.includes('mcp')) assert.ok(id in MCP_OPERATIONS || id in DATA_LOOP_MCP_OPERATIONS, `${id} is tagged mcp but not in the reference list`);
  });

  test('Swagger UI lists each MCP operation once (under its resource), marked as an MCP tool', async () => {
    const ui = json(await t.app.inject('/docs/json'));
    let marked = 0;
    for (const [path, ops] of Object.entries<any>(ui.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        // Swagger UI shows an operation once per tag.
        assert.equal(op.tags?.length ?? 0, 1, `${method.toUpperCase()} ${path} has tags ${JSON.stringify(op.tags)}`);
        const tagged = doc.paths[path][method].tags.includes('mcp');
        assert.equal(op['x-mcp-tool'] === true, tagged, `${op.operationId} x-mcp-tool`);
        if (tagged) marked++;
      }
    }
    assert.ok(marked >= 5);
    // The served document itself keeps the reference's tags.
    assert.deepEqual(doc.paths['/v1/projects/{namespace}'].get.tags, ['projects', 'mcp']);
  });

  test('/docs serves Swagger UI', async () => {
    const res = await t.app.inject('/docs/');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /swagger/i);
  });
});
