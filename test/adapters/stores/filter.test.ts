/** The shared filter semantics (filter.ts) and how LanceDB compiles them to SQL (lancedb/columns.ts). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { matchesFilter, parseFilter } from '../../../src/adapters/stores/filter.js';
import { planFilter, promotedValue, PROMOTED_COLUMNS } from '../../../src/adapters/stores/lancedb/columns.js';
import { StoreError } from '../../../src/adapters/stores/types.js';

describe('matchesFilter', () => {
  const m = { source: 'a.pdf', page: 3, flag: true, tags: ['x'], empty: null, label: 'B' };
  const cases: [object, boolean][] = [
    [{}, true],
    [{ source: 'a.pdf' }, true],
    [{ source: 'b.pdf' }, false],
    [{ page: '3' }, false],
    [{ flag: true, page: 3 }, true],
    [{ flag: true, page: 4 }, false],
    [{ page: [1, 3] }, true],
    [{ page: [1, 2] }, false],
    [{ tags: 'x' }, false],
    [{ missing: null }, true],
    [{ empty: null }, true],
    [{ page: null }, false],
    [{ page: { $eq: 3 } }, true],
    [{ page: { $ne: 3 } }, false],
    [{ missing: { $ne: 3 } }, false],
    [{ empty: { $ne: 3 } }, false],
    [{ page: { $in: [3, 'x'] } }, true],
    [{ page: { $nin: [1, 2] } }, true],
    [{ missing: { $nin: [1] } }, false],
    [{ missing: { $in: [null, 1] } }, true],
    [{ page: { $gt: 2, $lt: 4 } }, true],
    [{ page: { $gte: 3, $lte: 3 } }, true],
    [{ page: { $gt: 3 } }, false],
    [{ page: { $gt: '2' } }, false],
    [{ label: { $gte: 'A', $lt: 'C' } }, true],
    [{ label: { $gt: 1 } }, false],
  ];
  for (const [filter, want] of cases) {
    test(`${JSON.stringify(filter)} → ${want}`, () => assert.equal(matchesFilter(m, filter as never), want));
  }

  test('malformed filters are refused with invalid_filter', () => {
    for (const bad of [{ a: { $regex: 'x' } }, { a: { $gt: true } }, { a: { $in: 'x' } }, { a: [{ b: 1 }] }, { a: { $eq: [1] } }, [1]]) {
      assert.throws(() => parseFilter(bad as never), (e: unknown) => e instanceof StoreError && e.code === 'invalid_filter');
    }
    assert.deepEqual(parseFilter(undefined), []);
    assert.deepEqual(parseFilter({ a: undefined } as never), []);
  });
});

describe('LanceDB filter plan', () => {
  test('promoted values keep only values of the column type', () => {
    const col = (name: string) => PROMOTED_COLUMNS.find((c) => c.name === name)!;
    assert.equal(promotedValue(col('page'), { page: 2 }), 2);
    assert.equal(promotedValue(col('page'), { page: '2' }), null);
    assert.equal(promotedValue(col('source'), { source: 'x' }), 'x');
    assert.equal(promotedValue(col('source'), { source: ['x'] }), null);
    assert.equal(promotedValue(col('dataset'), {}), null);
  });

  test('conditions on promoted keys become exact SQL; strings are quoted safely', () => {
    const p = planFilter({ file_hash: "ab'c", page: { $gte: 2, $lt: 1.5e-7 }, dataset: ['x', 'y'] });
    assert.equal(p.exact, "(file_hash = 'ab''c') AND (page >= 2) AND (page < 1.5e-7) AND (dataset IN ('x', 'y'))");
    assert.equal(p.superset, p.exact);
    assert.equal(p.empty, false);
  });

  test('other keys, nulls, $ne/$nin and type mismatches leave SQL as a superset only', () => {
    assert.deepEqual(planFilter({ lang: 'en' }), { clauses: parseFilter({ lang: 'en' }), superset: undefined, exact: undefined, empty: false });
    assert.equal(planFilter({ source: 'a', lang: 'en' }).superset, "(source = 'a')");
    assert.equal(planFilter({ source: 'a', lang: 'en' }).exact, undefined);
    assert.equal(planFilter({ page: '4' }).superset, '(page IS NULL)');
    assert.equal(planFilter({ page: { $ne: 4 } }).superset, '((page <> 4 OR page IS NULL))');
    assert.equal(planFilter({ source: { $nin: ['a', 3] } }).superset, "((source NOT IN ('a') OR source IS NULL))");
    assert.equal(planFilter({ source: { $in: ['a', 3] } }).superset, "((source IN ('a') OR source IS NULL))");
    assert.equal(planFilter({ source: null }).superset, undefined);
    assert.equal(planFilter({}).empty, true);
  });
});
