/**
 * Text → weighted sparse features for the HashingEmbedder: word unigrams and bigrams (stop words removed, lightly
 * stemmed) and fastText-style character n-grams of each word. Pure functions, no state, deterministic.
 */

/** A small English stop-word list: function words that carry no topic. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all also am an and any are aren as at be because been before being below ' +
    'between both but by can cannot could couldn did didn do does doesn doing don down during each either else ' +
    'etc ever few for from further had hadn has hasn have haven having he her here hers herself him himself his ' +
    'how however i if in into is isn it its itself just let ll may me might more most much must mustn my myself ' +
    'neither no nor not now of off on once only or other ought our ours ourselves out over own re s same shall ' +
    'shan she should shouldn so some such t than that the their theirs them themselves then there these they this ' +
    'those through thus to too under until up upon us ve very via was wasn we were weren what when where whether ' +
    'which while who whom whose why will with won would wouldn yet you your yours yourself yourselves'
  ).split(' '),
);

const WORD = /[\p{L}\p{N}]+/gu;
const VOWEL = /[aeiouy]/;

/** Lowercased words, accents folded (`Café` → `cafe`); single letters dropped, single digits kept. */
export function words(text: string): string[] {
  const folded = text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
  const out: string[] = [];
  for (const m of folded.matchAll(WORD)) {
    const w = m[0];
    if (w.length > 1 || (w >= '0' && w <= '9')) out.push(w);
  }
  return out;
}

/**
 * Light English stemming, conservative on purpose: plurals, -ed/-ing (with undoubling), then a final -e, so that
 * `studies/studied/study`, `running/runs/run`, `created/creates/creating/create` meet. Leaves numbers alone.
 */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('ies') || w.endsWith('ied')) w = w.length > 4 ? `${w.slice(0, -3)}y` : w;
  else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  for (const suffix of ['ingly', 'edly', 'ing', 'ed']) {
    if (!w.endsWith(suffix) || w.endsWith('eed')) continue;
    const rest = w.slice(0, -suffix.length);
    if (rest.length >= 3 && VOWEL.test(rest)) {
      w = /([^aeiouylsz])\1$/.test(rest) ? rest.slice(0, -1) : rest;
    }
    break;
  }
  if (w.length >= 4 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

export interface TextFeatures {
  /** Stemmed content words with their counts. */
  unigrams: Map<string, number>;
  /** Adjacent stemmed content words (`a b`), counted. */
  bigrams: Map<string, number>;
  /** Character n-grams (`<wo`, `wor`, …, `ord>`) of the content words, counted. */
  charNgrams: Map<string, number>;
}

export interface FeatureOptions {
  minN: number;
  maxN: number;
}

function add(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

export function textFeatures(text: string, o: FeatureOptions = { minN: 3, maxN: 5 }): TextFeatures {
  const f: TextFeatures = { unigrams: new Map(), bigrams: new Map(), charNgrams: new Map() };
  let previous: string | undefined;
  for (const word of words(text)) {
    if (STOP_WORDS.has(word)) {
      previous = undefined;
      continue;
    }
    const s = stem(word);
    add(f.unigrams, s);
    if (previous !== undefined) add(f.bigrams, `${previous} ${s}`);
    previous = s;
    const padded = `<${word}>`;
    for (let n = o.minN; n <= o.maxN; n++) {
      for (let i = 0; i + n <= padded.length; i++) add(f.charNgrams, padded.slice(i, i + n));
    }
  }
  return f;
}
