/**
 * Lexical query variants, used by MultiQueryStrategy when no model rewrites the query: the question's content
 * words, the question turned into a statement, its separate clauses, and its words reduced to a crude singular.
 * Deterministic, no model, no network.
 */

const STOP_WORDS = new Set(
  (
    'a an the and or but if then else of to in on at by for with about against between into through during before after above below from up down ' +
    'out off over under again further once here there when where why how what which who whom whose this that these those am is are was were be been ' +
    'being have has had having do does did doing can could should would will shall may might must i me my we our you your he him his she her it its ' +
    'they them their not no nor only own same so than too very just also any all both each few more most other some such please tell explain describe ' +
    'give show list'
  ).split(' '),
);

const QUESTION_OPENING = /^(?:please\s+)?(?:(?:can|could|would)\s+you\s+)?(?:tell\s+me\s+(?:about\s+)?|explain\s+|describe\s+|show\s+me\s+)?(?:what|which|who|whom|whose|when|where|why|how(?:\s+(?:many|much|long|often|do|does|did|to|can|should|is|are))?)?(?:\s+(?:is|are|was|were|do|does|did|can|could|should|would|will|has|have|had))?\s+/i;

function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? [];
}

function contentWords(text: string): string[] {
  return words(text).filter((w) => !STOP_WORDS.has(w));
}

function singular(w: string): string {
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (/(?:ss|us|is)$/.test(w)) return w;
  if (/(?:ches|shes|xes|ses)$/.test(w)) return w.slice(0, -2);
  return w.endsWith('s') ? w.slice(0, -1) : w;
}

function norm(s: string): string {
  return words(s).join(' ');
}

/** Up to `n` distinct variants of `query`, not counting the query itself. */
export function lexicalVariants(query: string, n: number): string[] {
  if (n <= 0) return [];
  const candidates: string[] = [];
  const keywords = contentWords(query);
  candidates.push(keywords.join(' '));
  const statement = query.trim().replace(/[?!.\s]+$/, '').replace(QUESTION_OPENING, '');
  candidates.push(statement);
  for (const clause of query.split(/[,;?]|\b(?:and|or|also|as well as|versus|vs)\b/i)) {
    if (contentWords(clause).length >= 1 && norm(clause) !== norm(query)) candidates.push(clause.trim());
  }
  candidates.push(keywords.map(singular).join(' '));

  const seen = new Set([norm(query)]);
  const out: string[] = [];
  for (const c of candidates) {
    const key = norm(c);
    if (!key || seen.has(key)) continue;
    seen.add(key);
    out.push(c);
    if (out.length === n) break;
  }
  return out;
}
