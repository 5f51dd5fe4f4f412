import { configBool } from '../parsers/config.js';
import type { Chunk } from '../chunkers/types.js';
import { unique } from './text-utils.js';
import type { Extractor } from './types.js';

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const MONTH = '(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\\.?';

const ISO = /\b(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g;
const SLASHED = /\b(\d{1,2})([/.])(\d{1,2})\2(\d{4}|\d{2})\b/g;
const MONTH_DAY_YEAR = new RegExp(`\\b(${MONTH})\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})\\b`, 'gi');
const DAY_MONTH_YEAR = new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?(${MONTH})\\s*,?\\s+(\\d{4})\\b`, 'gi');
const MONTH_YEAR = new RegExp(`\\b(${MONTH})\\s+(\\d{4})\\b`, 'gi');
const TIME = /\b(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s?[AaPp]\.?[Mm]\.?)?\b|\b(?:1[0-2]|0?[1-9])\s?[AaPp]\.?[Mm]\b\.?/g;
const RELATIVE = /\b(?:today|tomorrow|yesterday|tonight|(?:last|next|this)\s+(?:week|month|year|quarter|monday|tuesday|wednesday|thursday|friday|saturday|sunday)|\d+\s+(?:days?|weeks?|months?|years?|hours?|minutes?)\s+(?:ago|from now|later)|in\s+\d+\s+(?:days?|weeks?|months?|years?|hours?))\b/gi;

function monthIndex(name: string): number {
  const key = name.toLowerCase().replace('.', '').slice(0, 3);
  return MONTHS.findIndex((m) => m.startsWith(key));
}

function iso(y: number, m: number, d?: number): string | undefined {
  if (m < 1 || m > 12 || (d !== undefined && (d < 1 || d > 31))) return undefined;
  const mm = String(m).padStart(2, '0');
  return d === undefined ? `${y}-${mm}` : `${y}-${mm}-${String(d).padStart(2, '0')}`;
}

function fullYear(y: string): number {
  const n = Number(y);
  return y.length === 2 ? (n < 50 ? 2000 + n : 1900 + n) : n;
}

export interface FoundDate {
  text: string;
  /** `YYYY-MM-DD` (or `YYYY-MM`) when the date could be read unambiguously enough. */
  iso?: string;
}

/**
 * Dates in text: ISO 8601, `MM/DD/YYYY` (US; `DD/MM` when the first number cannot be a month; dots mean EU
 * `DD.MM.YYYY`), `August 4, 2024`, `4 August 2024`, `August 2024`.
 */
export function findDates(text: string): FoundDate[] {
  const found: Array<FoundDate & { at: number; end: number }> = [];
  const add = (m: RegExpMatchArray, value: string | undefined) => {
    const at = m.index ?? 0;
    const end = at + m[0].length;
    if (found.some((f) => at < f.end && end > f.at)) return; // already covered by a longer form
    found.push({ text: m[0], iso: value, at, end });
  };
  for (const m of text.matchAll(ISO)) add(m, iso(Number(m[1]), Number(m[2]), Number(m[3])));
  for (const m of text.matchAll(MONTH_DAY_YEAR)) add(m, iso(Number(m[3]), monthIndex(m[1]) + 1, Number(m[2])));
  for (const m of text.matchAll(DAY_MONTH_YEAR)) add(m, iso(Number(m[3]), monthIndex(m[2]) + 1, Number(m[1])));
  for (const m of text.matchAll(SLASHED)) {
    const a = Number(m[1]);
    const b = Number(m[3]);
    const y = fullYear(m[4]);
    const eu = m[2] === '.' || a > 12;
    add(m, eu ? iso(y, b, a) : iso(y, a, b));
  }
  for (const m of text.matchAll(MONTH_YEAR)) add(m, iso(Number(m[2]), monthIndex(m[1]) + 1));
  return found.sort((x, y) => x.at - y.at).map(({ text: t, iso: i }) => (i ? { text: t, iso: i } : { text: t }));
}

export function findTimes(text: string): string[] {
  return unique([...text.matchAll(TIME)].map((m) => m[0].trim()));
}

export function findRelativeDates(text: string): string[] {
  return unique([...text.matchAll(RELATIVE)].map((m) => m[0].toLowerCase()));
}

/**
 * Dates (`dates`: ISO form when readable, else the text), and optionally `times` and `relative_dates`
 * (config `extract_times`, `extract_relative`, both default true).
 */
export class DateTimeExtractor implements Extractor {
  readonly type = 'DateTimeExtractor';

  extract(chunks: Chunk[], config: Record<string, unknown>): void {
    const times = configBool(config, 'extract_times', true);
    const relative = configBool(config, 'extract_relative', true);
    for (const chunk of chunks) {
      const dates = unique(findDates(chunk.text).map((d) => d.iso ?? d.text));
      const meta = chunk.metadata;
      if (dates.length) meta.dates = dates;
      if (times) {
        const t = findTimes(chunk.text);
        if (t.length) meta.times = t;
      }
      if (relative) {
        const r = findRelativeDates(chunk.text);
        if (r.length) meta.relative_dates = r;
      }
      meta.date_count = dates.length;
    }
  }
}
