/**
 * Pseudo-relevance feedback for full-text search (RM3-style term selection): the best full-text hits are taken
 * as relevant, and the words carrying most of their probability mass (each hit's word distribution, weighted
 * by 1 / (rank + 1)²) that the query does not already have become a second keyword query, which the hybrid
 * strategy fuses with the first. It finds documents that say the same thing in the words of the top hits.
 */
import type { Hit } from '../stores/types.js';
import { STOP_WORDS, stem, words } from '../embedders/text-features.js';
import { num, obj } from './config.js';
import type { StrategyConfig } from './types.js';

export interface FeedbackOptions {
  /** How many of the best full-text hits to learn from. */
  docs: number;
  /** How many expansion words to search for. */
  terms: number;
  /** Share of the full-text side given to the expansion query (0–1). */
  weight: number;
}

/** Reads `config[key]` as `{docs, terms, weight}` (defaults 10, 20, 0.3); undefined when the key is absent. */
export function readFeedback(type: string, config: StrategyConfig, key: string): FeedbackOptions | undefined {
  const raw = obj(type, config, key);
  if (!raw) return undefined;
  const at = (k: string) => `${key}.${k}`;
  const flat = { [at('docs')]: raw.docs, [at('terms')]: raw.terms, [at('weight')]: raw.weight };
  return {
    docs: num(type, flat, at('docs'), 10, { min: 1, integer: true }),
    terms: num(type, flat, at('terms'), 20, { min: 1, integer: true }),
    weight: num(type, flat, at('weight'), 0.3, { min: 0, max: 1 }),
  };
}

/** Content words worth searching for: no stop words, no one- or two-letter words, no bare numbers. */
function contentWords(text: string): string[] {
  return words(text).filter((w) => w.length > 2 && !STOP_WORDS.has(w) && !/^\d+$/.test(w));
}

/**
 * The expansion words for `query` learned from `hits` (best first), most weighty first: for each stem, the
 * form the hits use most (the store stems it again its own way).
 */
export function feedbackTerms(query: string, hits: readonly Hit[], o: Pick<FeedbackOptions, 'docs' | 'terms'>): string[] {
  const inQuery = new Set(words(query).map(stem));
  const mass = new Map<string, number>();
  const forms = new Map<string, Map<string, number>>();
  hits.slice(0, o.docs).forEach((hit, rank) => {
    const ws = contentWords(hit.text);
    if (ws.length === 0) return;
    const share = 1 / (rank + 1) ** 2 / ws.length;
    for (const w of ws) {
      const s = stem(w);
      if (inQuery.has(s)) continue;
      mass.set(s, (mass.get(s) ?? 0) + share);
      let f = forms.get(s);
      if (!f) forms.set(s, (f = new Map()));
      f.set(w, (f.get(w) ?? 0) + 1);
    }
  });
  const mostUsed = (f: Map<string, number>) => [...f].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  return [...mass]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, o.terms)
    .map(([s]) => mostUsed(forms.get(s)!));
}
