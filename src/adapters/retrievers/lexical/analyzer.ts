/**
 * Text → index terms for the lexical engine: content words (text-features `words()`, STOP_WORDS removed) Porter-
 * stemmed, and character 3-grams of each content word padded as `<word>` (they match misspellings and word
 * variants the stemmer misses). Pure functions; stems are memoised (a corpus repeats its words).
 */
import { stemmer } from 'stemmer';
import { STOP_WORDS, words } from '../../embedders/text-features.js';

const STEMS = new Map<string, string>();
const STEM_CACHE_LIMIT = 200_000;

function porter(word: string): string {
  let s = STEMS.get(word);
  if (s === undefined) {
    s = /\d/.test(word) ? word : stemmer(word);
    if (STEMS.size >= STEM_CACHE_LIMIT) STEMS.clear();
    STEMS.set(word, s);
  }
  return s;
}

/** Lowercased, accent-folded words without stop words. */
export function contentWords(text: string): string[] {
  return words(text).filter((w) => !STOP_WORDS.has(w));
}

/** Porter stems of the content words, in order (repeats kept). */
export function wordTerms(text: string): string[] {
  return contentWords(text).map(porter);
}

/** Character 3-grams of each content word padded as `<word>` (`<ca`, `cat`, `at>` for `cat`), repeats kept. */
export function charTrigrams(text: string): string[] {
  const out: string[] = [];
  for (const w of contentWords(text)) {
    const padded = `<${w}>`;
    for (let i = 0; i + 3 <= padded.length; i++) out.push(padded.slice(i, i + 3));
  }
  return out;
}

/** Term → count. */
export function termCounts(terms: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of terms) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}
