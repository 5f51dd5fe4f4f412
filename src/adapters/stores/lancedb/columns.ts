/**
 * Metadata in the LanceDB table: the full metadata is kept as a JSON string (`metadata` column, which makes any
 * value round-trip), and a few well-known keys are copied into real columns so filters on them run in SQL.
 *
 * LanceDB 0.31 has no SQL over JSON held in a string column (`json_extract` only takes Lance's binary JSON type),
 * so conditions on other keys are checked in JS on the rows the SQL part selects (search over-fetches for them).
 *
 * A promoted column holds the metadata value only when it has the column's type (a page of `"iv"` leaves `page`
 * NULL). Each condition is therefore compiled twice: an `exact` SQL (true exactly when the JS filter holds; only
 * for conditions where a value of another type can never match) and a `superset` SQL (never drops a match; rows
 * with a NULL column are kept for the JS check).
 */
import { parseFilter, type FilterClause } from '../filter.js';
import type { FilterValue, MetadataFilter } from '../types.js';

export interface PromotedColumn {
  name: string;
  kind: 'string' | 'number';
}

export const PROMOTED_COLUMNS: readonly PromotedColumn[] = [
  { name: 'source', kind: 'string' },
  { name: 'file_hash', kind: 'string' },
  { name: 'dataset', kind: 'string' },
  { name: 'page', kind: 'number' },
  { name: 'chunk_index', kind: 'number' },
];

const BY_NAME = new Map(PROMOTED_COLUMNS.map((c) => [c.name, c]));

/** The value to store in a promoted column, or null when the metadata value is missing or of another type. */
export function promotedValue(col: PromotedColumn, metadata: Record<string, unknown>): string | number | null {
  const v = metadata[col.name];
  if (col.kind === 'string') return typeof v === 'string' ? v : null;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function sqlNumber(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 2 ** 53 ? String(n) : n.toExponential();
}

function ofKind(col: PromotedColumn, v: FilterValue): boolean {
  return col.kind === 'string' ? typeof v === 'string' : typeof v === 'number' && Number.isFinite(v);
}

function literal(col: PromotedColumn, v: FilterValue): string {
  return col.kind === 'string' ? sqlString(v as string) : sqlNumber(v as number);
}

const COMPARATORS = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' } as const;

interface ClauseSql {
  /** SQL true exactly when the clause holds, if there is one. */
  exact?: string;
  /** SQL never false when the clause holds; undefined = no restriction. */
  superset?: string;
}

function clauseSql(clause: FilterClause): ClauseSql {
  const col = BY_NAME.get(clause.key);
  if (!col) return {};
  const c = col.name;
  const orNull = (cond: string): string => `(${cond} OR ${c} IS NULL)`;
  switch (clause.op) {
    case '$eq': {
      if (clause.value === null) return {};
      if (!ofKind(col, clause.value)) return { superset: `${c} IS NULL` };
      const sql = `${c} = ${literal(col, clause.value)}`;
      return { exact: sql, superset: sql };
    }
    case '$in': {
      const typed = clause.values.filter((v) => ofKind(col, v));
      const list = typed.map((v) => literal(col, v)).join(', ');
      if (typed.length === clause.values.length && typed.length > 0) {
        const sql = `${c} IN (${list})`;
        return { exact: sql, superset: sql };
      }
      return { superset: typed.length > 0 ? orNull(`${c} IN (${list})`) : `${c} IS NULL` };
    }
    case '$ne':
      return clause.value !== null && ofKind(col, clause.value) ? { superset: orNull(`${c} <> ${literal(col, clause.value)}`) } : {};
    case '$nin': {
      const typed = clause.values.filter((v) => ofKind(col, v));
      return typed.length > 0 ? { superset: orNull(`${c} NOT IN (${typed.map((v) => literal(col, v)).join(', ')})`) } : {};
    }
    default: {
      if (!ofKind(col, clause.value)) return { superset: `${c} IS NULL` };
      const sql = `${c} ${COMPARATORS[clause.op]} ${literal(col, clause.value)}`;
      return { exact: sql, superset: sql };
    }
  }
}

/** How the LanceDB store answers one metadata filter. */
export interface FilterPlan {
  /** Every condition, for the JS check (the filter's meaning, see ../filter.ts). */
  clauses: FilterClause[];
  /** SQL selecting a superset of the matching rows; undefined = every row. */
  superset?: string;
  /** SQL selecting exactly the matching rows, when SQL alone can answer; undefined otherwise. */
  exact?: string;
  /** True when the filter has no conditions at all. */
  empty: boolean;
}

export function planFilter(filter: MetadataFilter | undefined): FilterPlan {
  const clauses = parseFilter(filter);
  const parts = clauses.map(clauseSql);
  const and = (xs: (string | undefined)[]): string | undefined => {
    const present = xs.filter((x): x is string => x !== undefined);
    return present.length === 0 ? undefined : present.map((x) => `(${x})`).join(' AND ');
  };
  const allExact = parts.every((p) => p.exact !== undefined);
  return {
    clauses,
    superset: and(parts.map((p) => p.superset)),
    exact: allExact ? and(parts.map((p) => p.exact)) : undefined,
    empty: clauses.length === 0,
  };
}
