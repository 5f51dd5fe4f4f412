/**
 * Text splitting on spans (`[start, end)` offsets into one text), so chunks are exact slices of the original
 * text: sentence and paragraph boundaries, word-friendly fixed windows, and greedy packing with overlap.
 */

export type Span = readonly [start: number, end: number];

const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'vs', 'etc', 'e.g', 'i.e', 'fig', 'no', 'inc', 'ltd', 'co',
  'corp', 'approx', 'dept', 'est', 'vol', 'p', 'pp', 'cf', 'al', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug',
  'sep', 'sept', 'oct', 'nov', 'dec', 'u.s', 'a.m', 'p.m',
]);

function isWhitespace(ch: string | undefined): boolean {
  return ch !== undefined && /\s/.test(ch);
}

/** Trims whitespace off both ends of a span; empty spans come back with start === end. */
function trimSpan(text: string, start: number, end: number): Span {
  while (start < end && isWhitespace(text[start])) start++;
  while (end > start && isWhitespace(text[end - 1])) end--;
  return [start, end];
}

function pushTrimmed(out: Span[], text: string, start: number, end: number): void {
  const s = trimSpan(text, start, end);
  if (s[1] > s[0]) out.push(s);
}

/** Does the `.` at `dot` end an abbreviation or an initial (`Dr.`, `e.g.`, `J.`) rather than a sentence? */
function isAbbreviation(text: string, dot: number): boolean {
  let i = dot;
  while (i > 0 && /[A-Za-z.]/.test(text[i - 1])) i--;
  const word = text.slice(i, dot).toLowerCase();
  if (word.length === 1 && /[a-z]/i.test(word)) return true;
  return ABBREVIATIONS.has(word);
}

/** Sentences: end at `.`, `!`, `?` (plus closing quotes/brackets) before whitespace, and at blank lines. */
export function sentenceSpans(text: string, within: Span = [0, text.length]): Span[] {
  const out: Span[] = [];
  const re = /[.!?]+["'\u201d\u2019)\]]*(?=\s)|\n[ \t]*\n/g;
  re.lastIndex = within[0];
  let start = within[0];
  for (let m = re.exec(text); m && m.index < within[1]; m = re.exec(text)) {
    const end = m.index + m[0].length;
    if (m[0][0] === '.' && m[0].length === 1 && isAbbreviation(text, m.index)) continue;
    pushTrimmed(out, text, start, Math.min(end, within[1]));
    start = end;
  }
  pushTrimmed(out, text, start, within[1]);
  return out;
}

/** Paragraphs: separated by blank lines. */
export function paragraphSpans(text: string, within: Span = [0, text.length]): Span[] {
  const out: Span[] = [];
  const re = /\n[ \t]*\n/g;
  re.lastIndex = within[0];
  let start = within[0];
  for (let m = re.exec(text); m && m.index < within[1]; m = re.exec(text)) {
    pushTrimmed(out, text, start, m.index);
    start = m.index + m[0].length;
  }
  pushTrimmed(out, text, start, within[1]);
  return out;
}

/** Lines (non-empty). */
export function lineSpans(text: string, within: Span = [0, text.length]): Span[] {
  const out: Span[] = [];
  let start = within[0];
  for (let i = start; i < within[1]; i++) {
    if (text[i] === '\n') {
      pushTrimmed(out, text, start, i);
      start = i + 1;
    }
  }
  pushTrimmed(out, text, start, within[1]);
  return out;
}

/** Words (runs of non-whitespace): the `tokens` strategy's approximation of model tokens. */
export function wordSpans(text: string, within: Span = [0, text.length]): Span[] {
  const out: Span[] = [];
  const re = /\S+/g;
  re.lastIndex = within[0];
  for (let m = re.exec(text); m && m.index < within[1]; m = re.exec(text)) {
    out.push([m.index, Math.min(m.index + m[0].length, within[1])]);
  }
  return out;
}

/**
 * Fixed windows of at most `size` characters stepping about `size - overlap`; a window ends at whitespace when there
 * is some in its last fifth, and the next one starts at a word start (the overlap grows to a whole word), so words
 * are rarely cut.
 */
export function windowSpans(text: string, within: Span, size: number, overlap: number): Span[] {
  const out: Span[] = [];
  const [, end] = within;
  let start = trimSpan(text, within[0], end)[0];
  while (start < end) {
    let stop = Math.min(start + size, end);
    if (stop < end && !isWhitespace(text[stop])) {
      const floor = start + Math.floor(size * 0.8);
      let k = stop;
      while (k > floor && !isWhitespace(text[k - 1])) k--;
      if (k > floor) stop = k;
    }
    pushTrimmed(out, text, start, stop);
    if (stop >= end) break;
    let next = Math.max(stop - overlap, start + 1);
    if (next < stop && !isWhitespace(text[next - 1])) {
      // start the overlap at a word start: back to the start of this word, else on to the next word (text with
      // no whitespace is cut where it falls)
      let back = next;
      while (back > start + 1 && !isWhitespace(text[back - 1])) back--;
      let fwd = next;
      while (fwd < stop && !isWhitespace(text[fwd - 1])) fwd++;
      if (back > start + 1) next = back;
      else if (fwd < stop) next = fwd;
    }
    while (next < end && isWhitespace(text[next])) next++;
    start = next;
  }
  return out;
}

/** Replaces every span longer than `size` with the finer spans `split` gives for it (recursively down the list). */
export function refine(text: string, spans: Span[], size: number, splitters: Array<(text: string, within: Span) => Span[]>): Span[] {
  const out: Span[] = [];
  for (const s of spans) {
    if (s[1] - s[0] <= size) {
      out.push(s);
      continue;
    }
    if (splitters.length === 0) {
      out.push(...windowSpans(text, s, size, 0));
      continue;
    }
    const [split, ...rest] = splitters;
    const finer = split(text, s);
    // A splitter that gives one span back (or none) cannot split this one: the next splitter tries.
    out.push(...refine(text, finer.length ? finer : [s], size, rest));
  }
  return out;
}

/**
 * Packs consecutive spans greedily into chunks of at most `size` characters (measured from the first span's
 * start to the last span's end); each new chunk starts with the trailing spans of the previous one that fit in
 * `overlap` characters. Spans must already be at most `size` long (see `refine`).
 */
export function packSpans(text: string, spans: Span[], size: number, overlap: number): string[] {
  const chunks: string[] = [];
  let i = 0;
  while (i < spans.length) {
    const start = spans[i][0];
    let j = i;
    while (j + 1 < spans.length && spans[j + 1][1] - start <= size) j++;
    chunks.push(text.slice(start, spans[j][1]));
    if (j + 1 >= spans.length) break;
    // Step back over trailing spans that fit in the overlap, as long as the next span still fits after them
    // (so every chunk reaches further than the one before).
    let k = j + 1;
    while (k - 1 > i && spans[j][1] - spans[k - 1][0] <= overlap && spans[j + 1][1] - spans[k - 1][0] <= size) k--;
    i = k;
  }
  return chunks;
}
