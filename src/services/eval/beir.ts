/**
 * Reading a BEIR-format benchmark: `corpus.jsonl` ({_id, title, text}), `queries.jsonl` ({_id, text}) and a qrels
 * TSV (`query-id  corpus-id  score`, with a header line). Lines are streamed, so large corpora are never held as
 * one string.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Qrels } from './metrics.js';

export interface BeirDocument {
  id: string;
  title: string;
  text: string;
}

export interface BeirQuery {
  id: string;
  text: string;
}

async function* lines(path: string): AsyncGenerator<{ line: string; n: number }> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (line.trim() !== '') yield { line, n };
  }
}

function parseJsonLine(path: string, line: string, n: number): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    throw new Error(`${path}:${n}: not JSON (${(e as Error).message})`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${path}:${n}: expected a JSON object`);
  return v as Record<string, unknown>;
}

function idOf(path: string, n: number, o: Record<string, unknown>): string {
  const id = o._id;
  if ((typeof id !== 'string' && typeof id !== 'number') || String(id) === '') throw new Error(`${path}:${n}: missing "_id"`);
  return String(id);
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export async function readCorpus(path: string): Promise<BeirDocument[]> {
  const docs: BeirDocument[] = [];
  for await (const { line, n } of lines(path)) {
    const o = parseJsonLine(path, line, n);
    docs.push({ id: idOf(path, n, o), title: str(o.title), text: str(o.text) });
  }
  return docs;
}

export async function readQueries(path: string): Promise<BeirQuery[]> {
  const queries: BeirQuery[] = [];
  for await (const { line, n } of lines(path)) {
    const o = parseJsonLine(path, line, n);
    queries.push({ id: idOf(path, n, o), text: str(o.text) });
  }
  return queries;
}

/** Qrels TSV → query id → (doc id → relevance). A first line whose score column is not a number is a header. */
export async function readQrels(path: string): Promise<Qrels> {
  const qrels = new Map<string, Map<string, number>>();
  for await (const { line, n } of lines(path)) {
    const cols = line.split('\t').map((c) => c.trim());
    if (cols.length < 3) throw new Error(`${path}:${n}: expected query-id, corpus-id and score separated by tabs`);
    const [qid, docId, raw] = cols.length >= 4 ? [cols[0], cols[2], cols[3]] : cols; // TREC style has an iteration column
    const score = Number(raw);
    if (!Number.isFinite(score)) {
      if (n === 1) continue;
      throw new Error(`${path}:${n}: score ${JSON.stringify(raw)} is not a number`);
    }
    let judgements = qrels.get(qid);
    if (!judgements) qrels.set(qid, (judgements = new Map()));
    judgements.set(docId, score);
  }
  return qrels;
}

/** The text written for a document: its title, a blank line, then its text (either may be empty). */
export function documentText(doc: BeirDocument): string {
  return [doc.title.trim(), doc.text.trim()].filter((s) => s !== '').join('\n\n');
}
