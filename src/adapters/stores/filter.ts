/**
 * Metadata filters: the one definition of what a `MetadataFilter` means, shared by every store.
 *
 * Semantics (a store may translate them into its own query language, but must answer the same):
 * - every key of the filter must hold (AND);
 * - a scalar is strict equality (`===`, so `3` never equals `'3'`), an array is membership (`$in`);
 * - `$eq $ne $in $nin` compare with strict equality; `$gt $gte $lt $lte` compare numbers with numbers and
 *   strings with strings (a value of another type never satisfies them);
 * - a key that is missing (or `null`) in the metadata fails every condition except equality with `null`
 *   (`{k: null}` or `{k: {$eq: null}}`), so `$ne`/`$nin` also need the key to be present;
 * - metadata values that are arrays or objects are compared as whole values: `{tags: 'a'}` does not match
 *   `tags: ['a', 'b']` (they round-trip through the store, but are not searchable element by element).
 */
import { StoreError, type FilterCondition, type FilterValue, type MetadataFilter } from './types.js';

export type ComparisonOp = '$gt' | '$gte' | '$lt' | '$lte';
export type FilterOp = '$eq' | '$ne' | '$in' | '$nin' | ComparisonOp;

/** One `key op value` test; a filter is the AND of its clauses. */
export type FilterClause =
  | { key: string; op: '$eq' | '$ne'; value: FilterValue }
  | { key: string; op: '$in' | '$nin'; values: FilterValue[] }
  | { key: string; op: ComparisonOp; value: number | string };

const OPERATORS = new Set<string>(['$eq', '$ne', '$in', '$nin', '$gt', '$gte', '$lt', '$lte']);

function isScalar(v: unknown): v is FilterValue {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

function badFilter(message: string): StoreError {
  return new StoreError(`Invalid metadata filter: ${message}`, 'invalid_filter');
}

function scalarList(key: string, op: string, v: unknown): FilterValue[] {
  if (!Array.isArray(v) || !v.every(isScalar)) throw badFilter(`${key}.${op} needs an array of strings, numbers, booleans or null`);
  return v;
}

/** Validates a filter and flattens it into clauses. Throws StoreError('invalid_filter') when malformed. */
export function parseFilter(filter: MetadataFilter | undefined): FilterClause[] {
  if (filter === undefined || filter === null) return [];
  if (typeof filter !== 'object' || Array.isArray(filter)) throw badFilter('expected an object of metadata keys');
  const clauses: FilterClause[] = [];
  for (const [key, cond] of Object.entries(filter) as [string, FilterCondition | undefined][]) {
    if (cond === undefined) continue;
    if (isScalar(cond)) {
      clauses.push({ key, op: '$eq', value: cond });
    } else if (Array.isArray(cond)) {
      clauses.push({ key, op: '$in', values: scalarList(key, '$in', cond) });
    } else if (typeof cond === 'object') {
      for (const [op, v] of Object.entries(cond)) {
        if (!OPERATORS.has(op)) throw badFilter(`unknown operator ${op} on ${key} (known: ${[...OPERATORS].join(' ')})`);
        if (v === undefined) continue;
        if (op === '$eq' || op === '$ne') {
          if (!isScalar(v)) throw badFilter(`${key}.${op} needs a string, number, boolean or null`);
          clauses.push({ key, op, value: v });
        } else if (op === '$in' || op === '$nin') {
          clauses.push({ key, op, values: scalarList(key, op, v) });
        } else {
          if (!((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string')) {
            throw badFilter(`${key}.${op} needs a number or a string`);
          }
          clauses.push({ key, op: op as ComparisonOp, value: v });
        }
      }
    } else {
      throw badFilter(`${key} has an unsupported condition`);
    }
  }
  return clauses;
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

function compare(actual: unknown, op: ComparisonOp, expected: number | string): boolean {
  if (typeof actual !== typeof expected) return false;
  const a = actual as number | string;
  switch (op) {
    case '$gt': return a > expected;
    case '$gte': return a >= expected;
    case '$lt': return a < expected;
    case '$lte': return a <= expected;
  }
}

/** Does one clause hold for this metadata? */
export function clauseMatches(metadata: Record<string, unknown>, clause: FilterClause): boolean {
  const actual = Object.hasOwn(metadata, clause.key) ? metadata[clause.key] : undefined;
  switch (clause.op) {
    case '$eq':
      return clause.value === null ? !present(actual) : actual === clause.value;
    case '$ne':
      return present(actual) && actual !== clause.value;
    case '$in':
      return clause.values.some((v) => (v === null ? !present(actual) : actual === v));
    case '$nin':
      return present(actual) && !clause.values.includes(actual as FilterValue);
    default:
      return present(actual) && compare(actual, clause.op, clause.value);
  }
}

/** Does the metadata satisfy every clause? */
export function matchesClauses(metadata: Record<string, unknown>, clauses: readonly FilterClause[]): boolean {
  return clauses.every((c) => clauseMatches(metadata, c));
}

/** Convenience: validate `filter` and test `metadata` against it. */
export function matchesFilter(metadata: Record<string, unknown>, filter: MetadataFilter | undefined): boolean {
  return matchesClauses(metadata, parseFilter(filter));
}
