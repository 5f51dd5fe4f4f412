/**
 * Identical per-item errors folded into one line with a count: a dataset whose 17 files fail for one reason
 * (an unreachable embedder, say) reads as one line, not 17.
 */
export interface ItemError {
  /** What failed (a file name). */
  item: string;
  error: string;
}

export interface ErrorGroup {
  error: string;
  items: string[];
}

/** Groups by error text, in order of first appearance. */
export function groupErrors(failures: ItemError[]): ErrorGroup[] {
  const groups = new Map<string, string[]>();
  for (const f of failures) {
    const items = groups.get(f.error);
    if (items) items.push(f.item);
    else groups.set(f.error, [f.item]);
  }
  return [...groups].map(([error, items]) => ({ error, items }));
}

const NAMED = 3;

/** One group as a line: `a.txt: <error>` alone, `<error> (17 files: a.txt, b.txt, c.txt and 14 more)` when shared. */
export function describeErrorGroup(g: ErrorGroup, noun = 'files'): string {
  if (g.items.length === 1) return `${g.items[0]}: ${g.error}`;
  const named = g.items.slice(0, NAMED).join(', ');
  const more = g.items.length > NAMED ? ` and ${g.items.length - NAMED} more` : '';
  return `${g.error} (${g.items.length} ${noun}: ${named}${more})`;
}

/** Every group on one line, `; `-separated. */
export function summarizeErrors(failures: ItemError[], noun = 'files'): string {
  return groupErrors(failures)
    .map((g) => describeErrorGroup(g, noun))
    .join('; ');
}
