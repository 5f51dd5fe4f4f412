import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getParser, parserTypes, resolveParserType } from '../../../src/adapters/parsers/registry.js';
import { entryMatches, selectParsers, type ParserEntry } from '../../../src/adapters/parsers/select.js';

describe('parser registry', () => {
  test('canonical names, original aliases and auto resolve', () => {
    assert.deepEqual(parserTypes(), ['PDFParser', 'DocxParser', 'ExcelParser', 'CSVParser', 'MarkdownParser', 'HTMLParser', 'JSONParser', 'TextParser', 'auto']);
    const cases: Array<[string, string]> = [
      ['PDFParser_PyPDF2', 'PDFParser'], ['PDFParser_LlamaIndex', 'PDFParser'], ['DocxParser_PythonDocx', 'DocxParser'],
      ['ExcelParser_Pandas', 'ExcelParser'], ['CSVParser_Python', 'CSVParser'], ['MarkdownParser_LlamaIndex', 'MarkdownParser'],
      ['TextParser_Python', 'TextParser'], ['HtmlParser', 'HTMLParser'], ['auto', 'auto'],
    ];
    for (const [alias, canonical] of cases) {
      assert.equal(resolveParserType(alias), canonical, alias);
      assert.equal(getParser(alias).type, canonical, alias);
    }
  });

  test('an unknown type throws an Error naming the known types', () => {
    assert.equal(resolveParserType('MsgParser_ExtractMsg'), undefined);
    assert.throws(() => getParser('MsgParser_ExtractMsg'), (err: Error) => {
      assert.match(err.message, /Unknown parser type "MsgParser_ExtractMsg"/);
      for (const t of parserTypes()) assert.ok(err.message.includes(t), t);
      return true;
    });
  });
});

describe('entryMatches', () => {
  const file = { filename: 'Report.PDF', mimeType: 'application/pdf' };
  test('patterns (case-insensitive globs), extensions and MIME types; no criteria = every file', () => {
    assert.equal(entryMatches({ file_include_patterns: ['*.pdf'] }, file), true);
    assert.equal(entryMatches({ file_include_patterns: ['README*'] }, { filename: 'README', mimeType: '' }), true);
    assert.equal(entryMatches({ file_include_patterns: ['*.docx'] }, file), false);
    assert.equal(entryMatches({ file_extensions: ['.pdf'] }, file), true);
    assert.equal(entryMatches({ file_extensions: ['docx'] }, file), false);
    assert.equal(entryMatches({ mime_types: ['application/pdf'] }, { filename: 'blob', mimeType: 'application/pdf; charset=binary' }), true);
    assert.equal(entryMatches({ mime_types: ['text/*'] }, { filename: 'blob', mimeType: 'text/csv' }), true);
    assert.equal(entryMatches({}, file), true);
  });

  test('exclude patterns win', () => {
    assert.equal(entryMatches({ file_include_patterns: ['*.pdf'], file_exclude_patterns: ['*_draft.pdf'] }, { filename: 'x_draft.pdf', mimeType: '' }), false);
  });
});

describe('selectParsers', () => {
  const entries: ParserEntry[] = [
    { type: 'PDFParser_LlamaIndex', file_include_patterns: ['*.pdf'], priority: 100, config: { chunk_strategy: 'semantic' } },
    { type: 'PDFParser_PyPDF2', file_include_patterns: ['*.pdf'], priority: 50, fallback_parser: 'TextParser_Python' },
    { type: 'CSVParser_Pandas', file_include_patterns: ['*.csv'], fallback_parser: 'ExcelParser', config: { chunk_size: 5 } },
    { type: 'TextParser_Python', file_include_patterns: ['*.txt'], priority: 50, config: { chunk_size: 1200 } },
  ];

  test('matching entries by ascending priority, then fallbacks; a TextParser candidate means no extra text fallback', () => {
    const pdf = selectParsers(entries, { filename: 'a.pdf', mimeType: 'application/pdf' });
    assert.deepEqual(pdf.map((e) => e.type), ['PDFParser_PyPDF2', 'PDFParser_LlamaIndex', 'TextParser_Python']);
    assert.equal(pdf[2].fallback, 'fallback_parser');
  });

  test('a fallback_parser inherits its entry config; the final text fallback comes last', () => {
    const csv = selectParsers(entries, { filename: 'a.csv', mimeType: 'text/csv' });
    assert.deepEqual(csv.map((e) => [e.type, e.fallback]), [['CSVParser_Pandas', undefined], ['ExcelParser', 'fallback_parser'], ['TextParser', 'text']]);
    assert.deepEqual(csv[1].config, { chunk_size: 5 });
  });

  test('no matching entry: the strategy TextParser entries, as the original does', () => {
    const other = selectParsers(entries, { filename: 'notes.log', mimeType: 'text/plain' });
    assert.deepEqual(other.map((e) => e.type), ['TextParser_Python']);
    assert.deepEqual(selectParsers([], { filename: 'x.bin', mimeType: '' }).map((e) => e.type), ['TextParser']);
  });

  test('equal priorities keep config order', () => {
    const order = selectParsers([{ type: 'JSONParser' }, { type: 'TextParser' }, { type: 'auto', priority: 10 }], { filename: 'a.json', mimeType: '' });
    assert.deepEqual(order.map((e) => e.type), ['auto', 'JSONParser', 'TextParser']);
  });
});
