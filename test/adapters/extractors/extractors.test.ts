import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import type { Chunk } from '../../../src/adapters/chunkers/types.js';
import { findDates } from '../../../src/adapters/extractors/datetime.js';
import { findEntities } from '../../../src/adapters/extractors/entities.js';
import { extractorTypes, getExtractor, resolveExtractorType } from '../../../src/adapters/extractors/registry.js';
import { needShared, sharedPath } from '../../helpers/shared.js';

const skip = needShared('corpora', 'llamafarm');
const chunk = (text: string, metadata: Record<string, unknown> = {}): Chunk => ({ text, metadata });
const FILE = { filename: 'notes.md' };

async function run(type: string, texts: string[], config: Record<string, unknown> = {}, file = FILE): Promise<Chunk[]> {
  const chunks = texts.map((t) => chunk(t));
  await getExtractor(type).extract(chunks, config, file);
  return chunks;
}

describe('extractor registry', () => {
  test('the type names of original §2.4.2; short names and letter case are accepted; unknown throws', () => {
    assert.deepEqual([...extractorTypes()].sort(), ['ContentStatisticsExtractor', 'DateTimeExtractor', 'EntityExtractor', 'HeadingExtractor',
      'KeywordExtractor', 'LinkExtractor', 'PathExtractor', 'PatternExtractor', 'RAKEExtractor', 'SummaryExtractor', 'TFIDFExtractor',
      'TableExtractor', 'YAKEExtractor']);
    assert.equal(resolveExtractorType('Keyword'), 'KeywordExtractor');
    assert.equal(resolveExtractorType('entityextractor'), 'EntityExtractor');
    assert.throws(() => getExtractor('SentimentExtractor'), /Unknown extractor type "SentimentExtractor". Known types: ContentStatisticsExtractor/);
  });
});

describe('ContentStatisticsExtractor', () => {
  test('counts, reading time and readability', async () => {
    const [c] = await run('ContentStatisticsExtractor', ['The cat sat on the mat. It was happy.\n\nA new paragraph here.']);
    assert.equal(c.metadata.word_count, 13);
    assert.equal(c.metadata.sentence_count, 3);
    assert.equal(c.metadata.paragraph_count, 2);
    assert.equal(c.metadata.reading_level, 'Very Easy');
    assert.ok((c.metadata.flesch_reading_ease as number) > 90);
    assert.equal(typeof c.metadata.type_token_ratio, 'number');
  });
});

describe('KeywordExtractor (YAKE / RAKE / TF-IDF)', () => {
  const text = 'Vector databases store embeddings. Retrieval augmented generation queries vector databases with embeddings '
    + 'of the question. The retrieval step ranks chunks by similarity, and the generation step writes the answer.';

  test('yake (default), rake and tfidf give ranked keywords without stopwords', async () => {
    for (const [type, config] of [['KeywordExtractor', {}], ['YAKEExtractor', {}], ['RAKEExtractor', {}], ['TFIDFExtractor', {}], ['KeywordExtractor', { algorithm: 'rake' }]] as const) {
      const [c] = await run(type, [text], { max_keywords: 5, ...config });
      const keywords = c.metadata.keywords as string[];
      assert.ok(keywords.length > 0 && keywords.length <= 5, type);
      assert.ok(keywords.every((k) => !/^(the|and|of|with|by)\b/.test(k)), `${type}: ${keywords.join(', ')}`);
      assert.ok(keywords.some((k) => /vector|embedding|retrieval|databases|generation/.test(k)), `${type}: ${keywords.join(', ')}`);
    }
  });

  test('several methods are interleaved; tfidf prefers terms distinctive to a chunk', async () => {
    const chunks = await run('KeywordExtractor', ['apples apples oranges shared words', 'bananas bananas shared words'], { algorithm: 'tfidf', max_keywords: 1 });
    assert.deepEqual(chunks.map((c) => c.metadata.keywords), [['apples'], ['bananas']]);
    const [c] = await run('KeywordExtractor', [text], { methods: ['rake', 'yake'], max_keywords: 6 });
    assert.equal(c.metadata.keyword_algorithm, 'rake+yake');
  });

  test('an unknown algorithm fails the extractor', async () => {
    await assert.rejects(async () => run('KeywordExtractor', [text], { algorithm: 'bert' }), /unknown keyword algorithm/);
  });
});

describe('EntityExtractor', () => {
  const text = 'By Dr. Sarah Chen, August 4, 2024. Researchers at Stanford University and the Bank of England met in New York. '
    + 'Revenue was $12.5 million (up 8.5%). Mail john.smith@email.com or see https://example.com/docs. Call (555) 123-4567; 42 attended.';

  test('emails, URLs, dates, money, percentages, numbers and capitalised names', () => {
    const e = findEntities(text);
    assert.deepEqual(e.EMAIL, ['john.smith@email.com']);
    assert.deepEqual(e.URL, ['https://example.com/docs']);
    assert.deepEqual(e.DATE, ['August 4, 2024']);
    assert.deepEqual(e.MONEY, ['$12.5 million']);
    assert.deepEqual(e.PERCENT, ['8.5%']);
    assert.deepEqual(e.PHONE, ['(555) 123-4567']);
    assert.deepEqual(e.NUMBER, ['42']);
    assert.deepEqual(e.PERSON, ['Sarah Chen']);
    assert.deepEqual(e.ORG, ['Stanford University', 'Bank of England']);
    assert.deepEqual(e.GPE, ['New York']);
  });

  test('entity_types limits the named types', async () => {
    const [c] = await run('EntityExtractor', [text], { entity_types: ['PERSON', 'MONEY'] });
    const e = c.metadata.entities as Record<string, string[]>;
    assert.deepEqual(Object.keys(e).filter((k) => ['PERSON', 'ORG', 'GPE', 'DATE', 'MONEY', 'PERCENT'].includes(k)).sort(), ['MONEY', 'PERSON']);
    assert.ok((c.metadata.entity_count as number) >= 2);
  });

  test('on a real CSV row: customer emails and names', { skip }, async () => {
    const csv = await readFile(sharedPath('corpora', 'llamafarm/demos/static_samples/customer_support/support_tickets.csv'), 'utf8');
    const e = findEntities(csv.split('\n').slice(1, 3).join('\n'));
    assert.ok(e.EMAIL?.includes('john.smith@email.com'));
    assert.ok(e.PERSON?.includes('John Smith'));
  });
});

describe('DateTimeExtractor', () => {
  test('ISO, US, EU and written dates; times; relative dates', async () => {
    assert.deepEqual(findDates('Due 2024-03-15, moved to 12/25/2023, then 31.12.2023, 4 August 2024 or March 2025.').map((d) => d.iso),
      ['2024-03-15', '2023-12-25', '2023-12-31', '2024-08-04', '2025-03']);
    const [c] = await run('DateTimeExtractor', ['Meet at 10:30 AM on 2024-03-15, not tomorrow or 3 days ago.']);
    assert.deepEqual(c.metadata.dates, ['2024-03-15']);
    assert.deepEqual(c.metadata.times, ['10:30 AM']);
    assert.deepEqual(c.metadata.relative_dates, ['tomorrow', '3 days ago']);
  });
});

describe('HeadingExtractor', () => {
  test('ATX and setext headings outside code, and the hierarchy', async () => {
    const [c] = await run('HeadingExtractor', ['# Title\ntext\n```\n# not one\n```\nSub\n---\nmore']);
    assert.deepEqual(c.metadata.extracted_headings, [{ level: 1, text: 'Title' }, { level: 2, text: 'Sub' }]);
    assert.equal(c.metadata.heading_hierarchy, 'Title > Sub');
    const given = [chunk('body', { headings: ['A', 'B'] })];
    await getExtractor('HeadingExtractor').extract(given, {}, FILE);
    assert.equal(given[0].metadata.heading_hierarchy, 'A > B');
  });
});

describe('LinkExtractor', () => {
  test('URLs, Markdown and HTML links, emails and domains', async () => {
    const [c] = await run('LinkExtractor', ['See [docs](https://docs.example.org/a), [local](./guide.md), <a href="http://www.site.com/x">x</a> and www.plain.net. Mail a@b.io.']);
    assert.deepEqual((c.metadata.links as string[]).sort(), ['./guide.md', 'http://www.site.com/x', 'https://docs.example.org/a', 'www.plain.net'].sort());
    assert.deepEqual(c.metadata.emails, ['a@b.io']);
    assert.deepEqual((c.metadata.domains as string[]).sort(), ['docs.example.org', 'plain.net', 'site.com']);
  });
});

describe('PatternExtractor', () => {
  const code = 'def load(path):\n    return 1\nclass Store(Base):\n    url = "https://pypi.org/project/x/"  # v2.1.0 contact dev@x.io from 10.0.0.12\n';

  test('built-ins (email, url, ip, version) and custom regexes as the default template writes them', async () => {
    const [c] = await run('PatternExtractor', [code], {
      predefined_patterns: ['email', 'url', 'ip_address', 'version'],
      custom_patterns: [{ name: 'function_def', pattern: 'def\\s+\\w+\\s*\\(' }, { name: 'class_def', pattern: 'class\\s+\\w+[\\(\\:]' }],
    });
    assert.deepEqual(c.metadata.pattern_matches, {
      email: ['dev@x.io'], url: ['https://pypi.org/project/x/'], ip_address: ['10.0.0.12'], version: ['v2.1.0'],
      function_def: ['def load('], class_def: ['class Store('],
    });
    assert.equal(c.metadata.pattern_match_count, 6);
  });

  test('an invalid custom regex or unknown built-in fails the extractor', async () => {
    await assert.rejects(async () => run('PatternExtractor', [code], { custom_patterns: [{ name: 'bad', pattern: '([' }] }), /invalid custom pattern "bad"/);
    await assert.rejects(async () => run('PatternExtractor', [code], { patterns: ['nope'] }), /unknown built-in pattern "nope"/);
  });
});

describe('TableExtractor', () => {
  test('pipe tables (Markdown and parser-rendered) and tab-separated runs', async () => {
    const [md] = await run('TableExtractor', ['Intro\n| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\nafter']);
    assert.deepEqual(md.metadata.tables, [{ headers: ['a', 'b'], rows: [['1', '2'], ['3', '4']] }]);
    const [rendered] = await run('TableExtractor', ['Name | Score\nAda | 9\nBob | 7\n\nx\ty\n1\t2']);
    assert.equal(rendered.metadata.table_count, 2);
  });
});

describe('PathExtractor', () => {
  test('file name parts and paths in the text', async () => {
    const [c] = await run('PathExtractor', ['Edit /etc/nginx/nginx.conf or ./src/app.ts, not https://x.com/a/b. Windows: C:\\Users\\me\\file.txt'], {}, { filename: 'guide.v2.md' });
    assert.equal(c.metadata.file_name, 'guide.v2.md');
    assert.equal(c.metadata.file_stem, 'guide.v2');
    assert.equal(c.metadata.file_extension, 'md');
    assert.deepEqual(c.metadata.paths, ['/etc/nginx/nginx.conf', './src/app.ts', 'C:\\Users\\me\\file.txt']);
  });
});

describe('SummaryExtractor', () => {
  test('picks the most central sentences, in their original order', async () => {
    const text = 'Llamas are domesticated South American camelids. They are used as pack animals. '
      + 'The weather was nice that day. Llamas are social animals and live with other llamas as a herd. '
      + 'Some people knit with llama wool. A llama herd protects sheep from predators.';
    const [c] = await run('SummaryExtractor', [text], { summary_sentences: 2 });
    const summary = c.metadata.summary as string;
    assert.equal(summary.split(/(?<=\.)\s/).length, 2);
    assert.match(summary, /^Llamas are domesticated South American camelids\./);
    assert.doesNotMatch(summary, /weather/);
    assert.ok((c.metadata.key_phrases as string[]).includes('llamas'));
  });
});
