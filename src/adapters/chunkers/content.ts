/**
 * Chunks with no content words (a page number, `Page 3 of 15`, a row of dashes, a lone bullet) say nothing a
 * question could find, and many embedders turn them into an all-zero vector that no store accepts. The pipeline
 * drops them before embedding (issue #14 item 2).
 */

/** Page labels: `12`, `- 12 -`, `Page 3`, `p. 3`, `Page 3 of 15`, `3/15`, `iv` (roman numerals alone). */
const PAGE_LABEL = /\b(?:page|pg|p)\.?\s*\d+(?:\s*(?:of|\/)\s*\d+)?\b|\b\d+\s*(?:of|\/)\s*\d+\b|^\s*[ivxlcdm]{1,7}\s*$/giu;
/** A word of two or more letters, or one letter of a script written without spaces (CJK, Thai, ...). */
const CONTENT_WORD = /\p{L}[\p{L}\p{M}]|[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/u;

/** Does the text hold at least one content word once page labels are removed? */
export function hasContentWords(text: string): boolean {
  return CONTENT_WORD.test(text.replace(PAGE_LABEL, ' '));
}
