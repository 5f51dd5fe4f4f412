/**
 * A store that translates metadata filters into its own query language must answer exactly like the reference
 * semantics in src/adapters/stores/filter.ts. This writes rows with varied metadata (mixed types, missing keys,
 * nulls, arrays, odd key names) and compares `count(filter)` with `matchesFilter` over many generated filters.
 */
import assert from 'node:assert/strict';
import { matchesFilter } from '../../../src/adapters/stores/filter.js';
import type { FilterCondition, FilterValue, MetadataFilter, VectorStore } from '../../../src/adapters/stores/types.js';
import { unitVector } from '../../conformance/stores.js';
import { seededRandom } from '../../helpers/random.js';

const KEYS = ['page', 'lang', "o'dd \"key\"", 'flag', 'score'];
const VALUES: unknown[] = [1, 2, 3, 2.5, -1, 0, '1', '2', 'en', 'fr', 'EN', '', true, false, null, ['en'], { a: 1 }];
const FILTER_VALUES: FilterValue[] = [1, 2, 3, 2.5, -1, 0, '1', '2', 'en', 'fr', 'EN', '', true, false, null, 'b'];

export function agreementRows(n = 60, seed = 7): Record<string, unknown>[] {
  const rnd = seededRandom(seed);
  return Array.from({ length: n }, () => {
    const m: Record<string, unknown> = {};
    for (const k of KEYS) if (rnd() < 0.75) m[k] = VALUES[Math.floor(rnd() * VALUES.length)];
    return m;
  });
}

export function agreementFilters(n = 120, seed = 11): MetadataFilter[] {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const condition = (): FilterCondition => {
    const op = pick(['scalar', 'list', '$eq', '$ne', '$in', '$nin', '$gt', '$gte', '$lt', '$lte'] as const);
    const list = (): FilterValue[] => Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(FILTER_VALUES));
    if (op === 'scalar') return pick(FILTER_VALUES);
    if (op === 'list') return list();
    if (op === '$in' || op === '$nin') return { [op]: list() };
    if (op === '$eq' || op === '$ne') return { [op]: pick(FILTER_VALUES) };
    return { [op]: pick([0, 1, 2, 2.5, 3, 'en', 'a', '1', 'EN']) };
  };
  return Array.from({ length: n }, () => {
    const f: MetadataFilter = {};
    const keys = 1 + Math.floor(rnd() * 2);
    for (let i = 0; i < keys; i++) f[pick(KEYS)] = condition();
    return f;
  });
}

/** Writes the rows into an empty `store`, then checks count and vector search for every filter. */
export async function assertFiltersAgree(store: VectorStore): Promise<void> {
  const rows = agreementRows();
  await store.upsert(rows.map((metadata, i) => ({ id: `r${i}`, text: `agreement row ${i}`, vector: unitVector(500 + i), metadata })));
  for (const filter of agreementFilters()) {
    const expected = rows.flatMap((m, i) => (matchesFilter(m, filter) ? [`r${i}`] : []));
    const what = JSON.stringify(filter);
    assert.equal(await store.count(filter), expected.length, `count ${what}`);
    const hits = await store.search({ vector: unitVector(1), topK: 100, filter });
    assert.deepEqual(hits.map((h) => h.id).sort(), expected.sort(), `search ${what}`);
  }
}
