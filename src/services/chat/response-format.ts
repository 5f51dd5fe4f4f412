/**
 * `response_format` checks (issue 18 item 6): `text`, `json_object`, or `json_schema` with `json_schema.schema` a
 * JSON Schema that compiles and that constrained decoding can enforce. Every subschema must say what it allows
 * (`type`, `enum`, `const`, `anyOf`/`oneOf`/`allOf`, `$ref`): node-llama-cpp's grammar builder reads a subschema
 * that says nothing as "null", which would silently produce the wrong output. A bad format is a 422 before any
 * model runs, whatever the provider.
 */
import { Ajv } from 'ajv';
import { unprocessable, type ValidationIssue } from '../../core/errors.js';

export type ResponseFormat = { type: 'text' } | { type: 'json_object' } | { type: 'json_schema'; json_schema: { name?: string; schema: Record<string, unknown>; strict?: boolean } };

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null', 'object', 'array']);
const SAYS_WHAT = ['type', 'enum', 'const', 'anyOf', 'oneOf', 'allOf', '$ref'];
const MAX_SCHEMA_BYTES = 64 * 1024;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Problems of one subschema and its children, as (path, message) pairs. */
function walk(s: unknown, path: (string | number)[], out: { loc: (string | number)[]; msg: string }[]): void {
  if (!isObject(s)) {
    out.push({ loc: path, msg: 'a schema must be an object' });
    return;
  }
  if (!SAYS_WHAT.some((k) => k in s)) out.push({ loc: path, msg: `a schema must state what it allows (one of ${SAYS_WHAT.join(', ')})` });
  const types = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  for (const t of types) if (typeof t !== 'string' || !TYPES.has(t)) out.push({ loc: [...path, 'type'], msg: `unknown type ${JSON.stringify(t)}; allowed: ${[...TYPES].join(', ')}` });
  if (isObject(s.properties)) for (const [k, v] of Object.entries(s.properties)) walk(v, [...path, 'properties', k], out);
  if (isObject(s.items)) walk(s.items, [...path, 'items'], out);
  if (isObject(s.additionalProperties)) walk(s.additionalProperties, [...path, 'additionalProperties'], out);
  for (const key of ['prefixItems', 'anyOf', 'oneOf', 'allOf'] as const) {
    const list = s[key];
    if (Array.isArray(list)) list.forEach((v, i) => walk(v, [...path, key, i], out));
  }
  for (const key of ['$defs', 'definitions'] as const) {
    const defs = s[key];
    if (isObject(defs)) for (const [k, v] of Object.entries(defs)) walk(v, [...path, key, k], out);
  }
}

let ajv: Ajv | undefined;

/** The validated format, or undefined when the request has none; throws 422 naming the problem. */
export function checkResponseFormat(v: unknown): ResponseFormat | undefined {
  if (v === undefined || v === null) return undefined;
  const loc = ['body', 'response_format'];
  const fail = (issues: { loc: (string | number)[]; msg: string }[]): never => {
    throw unprocessable(issues.map((i): ValidationIssue => ({ loc: [...loc, ...i.loc], msg: i.msg, type: 'value_error' })));
  };
  if (!isObject(v)) return fail([{ loc: [], msg: 'Input should be an object' }]);
  if (v.type === 'text' || v.type === 'json_object') return { type: v.type };
  if (v.type !== 'json_schema') return fail([{ loc: ['type'], msg: "Input should be 'text', 'json_object' or 'json_schema'" }]);
  const js = v.json_schema;
  if (!isObject(js) || !isObject(js.schema)) return fail([{ loc: ['json_schema', 'schema'], msg: 'json_schema.schema should be a JSON Schema object' }]);
  if (JSON.stringify(js.schema).length > MAX_SCHEMA_BYTES) return fail([{ loc: ['json_schema', 'schema'], msg: `the schema is larger than ${MAX_SCHEMA_BYTES} bytes` }]);
  const problems: { loc: (string | number)[]; msg: string }[] = [];
  walk(js.schema, ['json_schema', 'schema'], problems);
  if (problems.length) return fail(problems.slice(0, 10));
  // Checked against the meta-schema only: compiling would cache every client schema in the process.
  ajv ??= new Ajv({ strict: false });
  if (!ajv.validateSchema(js.schema)) return fail([{ loc: ['json_schema', 'schema'], msg: `not a valid JSON Schema: ${ajv.errorsText(ajv.errors)}` }]);
  return { type: 'json_schema', json_schema: { ...(typeof js.name === 'string' ? { name: js.name } : {}), schema: js.schema, ...(typeof js.strict === 'boolean' ? { strict: js.strict } : {}) } };
}
