import type { Chunk } from '../chunkers/types.js';
import { configNumber, configString, configStringList } from '../parsers/config.js';
import { isStopword, sentences, unique } from './text-utils.js';
import type { Extractor } from './types.js';

export type KeywordAlgorithm = 'yake' | 'rake' | 'tfidf';
const ALGORITHMS: KeywordAlgorithm[] = ['yake', 'rake', 'tfidf'];

interface KeywordOptions {
  max: number;
  minLength: number;
  maxNgram: number;
}

/** Sentence segments without punctuation (keyphrases never cross commas, brackets, colons...). */
function segments(text: string): string[][] {
  const out: string[][] = [];
  for (const sentence of sentences(text)) {
    for (const part of sentence.split(/[,;:()[\]{}"“”!?.|•–—]+|\s-\s/)) {
      const tokens = part.match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu);
      if (tokens?.length) out.push(tokens);
    }
  }
  return out;
}

function isCandidateWord(w: string, minLength: number): boolean {
  return w.length >= minLength && !isStopword(w) && /^\p{L}/u.test(w);
}

/** Drops phrases contained in (or containing) an already chosen phrase. */
function pickDistinct(ranked: string[], max: number): string[] {
  const chosen: string[] = [];
  for (const p of ranked) {
    if (chosen.length >= max) break;
    if (chosen.some((c) => c.includes(p) || p.includes(c))) continue;
    chosen.push(p);
  }
  return chosen;
}

/** RAKE: phrases between stopwords; word score = degree / frequency; phrase score = sum of its word scores. */
export function rakeKeywords(text: string, o: KeywordOptions): string[] {
  const phrases: string[][] = [];
  for (const seg of segments(text)) {
    let cur: string[] = [];
    for (const w of seg) {
      if (isStopword(w) || /^\d+$/.test(w)) {
        if (cur.length) phrases.push(cur);
        cur = [];
      } else {
        cur.push(w.toLowerCase());
      }
    }
    if (cur.length) phrases.push(cur);
  }
  const kept = phrases.filter((p) => p.length <= o.maxNgram && p.join(' ').length >= o.minLength);
  const freq = new Map<string, number>();
  const degree = new Map<string, number>();
  for (const p of kept) {
    for (const w of p) {
      freq.set(w, (freq.get(w) ?? 0) + 1);
      degree.set(w, (degree.get(w) ?? 0) + p.length);
    }
  }
  const scores = new Map<string, number>();
  for (const p of kept) {
    const phrase = p.join(' ');
    scores.set(phrase, p.reduce((s, w) => s + degree.get(w)! / freq.get(w)!, 0));
  }
  return pickDistinct([...scores.entries()].sort((a, b) => b[1] - a[1]).map(([p]) => p), o.max);
}

/**
 * YAKE-style statistics (Campos et al.), without its language model: single words are scored by casing,
 * position, frequency, context spread and sentence spread; n-gram candidates combine their words' scores.
 * Lower scores are better.
 */
export function yakeKeywords(text: string, o: KeywordOptions): string[] {
  const segs = segments(text);
  if (segs.length === 0) return [];
  const sentenceOf: number[] = [];
  let sentenceIndex = 0;
  for (const sentence of sentences(text)) {
    const n = sentence.split(/[,;:()[\]{}"“”!?.|•–—]+|\s-\s/).filter((p) => /[\p{L}\p{N}]/u.test(p)).length;
    for (let i = 0; i < n; i++) sentenceOf.push(sentenceIndex);
    sentenceIndex++;
  }
  interface Stats { tf: number; upper: number; sentences: number[]; left: Set<string>; right: Set<string> }
  const stats = new Map<string, Stats>();
  segs.forEach((seg, si) => {
    seg.forEach((w, i) => {
      const key = w.toLowerCase();
      const s = stats.get(key) ?? { tf: 0, upper: 0, sentences: [], left: new Set<string>(), right: new Set<string>() };
      s.tf++;
      if (i > 0 && /^\p{Lu}/u.test(w)) s.upper++;
      s.sentences.push(sentenceOf[si] ?? si);
      if (i > 0) s.left.add(seg[i - 1].toLowerCase());
      if (i + 1 < seg.length) s.right.add(seg[i + 1].toLowerCase());
      stats.set(key, s);
    });
  });
  const content = [...stats.entries()].filter(([w]) => !isStopword(w));
  const tfs = content.map(([, s]) => s.tf);
  const mean = tfs.reduce((a, b) => a + b, 0) / Math.max(1, tfs.length);
  const std = Math.sqrt(tfs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, tfs.length));
  const maxTf = Math.max(1, ...tfs);
  const totalSentences = Math.max(1, sentenceIndex);
  const wordScore = new Map<string, number>();
  for (const [w, s] of stats) {
    const sorted = [...s.sentences].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    const position = Math.log(Math.log(3 + median));
    const casing = s.upper / (1 + Math.log(s.tf));
    const frequency = s.tf / (mean + std || 1);
    const relatedness = 1 + ((s.left.size + s.right.size) / (2 * s.tf)) * (s.tf / maxTf);
    const spread = new Set(s.sentences).size / totalSentences;
    wordScore.set(w, (relatedness * position) / (casing + frequency / relatedness + spread / relatedness));
  }
  const candidates = new Map<string, { words: string[]; tf: number }>();
  for (const seg of segs) {
    const lower = seg.map((w) => w.toLowerCase());
    for (let i = 0; i < lower.length; i++) {
      for (let n = 1; n <= o.maxNgram && i + n <= lower.length; n++) {
        const ws = lower.slice(i, i + n);
        if (!isCandidateWord(ws[0], 1) || !isCandidateWord(ws[n - 1], 1)) continue;
        const phrase = ws.join(' ');
        if (phrase.length < o.minLength) continue;
        const c = candidates.get(phrase) ?? { words: ws, tf: 0 };
        c.tf++;
        candidates.set(phrase, c);
      }
    }
  }
  const scored = [...candidates.entries()].map(([phrase, c]) => {
    const ss = c.words.map((w) => wordScore.get(w) ?? 1);
    const product = ss.reduce((a, b) => a * b, 1);
    const sum = ss.reduce((a, b) => a + b, 0);
    return { phrase, score: product / (c.tf * (1 + sum)) };
  });
  return pickDistinct(scored.sort((a, b) => a.score - b.score).map((s) => s.phrase), o.max);
}

/** TF-IDF over the chunks of one file (each chunk is a document): terms are unigrams and bigrams. */
export function tfidfKeywords(texts: string[], o: KeywordOptions): string[][] {
  const termLists = texts.map((text) => {
    const terms: string[] = [];
    for (const seg of segments(text)) {
      const lower = seg.map((w) => w.toLowerCase());
      lower.forEach((w, i) => {
        if (isCandidateWord(w, o.minLength)) terms.push(w);
        if (o.maxNgram >= 2 && i + 1 < lower.length && isCandidateWord(w, 2) && isCandidateWord(lower[i + 1], 2)) terms.push(`${w} ${lower[i + 1]}`);
      });
    }
    return terms;
  });
  const df = new Map<string, number>();
  for (const terms of termLists) for (const t of new Set(terms)) df.set(t, (df.get(t) ?? 0) + 1);
  const n = texts.length;
  return termLists.map((terms) => {
    const tf = new Map<string, number>();
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
    const scored = [...tf.entries()].map(([t, f]) => [t, f * (Math.log((1 + n) / (1 + df.get(t)!)) + 1)] as const);
    return pickDistinct(scored.sort((a, b) => b[1] - a[1]).map(([t]) => t), o.max);
  });
}

/** Interleaves ranked lists (first of each, then second of each, ...) without repeats. */
function interleave(lists: string[][], max: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < max && lists.some((l) => i < l.length); i++) {
    for (const l of lists) if (i < l.length && out.length < max) out.push(l[i]);
  }
  return unique(out).slice(0, max);
}

/**
 * `keywords` per chunk. Config: `algorithm` (`yake` default, `rake`, `tfidf`) or `methods` (several, results
 * interleaved), `max_keywords` (10), `min_keyword_length` (3 characters), `max_ngram_size` (3 words).
 */
export class KeywordExtractor implements Extractor {
  readonly type: string = 'KeywordExtractor';

  constructor(private readonly forced?: KeywordAlgorithm) {}

  extract(chunks: Chunk[], config: Record<string, unknown>): void {
    const methods = this.forced ? [this.forced]
      : (configStringList(config, 'methods') ?? [configString(config, 'algorithm') ?? 'yake'])
        .map((m) => m.toLowerCase())
        .filter((m): m is KeywordAlgorithm => (ALGORITHMS as string[]).includes(m));
    if (methods.length === 0) throw new Error(`unknown keyword algorithm; use one of ${ALGORITHMS.join(', ')}`);
    const o: KeywordOptions = {
      max: configNumber(config, 'max_keywords', configNumber(config, 'max_combined_keywords', 10)),
      minLength: configNumber(config, 'min_keyword_length', 3),
      maxNgram: configNumber(config, 'max_ngram_size', 3),
    };
    const tfidf = methods.includes('tfidf') ? tfidfKeywords(chunks.map((c) => c.text), o) : undefined;
    chunks.forEach((chunk, i) => {
      const lists = methods.map((m) => (m === 'tfidf' ? tfidf![i] : m === 'rake' ? rakeKeywords(chunk.text, o) : yakeKeywords(chunk.text, o)));
      chunk.metadata.keywords = interleave(lists, o.max);
      chunk.metadata.keyword_algorithm = methods.join('+');
    });
  }
}
