import type { Chunk } from '../chunkers/types.js';
import { configBool, configNumber, configStringList } from '../parsers/config.js';
import { findDates, findTimes } from './datetime.js';
import { findEmails, findUrls, isStopword, unique } from './text-utils.js';
import type { Extractor } from './types.js';

const ORG_SUFFIXES = new Set(['inc', 'inc.', 'corp', 'corp.', 'corporation', 'llc', 'ltd', 'ltd.', 'plc', 'gmbh', 'ag', 'co', 'co.',
  'company', 'university', 'institute', 'foundation', 'association', 'agency', 'bank', 'group', 'labs', 'laboratory',
  'laboratories', 'college', 'school', 'department', 'ministry', 'council', 'committee', 'society', 'systems',
  'technologies', 'partners', 'hospital', 'center', 'centre', 'organization', 'organisation', 'commission', 'office']);
const HONORIFICS = /^(?:Mr|Mrs|Ms|Miss|Dr|Prof|Sir|Dame|Lord|Lady|Rev|Capt|Gen|Sen|Rep|Gov|President|CEO)\.?$/;
const PLACES = new Set(['africa', 'america', 'asia', 'australia', 'austria', 'belgium', 'berlin', 'beijing', 'boston', 'brazil',
  'california', 'canada', 'chicago', 'china', 'denmark', 'egypt', 'england', 'europe', 'finland', 'france', 'germany',
  'greece', 'india', 'indonesia', 'ireland', 'israel', 'italy', 'japan', 'kenya', 'korea', 'london', 'los angeles',
  'madrid', 'mexico', 'moscow', 'netherlands', 'new york', 'new zealand', 'nigeria', 'norway', 'paris', 'peru', 'poland',
  'portugal', 'rome', 'russia', 'san francisco', 'scotland', 'seattle', 'singapore', 'spain', 'sweden', 'switzerland',
  'sydney', 'texas', 'tokyo', 'toronto', 'turkey', 'ukraine', 'united kingdom', 'united states', 'usa', 'uk', 'vietnam',
  'washington', 'wales', 'florida', 'ohio', 'oregon', 'virginia', 'georgia', 'arizona', 'colorado', 'new jersey']);

const MONEY = /(?:[$€£¥]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:million|billion|trillion|thousand|[kKmMbB]n?))?|\b\d[\d,]*(?:\.\d+)?\s?(?:million|billion|trillion)?\s?(?:USD|EUR|GBP|JPY|CHF|dollars|euros|pounds)\b)/g;
const PERCENT = /\b\d+(?:\.\d+)?\s?(?:%|percent\b|per cent\b)/g;
const PHONE = /(?:\+\d{1,3}[\s.-]?)?\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b/g;
const NUMBER = /(?<![\w.,])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w,])|(?<![\w.,])-?\d+\.\d+(?![\w.])|(?<![\w.,:/-])\d{2,}(?![\w.,:/%-])/g;
/** Runs of capitalised words on one line (allowing `of`, `the`, `&` inside), e.g. `Bank of England`, `Sarah Chen`. */
const CAPITALISED = /\b[A-Z][\p{L}'’-]*(?:[ \t]+(?:(?:of|the|for|de|van|von|&)[ \t]+)?[A-Z][\p{L}'’-]*)*/gu;
const CALENDAR_WORD = /^(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)$/;

export type EntityMap = Record<string, string[]>;

function classifyName(name: string, precededByHonorific: boolean): string {
  const parts = name.split(/\s+/);
  const last = parts[parts.length - 1].toLowerCase();
  if (ORG_SUFFIXES.has(last) || (parts.length > 1 && parts.some((p) => ORG_SUFFIXES.has(p.toLowerCase())))) return 'ORG';
  if (PLACES.has(name.toLowerCase())) return 'GPE';
  if (precededByHonorific || HONORIFICS.test(parts[0])) return 'PERSON';
  if (parts.length === 1 && /^[A-Z]{2,6}$/.test(name)) return 'ORG';
  if (parts.length >= 2 && parts.length <= 3 && parts.every((p) => /^[A-Z][a-z'’-]+$/.test(p))) return 'PERSON';
  return 'NAME';
}

/** Capitalised names, skipping single capitalised words at the start of a sentence. */
function findNames(text: string): Array<{ type: string; value: string }> {
  const out: Array<{ type: string; value: string }> = [];
  for (const m of text.matchAll(CAPITALISED)) {
    const at = m.index ?? 0;
    const before = text.slice(Math.max(0, at - 6), at);
    const sentenceStart = at === 0 || /(?:[.!?]\s+|\n\s*|^\s*)$/.test(text.slice(Math.max(0, at - 3), at));
    let words = m[0].replace(/['’]+$/, '').trim().split(/[ \t]+/);
    // a sentence-initial function word ("The Bank of England") and calendar words are not part of a name
    if (sentenceStart && words.length > 1 && isStopword(words[0])) words = words.slice(1);
    while (words.length && CALENDAR_WORD.test(words[words.length - 1])) words.pop();
    while (words.length && CALENDAR_WORD.test(words[0])) words.shift();
    if (words.length === 0) continue;
    const value = words.join(' ');
    const parts = words;
    if (parts.length === 1 && (sentenceStart || isStopword(value))) continue;
    if (HONORIFICS.test(parts[0]) && parts.length === 1) continue;
    const honorific = /\b(?:Mr|Mrs|Ms|Dr|Prof)\.?\s+$/.test(before);
    out.push({ type: classifyName(value, honorific), value });
  }
  return out;
}

/**
 * Pattern- and rule-based entities (no NLP model): EMAIL, URL, PHONE, DATE, TIME, MONEY, PERCENT, NUMBER, and
 * capitalised names typed ORG (suffixes like Inc, University; acronyms), GPE (well-known places), PERSON
 * (honorific, or two or three capitalised words) or NAME. Config `entity_types` limits the types (the
 * spaCy-style PERSON/ORG/GPE/DATE/TIME/MONEY/PERCENT); EMAIL/URL/PHONE/NUMBER/NAME follow `include_patterns`
 * (default true). `min_entity_length` (2) drops shorter values.
 */
export function findEntities(text: string, config: Record<string, unknown> = {}): EntityMap {
  const wanted = configStringList(config, 'entity_types')?.map((t) => t.toUpperCase());
  const patterns = configBool(config, 'include_patterns', true);
  const minLength = configNumber(config, 'min_entity_length', 2);
  const allow = (type: string) => (['EMAIL', 'URL', 'PHONE', 'NUMBER', 'NAME'].includes(type) ? patterns : !wanted || wanted.includes(type));
  const found: EntityMap = {};
  const add = (type: string, values: string[]) => {
    if (!allow(type)) return;
    const kept = unique(values.map((v) => v.trim()).filter((v) => v.length >= minLength));
    if (kept.length) found[type] = unique([...(found[type] ?? []), ...kept]);
  };
  const emails = findEmails(text);
  add('EMAIL', emails);
  add('URL', findUrls(text));
  add('PHONE', [...text.matchAll(PHONE)].map((m) => m[0]));
  const dates = findDates(text);
  add('DATE', dates.map((d) => d.text));
  add('TIME', findTimes(text));
  const money = [...text.matchAll(MONEY)].map((m) => m[0]);
  add('MONEY', money);
  const percents = [...text.matchAll(PERCENT)].map((m) => m[0]);
  const phones = [...text.matchAll(PHONE)].map((m) => m[0]);
  const taken = new Set([...money, ...percents, ...phones, ...dates.map((d) => d.text)].join(' ').match(/\d[\d,.]*\d|\d/g) ?? []);
  add('PERCENT', percents);
  add('NUMBER', [...text.matchAll(NUMBER)].map((m) => m[0]).filter((n) => !taken.has(n)));
  // names that are part of an address, a date or an amount (`USD`, `AM`) are not names
  const covered = new Set([...emails, ...findUrls(text), ...money, ...findTimes(text), ...dates.map((d) => d.text)].join(' ').match(/\p{L}+/gu));
  for (const { type, value } of findNames(text)) {
    if (!value.split(/\s+/).every((w) => covered.has(w))) add(type, [value]);
  }
  return found;
}

/** `entities` ({TYPE: [values]}) and `entity_count` per chunk. */
export class EntityExtractor implements Extractor {
  readonly type = 'EntityExtractor';

  extract(chunks: Chunk[], config: Record<string, unknown>): void {
    for (const chunk of chunks) {
      const entities = findEntities(chunk.text, config);
      chunk.metadata.entities = entities;
      chunk.metadata.entity_count = Object.values(entities).reduce((n, v) => n + v.length, 0);
    }
  }
}
