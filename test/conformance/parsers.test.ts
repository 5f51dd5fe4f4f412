import { describeParserConformance, type ParserFixture } from './parsers.js';
import { needShared, sharedPath } from '../helpers/shared.js';
import { parserTypes } from '../../src/adapters/parsers/registry.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';

const C = (...p: string[]) => sharedPath('corpora', ...p);
const skip = needShared('corpora', 'docs');

const FIXTURES: ParserFixture[] = [
  { type: 'PDFParser', canonical: 'PDFParser', sample: C('llamafarm/samples/pdfs/test_document.pdf'), filename: 'test_document.pdf', mimeType: 'application/pdf', expectText: 'Test Document for RAG System', extension: 'pdf', skip },
  { type: 'DocxParser', canonical: 'DocxParser', sample: C('docs/mammoth-docx/tables.docx'), filename: 'tables.docx', mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', expectText: 'Top left | Top right', extension: 'docx', skip },
  { type: 'ExcelParser', canonical: 'ExcelParser', sample: C('docs/unstructured/stanley-cups.xlsx'), filename: 'stanley-cups.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', expectText: 'Team: Blues', extension: 'xlsx', skip },
  { type: 'CSVParser', canonical: 'CSVParser', sample: C('llamafarm/demos/static_samples/customer_support/support_tickets.csv'), filename: 'support_tickets.csv', mimeType: 'text/csv', expectText: 'ticket_id: TICK-001', extension: 'csv', skip },
  { type: 'MarkdownParser', canonical: 'MarkdownParser', sample: C('llamafarm/samples/documents/machine_learning_guide.md'), filename: 'machine_learning_guide.md', mimeType: 'text/markdown', expectText: 'Supervised Learning Algorithms', extension: 'md', skip },
  { type: 'HTMLParser', canonical: 'HTMLParser', sample: C('llamafarm/demos/static_samples/news_articles/ai_breakthrough.html'), filename: 'ai_breakthrough.html', mimeType: 'text/html', expectText: 'ScienceAI-7B', extension: 'html', skip },
  { type: 'JSONParser', canonical: 'JSONParser', sample: C('docs/unstructured/arbitrary-records.json'), filename: 'arbitrary-records.json', mimeType: 'application/json', expectText: 'Garden Trowel', extension: 'json', skip },
  { type: 'TextParser', canonical: 'TextParser', sample: C('llamafarm/samples/documents/ai_overview.txt'), filename: 'ai_overview.txt', mimeType: 'text/plain', expectText: 'Artificial', extension: 'txt', skip },
  // `auto` delegates to the parser the file name points at.
  { type: 'auto', canonical: 'auto', sample: C('llamafarm/samples/documents/python_programming_basics.md'), filename: 'python_programming_basics.md', mimeType: 'text/markdown', expectText: 'Python', extension: 'md', skip },
];

test('every registered parser type has a conformance fixture', () => {
  assert.deepEqual(FIXTURES.map((f) => f.type).sort(), [...parserTypes()].sort());
});

for (const fx of FIXTURES) describeParserConformance(fx);
