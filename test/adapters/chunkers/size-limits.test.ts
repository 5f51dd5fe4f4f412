/**
 * Chunk sizes (issue #14 item 5, issue #15 item 7): CSV `chunk_size` counts characters (whole rows) unless
 * `rows_per_chunk` is given, no chunk of any strategy is longer than its limit, and HTML the tree parser cannot
 * take is stripped of its markup.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseFile } from '../../../src/adapters/parsers/parse-file.js';
import type { ParserEntry } from '../../../src/adapters/parsers/select.js';
import { chunkCharLimit } from '../../../src/adapters/chunkers/limit.js';

describe('chunk sizes', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lf-chunk-limits-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const parse = async (name: string, content: string, entry: Omit<ParserEntry, 'file_include_patterns'>) => {
    const path = join(dir, name);
    await writeFile(path, content);
    return parseFile([{ ...entry, file_include_patterns: [`*${name.slice(name.lastIndexOf('.'))}`] }], { path, filename: name, mimeType: 'application/octet-stream', size: Buffer.byteLength(content) });
  };

  // 40 rows of about 330 characters each once rendered as `column: value` lines.
  const header = 'ticket_id,customer,product,priority,status,description';
  const csv = [header, ...Array.from({ length: 40 }, (_, i) =>
    `T-${1000 + i},Customer ${i},Llama feeder model ${i % 5},${['low', 'high'][i % 2]},open,"The feeder number ${i} jams when the hopper holds more than ${i + 3} kilograms of pellets; the customer asks for a replacement part and a visit from a technician next week."`)].join('\n');

  test('#14.5 CSV chunk_size 1000 means characters: whole rows, every chunk names its columns', async () => {
    const r = await parse('tickets.csv', csv, { type: 'CSVParser', config: { chunk_strategy: 'rows', chunk_size: 1000 } });
    assert.ok(r.chunks.length >= 10, `40 rows of ~330 characters need 10+ chunks of 1000 (got ${r.chunks.length})`);
    let next = 2;
    for (const c of r.chunks) {
      assert.ok(c.text.length <= 1000, `chunk of ${c.text.length} characters`);
      assert.match(c.text, /^ticket_id: T-\d+\ncustomer: /, 'a chunk starts with a whole row');
      assert.equal(c.metadata.row_start, next, 'rows follow each other without gaps or repeats');
      assert.equal(c.text.split('ticket_id: ').length - 1, c.metadata.row_count);
      next = (c.metadata.row_end as number) + 1;
    }
    assert.equal(next, 42);
  });

  test('#14.5 rows_per_chunk keeps counting rows; the template default (no chunk_size) is 1000 characters', async () => {
    const byRows = await parse('tickets.csv', csv, { type: 'CSVParser', config: { chunk_strategy: 'rows', rows_per_chunk: 4 } });
    assert.deepEqual(byRows.chunks.map((c) => c.metadata.row_count), Array(10).fill(4));
    const byDefault = await parse('tickets.csv', csv, { type: 'CSVParser', config: {} });
    assert.ok(byDefault.chunks.every((c) => c.text.length <= 1000 && c.metadata.chunk_size === 1000));
    assert.ok(byDefault.chunks.length > 1);
  });

  test('#15.7 a CSV row of 1,000,000 columns is split: no chunk passes chunk_size', async () => {
    const wide = `${Array.from({ length: 1_000_000 }, (_, i) => `c${i}`).join(',')}\n${Array.from({ length: 1_000_000 }, (_, i) => `v${i}`).join(',')}\n`;
    const r = await parse('wide.csv', wide, { type: 'CSVParser', config: { chunk_strategy: 'rows', chunk_size: 1000 } });
    const longest = Math.max(...r.chunks.map((c) => c.text.length));
    assert.ok(longest <= 1000, `longest chunk ${longest} characters`);
    assert.ok(r.chunks.length > 1000);
    assert.equal(r.chunks[0].metadata.row_parts, r.chunks.length);
    // rows_per_chunk without chunk_size is bounded too.
    const rows = await parse('wide.csv', wide, { type: 'CSVParser', config: { chunk_strategy: 'rows', rows_per_chunk: 10 } });
    assert.ok(rows.chunks.every((c) => c.text.length <= 8000));
  });

  test('#15.7 long lines and unbroken text respect every strategy\'s limit', async () => {
    const unbroken = 'x'.repeat(60_000);
    const text = `A normal sentence about llamas.\n${'word '.repeat(3000)}\n${unbroken}\n`;
    for (const strategy of ['characters', 'sentences', 'paragraphs', 'sections', 'rows', 'tokens', 'documents']) {
      const r = await parse('long.txt', text, { type: 'TextParser', config: { chunk_strategy: strategy, chunk_size: 500, chunk_overlap: 50 } });
      const limit = chunkCharLimit(strategy, 500);
      const longest = Math.max(...r.chunks.map((c) => c.text.length));
      assert.ok(longest <= limit, `${strategy}: longest chunk ${longest} > ${limit}`);
      assert.ok(r.chunks.some((c) => c.text.includes('llamas')), `${strategy}: the text is kept`);
    }
  });

  test('#15.7 HTML nested too deep for the tree parser is stripped of markup, not indexed raw', async () => {
    const depth = 100_000;
    const html = `<html><body><style>p{color:red}</style>${'<div>'.repeat(depth)}Llamas live in the Andes &amp; hum.${'</div>'.repeat(depth)}<p>Alpacas too.</p><script>alert(1)</script></body></html>`;
    const r = await parse('deep.html', html, { type: 'HTMLParser', config: { chunk_strategy: 'paragraphs', chunk_size: 1000 } });
    assert.equal(r.parser, 'HTMLParser');
    const all = r.chunks.map((c) => c.text).join('\n');
    assert.doesNotMatch(all, /<div|<\/div|<p>|alert|color:red/);
    assert.match(all, /Llamas live in the Andes & hum\./);
    assert.match(all, /Alpacas too\./);
    assert.equal(r.chunks[0].metadata.html_fallback, 'markup_stripped');
  });
});
