/**
 * Lexical units: what the lexical engine scores. Chunks of one file (by `file_hash`, else `document_id`, in
 * `chunk_index` order) form one unit when the file has at most `wholeDocument` chunks (a short document is about
 * one thing: every chunk gets the document's score); a longer file's chunks are units of their own, so a long
 * document's chunks are not blurred together. With `titleContext`, each unit's text also carries the file's title
 * (the first line of its first chunk, when short) so that it counts twice in every unit.
 */
export interface LexicalRow {
  id: string;
  text: string;
  metadata: Record<string, unknown>;
}

export interface UnitOptions {
  /** Files of at most this many chunks are scored whole (1: every chunk alone). */
  wholeDocument: number;
  titleContext: boolean;
}

export interface LexicalUnit {
  /** Indexes into the rows the units were made from. */
  rows: number[];
  text: string;
}

/** Longest first line taken as a title. */
const MAX_TITLE = 300;

function documentKey(row: LexicalRow): string | undefined {
  const key = row.metadata.file_hash ?? row.metadata.document_id;
  return typeof key === 'string' || typeof key === 'number' ? String(key) : undefined;
}

function chunkIndex(row: LexicalRow): number {
  const i = row.metadata.chunk_index;
  return typeof i === 'number' && Number.isFinite(i) ? i : Number.MAX_SAFE_INTEGER;
}

/** The first line of a file's first chunk, when it is short and followed by more text. */
export function titleOf(firstChunk: string): string | undefined {
  const text = firstChunk.trimStart();
  const end = text.indexOf('\n');
  if (end <= 0 || end > MAX_TITLE || text.slice(end).trim() === '') return undefined;
  return text.slice(0, end).trim() || undefined;
}

export function buildUnits(rows: readonly LexicalRow[], o: UnitOptions): LexicalUnit[] {
  const groups = new Map<string, number[]>();
  const units: LexicalUnit[] = [];
  rows.forEach((row, i) => {
    const key = documentKey(row);
    if (key === undefined) {
      units.push({ rows: [i], text: row.text });
      return;
    }
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  });
  for (const members of groups.values()) {
    const window = members.length <= o.wholeDocument ? members.length : 1;
    members.sort((a, b) => chunkIndex(rows[a]!) - chunkIndex(rows[b]!) || (rows[a]!.id < rows[b]!.id ? -1 : 1));
    const title = o.titleContext ? titleOf(rows[members[0]!]!.text) : undefined;
    for (let at = 0; at < members.length; at += window) {
      const part = members.slice(at, at + window);
      const body = part.map((r) => rows[r]!.text).join('\n\n');
      // The first chunk already starts with the title: one more copy there, two elsewhere.
      const prefix = title === undefined ? '' : at === 0 ? `${title}\n` : `${title}\n${title}\n`;
      units.push({ rows: part, text: prefix + body });
    }
  }
  return units;
}
