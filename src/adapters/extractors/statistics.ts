import type { Chunk } from '../chunkers/types.js';
import { configBool } from '../parsers/config.js';
import { paragraphs, sentences, words } from './text-utils.js';
import type { Extractor } from './types.js';

/** Syllables of an English word, approximated by vowel groups (silent final `e` dropped). */
export function syllables(word: string): number {
  const w = word.toLowerCase().replace(/[^a-z]/g, '');
  if (!w) return 0;
  if (w.length <= 3) return 1;
  const groups = w.replace(/(?:[^laeiouy]es|ed|[^laeiouy]e)$/, '').replace(/^y/, '').match(/[aeiouy]{1,2}/g);
  return Math.max(1, groups?.length ?? 1);
}

function readingLevel(flesch: number): string {
  if (flesch >= 90) return 'Very Easy';
  if (flesch >= 80) return 'Easy';
  if (flesch >= 70) return 'Fairly Easy';
  if (flesch >= 60) return 'Standard';
  if (flesch >= 50) return 'Fairly Difficult';
  if (flesch >= 30) return 'Difficult';
  return 'Very Difficult';
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Counts, readability and vocabulary figures of one text (the keys ContentStatisticsExtractor writes). */
export function contentStatistics(text: string, config: Record<string, unknown> = {}): Record<string, unknown> {
  const ws = words(text);
  const sentenceCount = sentences(text).length;
  const stats: Record<string, unknown> = {
    word_count: ws.length,
    character_count: text.length,
    sentence_count: sentenceCount,
    paragraph_count: paragraphs(text).length,
    line_count: text.split('\n').filter((l) => l.trim()).length,
    avg_words_per_sentence: round(ws.length / Math.max(1, sentenceCount)),
    reading_time_minutes: round(ws.length / 200),
  };
  if (configBool(config, 'include_readability', true) && ws.length && sentenceCount) {
    const syl = ws.reduce((n, w) => n + syllables(w), 0);
    const asl = ws.length / sentenceCount;
    const asw = syl / ws.length;
    const flesch = Math.max(0, Math.min(100, 206.835 - 1.015 * asl - 84.6 * asw));
    Object.assign(stats, {
      flesch_reading_ease: round(flesch),
      flesch_kincaid_grade: round(Math.max(0, 0.39 * asl + 11.8 * asw - 15.59)),
      reading_level: readingLevel(flesch),
    });
  }
  if (configBool(config, 'include_vocabulary', true) && ws.length) {
    const lower = ws.map((w) => w.toLowerCase());
    const distinct = new Set(lower).size;
    Object.assign(stats, {
      unique_words: distinct,
      type_token_ratio: round(distinct / ws.length, 3),
      avg_word_length: round(lower.reduce((n, w) => n + w.length, 0) / ws.length),
    });
  }
  if (configBool(config, 'include_structure', true)) {
    Object.assign(stats, {
      list_item_count: (text.match(/^\s*(?:[-*•]|\d+[.)])\s+/gm) ?? []).length,
      code_block_count: Math.floor((text.match(/^\s*```/gm) ?? []).length / 2),
      heading_count: (text.match(/^#{1,6}\s+\S/gm) ?? []).length,
    });
  }
  return stats;
}

/**
 * Per chunk: word/character/sentence/paragraph/line counts, reading time; Flesch readability
 * (`include_readability`), vocabulary richness (`include_vocabulary`), list/code/heading counts
 * (`include_structure`); all default true.
 */
export class ContentStatisticsExtractor implements Extractor {
  readonly type = 'ContentStatisticsExtractor';

  extract(chunks: Chunk[], config: Record<string, unknown>): void {
    for (const chunk of chunks) Object.assign(chunk.metadata, contentStatistics(chunk.text, config));
  }
}
