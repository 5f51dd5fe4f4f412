/**
 * `npm run eval:retrieval -- [--corpus corpus.jsonl --queries queries.jsonl --qrels qrels.tsv] [--embedder ...]
 * [--strategy ...]`: ingests a BEIR-format corpus through the real pipeline, runs every query through the real
 * retrieval service and prints Recall@10, Recall@100, MRR@10, throughput and, as the last line, `nDCG@10: 0.xxxx`.
 * Without arguments: SciFact train from ../shared/corpora/ir/scifact, HashingEmbedder (1024-d) and the `rag`
 * template's default strategy (hybrid_search, tuned on that split).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_EVAL_EMBEDDER, formatReport, runRetrievalEval, type EmbedderChoice, type StrategyChoice } from '../src/services/eval/harness.js';

const USAGE = `usage: npm run eval:retrieval -- [options]
  --corpus <corpus.jsonl>      BEIR corpus (default: ../shared/corpora/ir/scifact/corpus.jsonl)
  --queries <queries.jsonl>    BEIR queries (default: SciFact train queries)
  --qrels <qrels.tsv>          judgements (default: SciFact qrels/train.tsv)
  --embedder <type>            hashing (default, 1024-d), universal, sentence-encoder, or any embedder type
  --model <name or path>       the embedder's model (UniversalEmbedder: a GGUF path or HF repo)
  --dimension <n>              the embedder's dimension (HashingEmbedder)
  --embedder-config <json>     the embedder's config object
  --strategy <name or type>    a strategy of the rag template (hybrid_search, basic_search, ...) or a type
                               (default: the template's default, hybrid_search)
  --strategy-config <json>     config for --strategy (then a strategy of that type with this config runs)
  --data-dir <dir>             keep the data dir; a later run with the same corpus and embedder reuses it
  --max-queries <n>            evaluate only the first n judged queries
  --max-docs <n>               ingest only n documents (every judged document first)`;

const EMBEDDER_ALIASES: Record<string, string> = {
  hashing: 'HashingEmbedder',
  universal: 'UniversalEmbedder',
  gguf: 'UniversalEmbedder',
  'sentence-encoder': 'SentenceEncoderEmbedder',
  use: 'SentenceEncoderEmbedder',
};

function json(flag: string, raw: string | undefined): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  const v = JSON.parse(raw) as unknown;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${flag} must be a JSON object`);
  return v as Record<string, unknown>;
}

function int(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer`);
  return n;
}

function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      corpus: { type: 'string' },
      queries: { type: 'string' },
      qrels: { type: 'string' },
      embedder: { type: 'string' },
      model: { type: 'string' },
      dimension: { type: 'string' },
      'embedder-config': { type: 'string' },
      strategy: { type: 'string' },
      'strategy-config': { type: 'string' },
      'data-dir': { type: 'string' },
      'max-queries': { type: 'string' },
      'max-docs': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return Promise.resolve();
  }
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const scifact = join(process.env.LF_SHARED_DIR ?? join(repo, '..', 'shared'), 'corpora', 'ir', 'scifact');
  const files = {
    corpus: values.corpus ?? join(scifact, 'corpus.jsonl'),
    queries: values.queries ?? join(scifact, 'queries.jsonl'),
    qrels: values.qrels ?? join(scifact, 'qrels', 'train.tsv'),
  };
  for (const [flag, path] of Object.entries(files)) if (!existsSync(path)) throw new Error(`--${flag}: ${path} does not exist`);

  const custom = values.embedder !== undefined || values.model !== undefined || values.dimension !== undefined || values['embedder-config'] !== undefined;
  let embedder: EmbedderChoice = DEFAULT_EVAL_EMBEDDER;
  if (custom) {
    const type = EMBEDDER_ALIASES[values.embedder ?? 'hashing'] ?? values.embedder!;
    const config = { ...(type === DEFAULT_EVAL_EMBEDDER.type ? DEFAULT_EVAL_EMBEDDER.config : {}), ...json('--embedder-config', values['embedder-config']) };
    if (values.model !== undefined) config.model = values.model;
    if (values.dimension !== undefined) config.dimension = int('--dimension', values.dimension);
    embedder = { type, config };
  }
  const strategyConfig = json('--strategy-config', values['strategy-config']);
  if (strategyConfig && !values.strategy) throw new Error('--strategy-config needs --strategy <type>');
  const strategy: StrategyChoice | undefined = values.strategy ? { name: values.strategy, ...(strategyConfig ? { config: strategyConfig } : {}) } : undefined;

  const started = performance.now();
  return runRetrievalEval({
    ...files,
    embedder,
    ...(strategy ? { strategy } : {}),
    ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
    maxQueries: int('--max-queries', values['max-queries']),
    maxDocs: int('--max-docs', values['max-docs']),
    log: (line) => process.stderr.write(`# ${((performance.now() - started) / 1000).toFixed(1)} s: ${line}\n`),
  }).then((report) => {
    process.stdout.write(`${formatReport(report)}\n`);
  });
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`eval:retrieval: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
