import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ParseError } from '../../../src/adapters/parsers/types.js';
import { needShared } from '../../helpers/shared.js';
import { corpus, parseWith, rejection } from './input.js';

const skip = needShared('corpora', 'docs');
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-text-formats-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('CSVParser', { skip }, () => {
  test('one document per row as `column: value` lines, with record numbers', async () => {
    const docs = await parseWith('CSVParser_Pandas', corpus('llamafarm/demos/static_samples/customer_support/support_tickets.csv'));
    assert.equal(docs.length, 20);
    assert.match(docs[0].text, /^ticket_id: TICK-001\ncustomer_name: John Smith\n/);
    assert.equal(docs[0].metadata.row, 2); // the header is record 1
    assert.equal(docs[19].metadata.row, 21);
  });

  test('UTF-16 CSV with a title row above the header', async () => {
    const docs = await parseWith('CSVParser', corpus('docs/unstructured/stanley-cups-utf-16.csv'));
    assert.deepEqual(docs.map((d) => d.text.split('\n')[0]), ['Team: Blues', 'Team: Flyers', 'Team: Maple Leafs']);
    assert.equal(docs[0].metadata.table_title, 'Stanley Cups');
    assert.match(String(docs[0].metadata.encoding), /^utf-16/);
  });

  test('delimiters: semicolons sniffed, tabs for .tsv, quoted commas kept', async () => {
    const semi = await parseWith('CSVParser', corpus('docs/unstructured/semicolon-delimited.csv'));
    assert.equal(semi[0].metadata.delimiter, ';');
    assert.match(semi[0].text, /^Lorem, ipsum: consectetur$/m);
    const tsv = await parseWith('CSVParser', corpus('docs/unstructured/stanley-cups.tsv'));
    assert.equal(tsv[0].metadata.delimiter, '\t');
    const quoted = await parseWith('CSVParser', corpus('docs/unstructured/csv-with-escaped-commas.csv'));
    assert.match(quoted[0].text, /: A,A$/m);
  });
});

describe('MarkdownParser', { skip }, () => {
  test('one document per heading section with the heading path', async () => {
    const docs = await parseWith('MarkdownParser_Python', corpus('llamafarm/samples/documents/machine_learning_guide.md'));
    const supervised = docs.find((d) => d.metadata.section === 'Supervised Learning Algorithms');
    assert.ok(supervised);
    assert.deepEqual(supervised.metadata.headings, ['Machine Learning Implementation Guide', 'Core Algorithms', 'Supervised Learning Algorithms']);
    assert.match(supervised.text, /Linear Regression/);
    // a heading with no text of its own is carried into the next section instead of becoming a document
    assert.ok(docs.every((d) => d.text.split('\n').some((l) => l.trim() && !l.startsWith('#'))));
  });

  test('Latin-1 Markdown decodes (umlauts intact)', async () => {
    const docs = await parseWith('MarkdownParser', corpus('docs/unstructured/umlauts-non-utf8.md'));
    assert.equal(docs.length, 1);
    assert.equal(docs[0].metadata.section, 'können');
    assert.match(docs[0].text, /äöüß/);
  });

  test('front matter becomes metadata; headings inside code fences do not split', async () => {
    const path = join(dir, 'fm.md');
    await writeFile(path, '---\ntitle: Guide\ntags: [a, b]\n---\n# Intro\nHello.\n\n```sh\n# not a heading\n```\n\n## Next\nMore text.\n');
    const docs = await parseWith('MarkdownParser', path);
    assert.deepEqual(docs.map((d) => d.metadata.section), ['Intro', 'Next']);
    assert.equal(docs[0].metadata.title, 'Guide');
    assert.deepEqual((docs[0].metadata.frontmatter as Record<string, unknown>).tags, ['a', 'b']);
    assert.match(docs[0].text, /# not a heading/);
    assert.doesNotMatch(docs[0].text, /title: Guide/);
  });
});

describe('HTMLParser', { skip }, () => {
  test('readable text in heading sections; scripts, styles and navigation dropped', async () => {
    const docs = await parseWith('HTMLParser', corpus('docs/unstructured/example-with-scripts.html'));
    const all = docs.map((d) => d.text).join('\n');
    assert.match(all, /Russian Offensive Campaign Assessment, December 13/);
    assert.doesNotMatch(all, /getElementById|function \(d\)|facebook-jssdk/);
    assert.equal(docs[0].metadata.title, 'Russian Offensive Campaign Assessment, December 13 | Institute for the Study of War');
  });

  test('tables become `cell | cell` lines and headings a path', async () => {
    const docs = await parseWith('HTMLParser', corpus('llamafarm/demos/static_samples/news_articles/ai_breakthrough.html'));
    const bench = docs.find((d) => d.metadata.section === 'Benchmark Performance Results');
    assert.ok(bench);
    assert.match(bench.text, /^Graduate Physics Problems \| 96\.2% \| 94\.8% \| 78\.3%$/m);
    assert.equal((bench.metadata.headings as string[]).length, 2);
  });

  test('CP1252 and UTF-16 pages decode', async () => {
    const cp = await parseWith('HTMLParser', corpus('docs/unstructured/fake-html-cp1252.html'));
    assert.match(cp[0].text, /15,50 €/);
    assert.match(cp[0].text, /lächelte/);
    const wide = await parseWith('HTMLParser', corpus('docs/unstructured/example-steelJIS-datasheet-utf-16.html'));
    assert.match(wide.map((d) => d.text).join('\n'), /SNB22-3/);
  });

  test('nav elements are dropped', async () => {
    const path = join(dir, 'nav.html');
    await writeFile(path, '<html><body><nav><a href="/">Home</a> <a href="/x">Menu item</a></nav><main><h1>Title</h1><p>Body text.</p></main><style>p{}</style></body></html>');
    const docs = await parseWith('HTMLParser', path);
    assert.deepEqual(docs.map((d) => d.text), ['Title\nBody text.']);
  });
});

describe('JSONParser', { skip }, () => {
  test('records become blocks of flattened `path: value` lines', async () => {
    const docs = await parseWith('JSONParser', corpus('docs/unstructured/arbitrary-records.json'));
    assert.equal(docs.length, 1);
    assert.equal(docs[0].metadata.record_count, 3);
    assert.match(docs[0].text, /^sku: GRD-8842\nname: Garden Trowel\nprice: 12.5\nin_stock: true\n\nsku: GRD-1290/);
  });

  test('NDJSON and nested values', async () => {
    const nd = await parseWith('JSONParser', corpus('docs/unstructured/arbitrary-records.ndjson'));
    assert.equal(nd[0].metadata.json_type, 'ndjson');
    const nested = await parseWith('JSONParser', corpus('docs/unstructured/simple.json'));
    assert.match(nested[0].text, /^metadata\.filename: simple\.docx$/m);
  });

  test('invalid JSON is a malformed ParseError (the text fallback takes the file)', async () => {
    const err = await rejection(parseWith('JSONParser', corpus('docs/unstructured/fake-incomplete-json.txt')));
    assert.ok(err instanceof ParseError);
    assert.equal(err.reason, 'malformed');
  });
});

describe('TextParser', { skip }, () => {
  test('one document with the encoding; whitespace-only files give none', async () => {
    const docs = await parseWith('TextParser_Python', corpus('docs/unstructured/fake-text-utf-32.txt'));
    assert.equal(docs.length, 1);
    assert.match(docs[0].text, /^This is a test document to use for unit tests\./);
    assert.equal(docs[0].metadata.encoding, 'utf-32le');
    assert.deepEqual(await parseWith('TextParser', corpus('docs/unstructured/fake-text-all-whitespace.txt')), []);
    assert.deepEqual(await parseWith('TextParser', corpus('docs/unstructured/empty.txt')), []);
  });

  test('binary content is refused with an unsupported ParseError', async () => {
    const err = await rejection(parseWith('TextParser', corpus('docs/unstructured/img/example.jpg')));
    assert.ok(err instanceof ParseError);
    assert.equal(err.reason, 'unsupported');
    assert.match(err.message, /JPEG/);
  });
});
