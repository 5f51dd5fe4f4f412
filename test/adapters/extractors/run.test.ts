import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Chunk } from '../../../src/adapters/chunkers/types.js';
import { runExtractors, type ExtractorEntry } from '../../../src/adapters/extractors/run.js';

function chunks(): Chunk[] {
  return [
    { text: '# Setup\nVisit https://example.com on 2024-05-01.', metadata: {} },
    { text: 'Contact ops@example.com for access.', metadata: {} },
  ];
}

test('runs matching extractors in ascending priority, flags each chunk, logs and skips failures', async () => {
  const warnings: Array<Record<string, unknown>> = [];
  const log = { warn: (obj: Record<string, unknown>) => void warnings.push(obj) };
  const entries: ExtractorEntry[] = [
    { type: 'ContentStatisticsExtractor', file_include_patterns: ['*'], priority: 100 },
    { type: 'LinkExtractor', file_include_patterns: ['*.md', '*.html'], priority: 90 },
    { type: 'TableExtractor', file_include_patterns: ['*.pdf'], priority: 10 },
    { type: 'PatternExtractor', priority: 20, config: { custom_patterns: [{ name: 'bad', pattern: '(' }] } },
    { type: 'SentimentExtractor', priority: 30 },
    { type: 'DateTimeExtractor', priority: 100 },
  ];
  const cs = chunks();
  const result = await runExtractors(entries, cs, { filename: 'README.md' }, log);
  assert.deepEqual(result.applied, ['LinkExtractor', 'ContentStatisticsExtractor', 'DateTimeExtractor']);
  assert.deepEqual(result.failed.map((f) => f.type), ['PatternExtractor', 'SentimentExtractor']);
  assert.match(result.failed[1].error, /Unknown extractor type/);
  assert.deepEqual(warnings.map((w) => w.extractor), ['PatternExtractor', 'SentimentExtractor']);
  for (const c of cs) {
    assert.equal(c.metadata.extractor_LinkExtractor, true);
    assert.equal(c.metadata.extractor_ContentStatisticsExtractor, true);
    assert.equal(c.metadata.extractor_DateTimeExtractor, true);
    assert.equal('extractor_TableExtractor' in c.metadata, false, 'pdf-only extractor did not run on .md');
    assert.equal('extractor_PatternExtractor' in c.metadata, false, 'a failed extractor sets no flag');
  }
  assert.deepEqual(cs[0].metadata.links, ['https://example.com']);
  assert.deepEqual(cs[0].metadata.dates, ['2024-05-01']);
  assert.deepEqual(cs[1].metadata.emails, ['ops@example.com']);
});

test('no entries or no chunks: nothing happens, nothing throws', async () => {
  assert.deepEqual(await runExtractors([], chunks(), { filename: 'a.txt' }), { applied: [], failed: [] });
  assert.deepEqual(await runExtractors([{ type: 'KeywordExtractor' }], [], { filename: 'a.txt' }), { applied: ['KeywordExtractor'], failed: [] });
});
