import type { Chunk } from '../chunkers/types.js';
import { configBool, configNumber, configString } from '../parsers/config.js';
import { isStopword, sentences, words } from './text-utils.js';
import type { Extractor } from './types.js';

export interface SummaryOptions {
  sentences?: number;
  minSentenceLength?: number;
  maxSentenceLength?: number;
  /** `frequency` (content-word frequency), `position` (earlier first) or `combined` (default). */
  scoring?: string;
}

/** The highest-scoring sentences of a text, in their original order (extractive; no model). */
export function summarize(text: string, o: SummaryOptions = {}): string {
  const n = o.sentences ?? 3;
  const all = sentences(text).map((s) => s.replace(/\s+/g, ' ').trim());
  const candidates = all
    .map((s, index) => ({ s, index }))
    .filter(({ s }) => s.length >= (o.minSentenceLength ?? 10) && s.length <= (o.maxSentenceLength ?? 500));
  if (candidates.length <= n) return candidates.map((c) => c.s).join(' ');
  const freq = new Map<string, number>();
  for (const w of words(text)) {
    const k = w.toLowerCase();
    if (!isStopword(k) && k.length > 2) freq.set(k, (freq.get(k) ?? 0) + 1);
  }
  const maxFreq = Math.max(1, ...freq.values());
  const scoring = o.scoring ?? 'combined';
  const scored = candidates.map(({ s, index }) => {
    const content = words(s).map((w) => w.toLowerCase()).filter((w) => freq.has(w));
    const frequency = content.reduce((sum, w) => sum + freq.get(w)! / maxFreq, 0) / Math.max(1, Math.sqrt(words(s).length));
    const position = 1 - index / all.length;
    const score = scoring === 'frequency' ? frequency : scoring === 'position' ? position : frequency + 0.5 * position;
    return { s, index, score };
  });
  return scored
    .sort((a, b) => b.score - a.score)
    .slice(0, n)
    .sort((a, b) => a.index - b.index)
    .map((x) => x.s)
    .join(' ');
}

/** The most frequent content words and two-word phrases. */
export function keyPhrases(text: string, max = 5): string[] {
  const counts = new Map<string, number>();
  const ws = words(text).map((w) => w.toLowerCase());
  ws.forEach((w, i) => {
    if (isStopword(w) || w.length < 3 || !/^\p{L}/u.test(w)) return;
    counts.set(w, (counts.get(w) ?? 0) + 1);
    const next = ws[i + 1];
    if (next && !isStopword(next) && next.length >= 3) counts.set(`${w} ${next}`, (counts.get(`${w} ${next}`) ?? 0) + 1.5);
  });
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, max).map(([p]) => p);
}

/**
 * `summary` per chunk: `summary_sentences` (3) sentences chosen by `scoring_method` (`combined`, `frequency`,
 * `position`) between `min_sentence_length` (10) and `max_sentence_length` (500) characters; with
 * `include_key_phrases` (default true) also `key_phrases`.
 */
export class SummaryExtractor implements Extractor {
  readonly type = 'SummaryExtractor';

  extract(chunks: Chunk[], config: Record<string, unknown>): void {
    const o: SummaryOptions = {
      sentences: configNumber(config, 'summary_sentences', 3),
      minSentenceLength: configNumber(config, 'min_sentence_length', 10),
      maxSentenceLength: configNumber(config, 'max_sentence_length', 500),
      scoring: configString(config, 'scoring_method'),
    };
    const phrases = configBool(config, 'include_key_phrases', true);
    for (const chunk of chunks) {
      chunk.metadata.summary = summarize(chunk.text, o);
      if (phrases) chunk.metadata.key_phrases = keyPhrases(chunk.text);
    }
  }
}
