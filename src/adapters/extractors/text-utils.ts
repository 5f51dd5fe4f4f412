/** Small English text helpers shared by the extractors (no NLP models). */
import { paragraphSpans, sentenceSpans } from '../chunkers/split.js';

export const STOPWORDS = new Set(`a about above after again against all also am an and any are aren't as at be because been before being
below between both but by can cannot could couldn't did didn't do does doesn't doing don't down during each either etc few for from
further get gets got had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him himself his how how's
however i i'd i'll i'm i've if in into is isn't it it's its itself just let's like may me might more most must mustn't my myself no nor
not now of off on once only or other ought our ours ourselves out over own per same shall shan't she she'd she'll she's should shouldn't
so some such than that that's the their theirs them themselves then there there's these they they'd they'll they're they've this those
through thus to too under until up upon us use used using very via was wasn't we we'd we'll we're we've were weren't what what's when
when's where where's whether which while who who's whom why why's will with within without won't would wouldn't yet you you'd you'll
you're you've your yours yourself yourselves one two also can may many much new well even still several need needs since
based make makes made way ways including include includes within across among every`.split(/\s+/));

export function sentences(text: string): string[] {
  return sentenceSpans(text).map(([s, e]) => text.slice(s, e));
}

export function paragraphs(text: string): string[] {
  return paragraphSpans(text).map(([s, e]) => text.slice(s, e));
}

/** Word tokens (letters, digits, inner apostrophes/hyphens), original case. */
export function words(text: string): string[] {
  return text.match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? [];
}

export function isStopword(word: string): boolean {
  return STOPWORDS.has(word.toLowerCase());
}

/** Unique values in first-seen order (case-sensitive). */
export function unique<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}

/** All matches of a global regex as strings. */
export function matchAll(text: string, re: RegExp): string[] {
  return [...text.matchAll(re)].map((m) => m[0]);
}

export const EMAIL_RE = /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g;
/** http(s)/ftp URLs and bare `www.` hosts; trailing punctuation is trimmed by `cleanUrl`. */
export const URL_RE = /\b(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'`)\]]+/gi;

export function cleanUrl(url: string): string {
  return url.replace(/[.,;:!?]+$/, '');
}

export function findUrls(text: string): string[] {
  return unique(matchAll(text, URL_RE).map(cleanUrl));
}

export function findEmails(text: string): string[] {
  return unique(matchAll(text, EMAIL_RE));
}
