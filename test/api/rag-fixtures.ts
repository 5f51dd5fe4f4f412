/** Shared by the RAG API tests: real documents from ../shared, uploaded and processed through the API. */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { multipart } from '../helpers/multipart.js';
import { waitForTask } from '../helpers/projects.js';
import { needShared, sharedPath } from '../helpers/shared.js';

const corpus = (...parts: string[]) => ['corpora', 'llamafarm', ...parts];

export const DOCS = {
  knowledgeBase: corpus('demos', 'static_samples', 'customer_support', 'knowledge_base.txt'),
  aiOverview: corpus('samples', 'documents', 'ai_overview.txt'),
  mlGuide: corpus('samples', 'documents', 'machine_learning_guide.md'),
  transformer: corpus('demos', 'static_samples', 'research_papers', 'transformer_architecture.txt'),
  llamas: corpus('samples', 'pdfs', 'Llamas-Alpacas-Rutgers-University.pdf'),
};

/** A skip reason when ../shared is missing, else false. */
export const SKIP = Object.values(DOCS).map((d) => needShared(...d)).find(Boolean) || false;

/** Creates the dataset (if needed), uploads the files and processes them; returns the finished task. */
export async function ingest(app: FastifyInstance, ns: string, p: string, dataset: string, database: string, files: string[][]): Promise<any> {
  const P = `/v1/projects/${ns}/${p}`;
  const created = await app.inject({ method: 'POST', url: `${P}/datasets`, payload: { name: dataset, data_processing_strategy: 'universal_processor', database } });
  if (created.statusCode !== 200 && created.statusCode !== 409) throw new Error(`dataset create failed: ${created.body}`);
  for (const f of files) {
    const { payload, headers } = multipart([{ filename: basename(f.at(-1)!), content: await readFile(sharedPath(...f)) }]);
    const up = await app.inject({ method: 'POST', url: `${P}/datasets/${dataset}/data`, payload, headers });
    if (up.statusCode !== 200) throw new Error(`upload failed: ${up.body}`);
  }
  const res = await app.inject({ method: 'POST', url: `${P}/datasets/${dataset}/actions`, payload: { action_type: 'process' } });
  const task = await waitForTask(app, ns, p, JSON.parse(res.body).task_id, 120_000);
  if (task.state !== 'SUCCESS' || task.result.failed_files) throw new Error(`processing failed: ${JSON.stringify(task).slice(0, 800)}`);
  return task;
}

/** A LanceDB database using the HashingEmbedder, for POST .../rag/databases. */
export function hashingDatabase(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    type: 'LanceDBStore',
    embedding_strategies: [{ name: 'hashing', type: 'HashingEmbedder', config: { dimension: 256 } }],
    retrieval_strategies: [{ name: 'basic_search', type: 'BasicSimilarityStrategy', config: {}, default: true }],
    ...extra,
  };
}
