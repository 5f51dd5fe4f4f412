/**
 * Request validation errors (ajv) as the 422 list form `[{loc, msg, type}]`, each `msg` one readable sentence
 * (decision 0132). ajv's raw words ("must be equal to constant", "must match a schema in anyOf") never reach a
 * client: a union of constants (TypeBox's `Union([Literal…])`, `Enum`) becomes one issue listing the allowed
 * values; other unions say which kinds of value are accepted.
 */
import type { FastifyError } from 'fastify';
import type { ValidationIssue } from '../core/errors.js';
import { RESOURCE_NAME_PATTERN, RESOURCE_NAME_RULE } from '../core/names.js';

const CONTEXT_LOC: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

export interface AjvLikeError {
  instancePath?: string;
  schemaPath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a valid string',
  integer: 'a valid integer',
  number: 'a valid number',
  boolean: 'a valid boolean',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

function ajvType(e: AjvLikeError): string {
  switch (e.keyword) {
    case 'required':
      return 'missing';
    case 'type':
      return `${String(e.params?.type ?? 'value')}_type`;
    case 'pattern':
      return 'string_pattern_mismatch';
    case 'minLength':
      return 'string_too_short';
    case 'maxLength':
      return 'string_too_long';
    case 'minimum':
    case 'exclusiveMinimum':
      return 'greater_than_equal';
    case 'maximum':
    case 'exclusiveMaximum':
      return 'less_than_equal';
    case 'minItems':
      return 'too_short';
    case 'maxItems':
      return 'too_long';
    case 'enum':
    case 'const':
      return 'enum';
    case 'additionalProperties':
      return 'extra_forbidden';
    case 'anyOf':
      return 'union';
    default:
      return e.keyword ?? 'value_error';
  }
}

const quote = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));

/** `'a'`, `'a' or 'b'`, `'a', 'b' or 'c'`. */
export function oneOfList(values: unknown[]): string {
  const q = values.map(quote);
  return q.length <= 1 ? (q[0] ?? '') : `${q.slice(0, -1).join(', ')} or ${q.at(-1)}`;
}

function typeWords(types: string[]): string {
  const words = [...new Set(types)].map((t) => TYPE_WORDS[t] ?? t);
  return words.length <= 1 ? (words[0] ?? 'valid') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

const s = (n: unknown) => (n === 1 ? '' : 's');

/** One sentence for one ajv error that is not part of a union. */
function message(e: AjvLikeError): string {
  const p = e.params ?? {};
  switch (e.keyword) {
    case 'required':
      return 'Field required';
    case 'additionalProperties':
      return 'Extra inputs are not permitted';
    case 'enum':
      return `Input should be one of ${oneOfList((p.allowedValues as unknown[] | undefined) ?? [])}`;
    case 'const':
      return `Input should be ${quote(p.allowedValue)}`;
    case 'type':
      return `Input should be ${typeWords(String(p.type ?? 'value').split(','))}`;
    case 'pattern':
      return p.pattern === RESOURCE_NAME_PATTERN ? RESOURCE_NAME_RULE : `String should match pattern '${String(p.pattern)}'`;
    case 'minLength':
      return `String should have at least ${String(p.limit)} character${s(p.limit)}`;
    case 'maxLength':
      return `String should have at most ${String(p.limit)} character${s(p.limit)}`;
    case 'minimum':
      return `Input should be greater than or equal to ${String(p.limit)}`;
    case 'exclusiveMinimum':
      return `Input should be greater than ${String(p.limit)}`;
    case 'maximum':
      return `Input should be less than or equal to ${String(p.limit)}`;
    case 'exclusiveMaximum':
      return `Input should be less than ${String(p.limit)}`;
    case 'minItems':
      return `List should have at least ${String(p.limit)} item${s(p.limit)}`;
    case 'maxItems':
      return `List should have at most ${String(p.limit)} item${s(p.limit)}`;
    case 'format':
      return `Input should be a valid ${String(p.format)}`;
    default:
      return e.message ? `Input ${e.message}` : 'Invalid value';
  }
}

function locOf(ctx: string, e: AjvLikeError): (string | number)[] {
  const loc: (string | number)[] = [ctx];
  for (const seg of (e.instancePath ?? '').split('/').slice(1)) loc.push(/^\d+$/.test(seg) ? Number(seg) : seg.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'required') loc.push(String(e.params?.missingProperty));
  else if (e.keyword === 'additionalProperties') loc.push(String(e.params?.additionalProperty));
  return loc;
}

/**
 * A union (`anyOf`) and its branches' errors as one issue when every branch failed at the union's own value
 * (constants, enums, types): "Input should be one of 'a', 'b' or 'c'" (", or null" for a nullable one), or
 * "Input should be a valid string or null". Undefined when a branch failed deeper (then its own errors say more).
 */
function unionMessage(branches: AjvLikeError[], path: string): string | undefined {
  if (branches.length === 0 || branches.some((b) => (b.instancePath ?? '') !== path || !['const', 'enum', 'type'].includes(b.keyword ?? ''))) return undefined;
  const values: unknown[] = [];
  const types: string[] = [];
  for (const b of branches) {
    if (b.keyword === 'const') values.push(b.params?.allowedValue);
    else if (b.keyword === 'enum') values.push(...((b.params?.allowedValues as unknown[] | undefined) ?? []));
    else types.push(...String(b.params?.type ?? '').split(','));
  }
  if (values.length === 0) return `Input should be ${typeWords(types)}`;
  const others = types.filter((t) => t);
  return `Input should be one of ${oneOfList(values)}${others.length ? `, or ${typeWords(others)}` : ''}`;
}

/** ajv's errors for one request part as the 422 list. */
export function issuesOf(ctx: string, errors: AjvLikeError[]): ValidationIssue[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const consumed = new Set<AjvLikeError>();
  const replacement = new Map<AjvLikeError, ValidationIssue>();
  // Innermost unions first (longest schema paths), so an outer union sees its inner ones already folded.
  for (const u of [...unions].sort((a, b) => (b.schemaPath ?? '').length - (a.schemaPath ?? '').length)) {
    const prefix = `${u.schemaPath ?? ''}/`;
    const branches = errors.filter((e) => e !== u && !consumed.has(e) && (e.schemaPath ?? '').startsWith(prefix));
    const path = u.instancePath ?? '';
    const msg = unionMessage(branches, path);
    if (msg) {
      for (const b of branches) consumed.add(b);
      replacement.set(u, { loc: locOf(ctx, u), msg, type: branches.some((b) => b.keyword !== 'type') ? 'enum' : ajvType(branches[0]) });
    } else if (branches.length > 0) {
      // A branch failed deeper (a field of an object form): its own errors say what is wrong; the other forms'
      // "should be null"-style mismatches at the union's value would only mislead.
      consumed.add(u);
      for (const b of branches) if ((b.instancePath ?? '') === path && ['const', 'enum', 'type'].includes(b.keyword ?? '')) consumed.add(b);
    } else {
      replacement.set(u, { loc: locOf(ctx, u), msg: 'Input does not match any of the accepted forms', type: 'union' });
    }
  }
  const out: ValidationIssue[] = [];
  for (const e of errors) {
    if (consumed.has(e)) continue;
    out.push(replacement.get(e) ?? { loc: locOf(ctx, e), msg: message(e), type: ajvType(e) });
  }
  return out;
}

export function validationIssues(err: FastifyError): ValidationIssue[] {
  const ctx = CONTEXT_LOC[err.validationContext ?? 'body'] ?? 'body';
  return issuesOf(ctx, err.validation as AjvLikeError[]);
}
