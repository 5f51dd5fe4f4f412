/**
 * SQL for PGVectorStore: the table layout and the translation of metadata filters (../filter.ts semantics) into
 * WHERE clauses over the `metadata` JSONB column. Every value (and every metadata key) is a query parameter;
 * only checked identifiers (see config.ts) and fixed SQL text are written into statements.
 *
 * JSONB keeps JSON types, so strictness comes for free: `metadata -> 'page' = '4'::jsonb` never matches the
 * string "4". Scalar equality is written as containment (`metadata @> '{"k": v}'`), which is exactly equality
 * for a scalar `v` and can use the GIN index on `metadata`.
 */
import { parseFilter, type FilterClause } from '../filter.js';
import type { FilterValue, MetadataFilter } from '../types.js';
import { quoteIdent } from './config.js';

/** Collects query parameters and hands out their `$n` placeholders. */
export class Params {
  readonly values: unknown[] = [];

  constructor(initial: unknown[] = []) {
    this.values.push(...initial);
  }

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export interface TableNames {
  /** `"schema"."table"` */
  table: string;
  /** The same, unquoted-but-qualified text for `to_regclass`. */
  regclass: string;
  /** Plain table name (the key of `lf_store_meta`). */
  name: string;
  meta: string;
  schema: string;
  hnswIndex: string;
  textIndex: string;
  metadataIndex: string;
}

export function tableNames(schema: string, table: string, indexPrefix: string): TableNames {
  const q = (n: string) => `${quoteIdent(schema)}.${quoteIdent(n)}`;
  return {
    table: q(table),
    regclass: q(table),
    name: table,
    meta: q('lf_store_meta'),
    schema: quoteIdent(schema),
    hnswIndex: quoteIdent(`${indexPrefix}_hnsw`),
    textIndex: quoteIdent(`${indexPrefix}_tsv`),
    metadataIndex: quoteIdent(`${indexPrefix}_meta`),
  };
}

/** pgvector's HNSW index takes `vector` columns of at most this many dimensions; wider ones are searched exactly. */
export const HNSW_MAX_DIMENSION = 2000;

export interface TableLayout {
  dimension: number;
  textSearchConfig: string;
  hnswM: number;
  hnswEfConstruction: number;
}

/** Statements creating the chunk table and its indexes (run under the table's advisory lock). */
export function createTableSql(n: TableNames, layout: TableLayout): string[] {
  const { dimension, textSearchConfig, hnswM, hnswEfConstruction } = layout;
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > 16000) throw new Error(`bad vector dimension ${dimension}`);
  const statements = [
    `CREATE TABLE IF NOT EXISTS ${n.table} (
      id text PRIMARY KEY,
      text text NOT NULL,
      embedding vector(${dimension}) NOT NULL,
      metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
      tsv tsvector GENERATED ALWAYS AS (to_tsvector('${textSearchConfig}'::regconfig, text)) STORED
    )`,
    `CREATE INDEX IF NOT EXISTS ${n.textIndex} ON ${n.table} USING gin (tsv)`,
    `CREATE INDEX IF NOT EXISTS ${n.metadataIndex} ON ${n.table} USING gin (metadata jsonb_path_ops)`,
  ];
  if (dimension <= HNSW_MAX_DIMENSION) {
    statements.push(
      `CREATE INDEX IF NOT EXISTS ${n.hnswIndex} ON ${n.table} USING hnsw (embedding vector_cosine_ops) ` +
        `WITH (m = ${hnswM}, ef_construction = ${hnswEfConstruction})`,
    );
  }
  return statements;
}

export function createMetaTableSql(n: TableNames): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${n.schema}`,
    `CREATE TABLE IF NOT EXISTS ${n.meta} (
      table_name text PRIMARY KEY,
      embedder text,
      dimension integer,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,
  ];
}

/** pgvector's text form of a vector; a float32 printed by JS round-trips exactly. */
export function vectorLiteral(v: Float32Array): string {
  return `[${Array.prototype.join.call(v, ',')}]`;
}

/** Postgres text and JSONB refuse U+0000; it becomes U+FFFD (the replacement character). */
export function withoutNul(s: string): string {
  return s.includes('\u0000') ? s.replaceAll('\u0000', '\uFFFD') : s;
}

export function metadataJson(metadata: Record<string, unknown> | undefined): string {
  return JSON.stringify(metadata ?? {}, (_key, value: unknown) => (typeof value === 'string' ? withoutNul(value) : value));
}

const COMPARATORS = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' } as const;

function json(v: FilterValue): string {
  return JSON.stringify(v);
}

function clauseSql(c: FilterClause, p: Params, column: string): string {
  // Containment needs no key parameter (and an unused parameter has no type Postgres could infer).
  if (c.op === '$eq' && c.value !== null) return `${column} @> ${p.add(JSON.stringify({ [c.key]: c.value }))}::jsonb`;
  const key = p.add(c.key);
  const value = `(${column} -> ${key}::text)`;
  const missing = `(${value} IS NULL OR ${value} = 'null'::jsonb)`;
  const present = `(${value} IS NOT NULL AND ${value} <> 'null'::jsonb)`;
  switch (c.op) {
    case '$eq':
      return missing;
    case '$ne':
      return c.value === null ? present : `(${present} AND ${value} <> ${p.add(json(c.value))}::jsonb)`;
    case '$in': {
      const values = c.values.filter((v) => v !== null);
      const parts = values.length > 0 ? [`${value} = ANY(${p.add(values.map(json))}::jsonb[])`] : [];
      if (values.length < c.values.length) parts.push(missing);
      return parts.length === 0 ? 'false' : `(${parts.join(' OR ')})`;
    }
    case '$nin': {
      const values = c.values.filter((v) => v !== null);
      return values.length === 0 ? present : `(${present} AND NOT (${value} = ANY(${p.add(values.map(json))}::jsonb[])))`;
    }
    default: {
      const cmp = COMPARATORS[c.op];
      if (typeof c.value === 'number') return `(jsonb_typeof(${value}) = 'number' AND ${value} ${cmp} ${p.add(json(c.value))}::jsonb)`;
      // Strings compare by code point, like JS, whatever the database's collation.
      return `(jsonb_typeof(${value}) = 'string' AND (${column} ->> ${key}::text) COLLATE "C" ${cmp} ${p.add(c.value)}::text)`;
    }
  }
}

/**
 * A WHERE condition equivalent to the filter (or undefined for an empty filter), with its values added to `p`.
 * Throws StoreError('invalid_filter') for a malformed filter.
 */
export function filterSql(filter: MetadataFilter | undefined, p: Params, column = 'metadata'): string | undefined {
  return whereOf(parseFilter(filter), p, column);
}

export function whereOf(clauses: readonly FilterClause[], p: Params, column = 'metadata'): string | undefined {
  if (clauses.length === 0) return undefined;
  return clauses.map((c) => clauseSql(c, p, column)).join(' AND ');
}

/**
 * The words of a full-text query joined by `|` for `to_tsquery`: any word may match (like BM25), and query
 * syntax characters in the user's text are never interpreted. Undefined when the text has no words.
 */
export function orQuery(text: string, maxWords = 64): string | undefined {
  const words = [...new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])].slice(0, maxWords);
  return words.length > 0 ? words.join(' | ') : undefined;
}
