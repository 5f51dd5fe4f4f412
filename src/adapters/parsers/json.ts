import { readTextFile } from './read.js';
import { ParseError, type ParsedDocument, type Parser, type ParserInput } from './types.js';

/** `path: value` lines for every leaf of a JSON value (`a.b[0].c: 1`); strings keep their text. */
export function flattenJson(value: unknown, prefix = ''): string[] {
  const lines: string[] = [];
  const stack: Array<{ path: string; value: unknown }> = [{ path: prefix, value }];
  while (stack.length) {
    const { path, value: v } = stack.pop()!;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ path: `${path}[${i}]`, value: v[i] });
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i];
        stack.push({ path: path ? `${path}.${k}` : k, value: child });
      }
    } else {
      const text = v === null ? 'null' : String(v);
      lines.push(path ? `${path}: ${text}` : text);
    }
  }
  return lines;
}

/** Parses JSON, or NDJSON (one JSON value per line); undefined when it is neither. */
export function parseJsonOrNdjson(text: string): { kind: 'json' | 'ndjson'; value: unknown } | undefined {
  try {
    return { kind: 'json', value: JSON.parse(text) };
  } catch {
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    if (lines.length < 2) return undefined;
    try {
      return { kind: 'ndjson', value: lines.map((l) => JSON.parse(l) as unknown) };
    } catch {
      return undefined;
    }
  }
}

/**
 * JSON and NDJSON: one document of flattened `path: value` lines; the records of a top-level array are separated
 * by blank lines so paragraph chunking keeps records together. Invalid JSON fails (the text fallback takes it).
 */
export class JSONParser implements Parser {
  readonly type = 'JSONParser';
  readonly defaultChunkStrategy = 'paragraphs';

  async parse(file: ParserInput, config: Record<string, unknown>): Promise<ParsedDocument[]> {
    const { text, encoding } = await readTextFile(file, config);
    if (text.trim() === '') return [];
    const parsed = parseJsonOrNdjson(text);
    if (!parsed) throw new ParseError('invalid JSON', 'malformed');
    const { value } = parsed;
    const blocks = Array.isArray(value)
      ? value.map((record) => flattenJson(record).join('\n'))
      : [flattenJson(value).join('\n')];
    const body = blocks.filter((b) => b.trim() !== '').join('\n\n');
    if (body === '') return [];
    return [{
      text: body,
      metadata: {
        json_type: parsed.kind === 'ndjson' ? 'ndjson' : Array.isArray(value) ? 'array' : typeof value === 'object' && value !== null ? 'object' : 'scalar',
        ...(Array.isArray(value) ? { record_count: value.length } : {}),
        encoding,
      },
    }];
  }
}
