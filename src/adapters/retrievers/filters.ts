/** Combining metadata filters (AND) and the hit-level helpers strategies share. */
import { matchesFilter } from '../stores/filter.js';
import type { FilterCondition, Hit, MetadataFilter } from '../stores/types.js';

function isOperatorObject(c: FilterCondition): c is Exclude<FilterCondition, string | number | boolean | null | unknown[]> {
  return c !== null && typeof c === 'object' && !Array.isArray(c);
}

/**
 * The AND of two filters as one store filter, plus the conditions that could not be merged into it (the same
 * key constrained twice in ways one condition cannot express) as a filter to check on the hits afterwards.
 */
export function andFilters(a: MetadataFilter | undefined, b: MetadataFilter | undefined): { store?: MetadataFilter; post?: MetadataFilter } {
  if (!a || Object.keys(a).length === 0) return b && Object.keys(b).length ? { store: b } : {};
  if (!b || Object.keys(b).length === 0) return { store: a };
  const store: MetadataFilter = { ...a };
  const post: MetadataFilter = {};
  for (const [key, cond] of Object.entries(b)) {
    if (!Object.hasOwn(store, key)) {
      store[key] = cond;
      continue;
    }
    const mine = store[key];
    if (isOperatorObject(mine) && isOperatorObject(cond) && Object.keys(cond).every((op) => !Object.hasOwn(mine, op))) {
      store[key] = { ...mine, ...cond };
    } else {
      post[key] = cond;
    }
  }
  return Object.keys(post).length ? { store, post } : { store };
}

export function keepMatching(hits: Hit[], filter: MetadataFilter | undefined): Hit[] {
  if (!filter || Object.keys(filter).length === 0) return hits;
  return hits.filter((h) => matchesFilter(h.metadata, filter));
}

/** Drops `_`-prefixed (internal) metadata keys (`include_metadata: false`). */
export function withoutInternalMetadata(hit: Hit): Hit {
  return { ...hit, metadata: Object.fromEntries(Object.entries(hit.metadata).filter(([k]) => !k.startsWith('_'))) };
}
