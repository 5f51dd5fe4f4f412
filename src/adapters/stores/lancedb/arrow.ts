/**
 * Arrow data for the LanceDB chunk table.
 *
 * LanceDB is a CommonJS package and checks `instanceof` against the CommonJS build of apache-arrow, while an ESM
 * `import 'apache-arrow'` loads the separate ESM build (two copies of every class), so tables built from the ESM
 * copy are refused ("schemas must be equivalent"). We therefore load the very copy LanceDB uses.
 */
import { createRequire } from 'node:module';
import type * as ArrowModule from 'apache-arrow';
import { PROMOTED_COLUMNS, promotedValue } from './columns.js';
import type { StoredChunk } from '../types.js';

const arrow = createRequire(import.meta.url)('apache-arrow') as typeof ArrowModule;

export type ArrowSchema = ArrowModule.Schema;
export type ArrowTable = ArrowModule.Table;

/** Schema of the chunk table for vectors of `dimension`. */
export function chunkSchema(dimension: number): ArrowSchema {
  const { Field, Schema, Utf8, Float32, Float64, FixedSizeList } = arrow;
  return new Schema([
    new Field('id', new Utf8(), false),
    new Field('text', new Utf8(), false),
    new Field('vector', new FixedSizeList(dimension, new Field('item', new Float32(), true)), false),
    new Field('metadata', new Utf8(), false),
    ...PROMOTED_COLUMNS.map((c) => new Field(c.name, c.kind === 'string' ? new Utf8() : new Float64(), true)),
  ]);
}

/** The vector column's dimension, read from a table schema. */
export function schemaDimension(schema: ArrowSchema): number {
  const field = schema.fields.find((f) => f.name === 'vector');
  const type = field?.type as ArrowModule.FixedSizeList | undefined;
  return type?.listSize ?? 0;
}

function metadataJson(c: StoredChunk): string {
  try {
    return JSON.stringify(c.metadata ?? {});
  } catch (err) {
    throw new Error(`chunk ${c.id}: metadata is not JSON-serialisable (${(err as Error).message})`);
  }
}

/** Builds one Arrow table from validated chunks (all vectors of `dimension`). */
export function chunksToArrow(chunks: readonly StoredChunk[], dimension: number): ArrowTable {
  const { Float32, Float64, Utf8, RecordBatch, Struct, Table, makeData, vectorFromArray } = arrow;
  const schema = chunkSchema(dimension);
  const n = chunks.length;
  const flat = new Float32Array(n * dimension);
  chunks.forEach((c, i) => flat.set(c.vector, i * dimension));
  const vectorType = schema.fields[2].type as ArrowModule.FixedSizeList;
  const vectors = makeData({
    type: vectorType,
    length: n,
    nullCount: 0,
    child: makeData({ type: new Float32(), length: n * dimension, data: flat }),
  });
  const utf8 = (values: (string | null)[]) => vectorFromArray(values, new Utf8()).data[0];
  const promoted = PROMOTED_COLUMNS.map((col) => {
    const values = chunks.map((c) => promotedValue(col, c.metadata ?? {}));
    return col.kind === 'string'
      ? utf8(values as (string | null)[])
      : vectorFromArray(values as (number | null)[], new Float64()).data[0];
  });
  const children = [
    utf8(chunks.map((c) => c.id)),
    utf8(chunks.map((c) => c.text)),
    vectors,
    utf8(chunks.map(metadataJson)),
    ...promoted,
  ];
  const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }));
  return new Table(schema, batch);
}
