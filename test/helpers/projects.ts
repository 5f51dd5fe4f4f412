/** Projects configured for offline tests: the `rag` template with the HashingEmbedder. */
import type { FastifyInstance } from 'fastify';

export async function createOfflineProject(app: FastifyInstance, ns: string, name: string, o: { dimension?: number; template?: string } = {}): Promise<any> {
  const created = await app.inject({ method: 'POST', url: `/v1/projects/${ns}`, payload: { name, config_template: o.template ?? 'rag' } });
  if (created.statusCode !== 200) throw new Error(`create project failed: ${created.body}`);
  const config = JSON.parse(created.body).project.config;
  for (const db of config.rag.databases) {
    db.embedding_strategies = [{ name: 'default_embeddings', type: 'HashingEmbedder', config: { dimension: o.dimension ?? 256 } }];
    db.default_embedding_strategy = 'default_embeddings';
  }
  const put = await app.inject({ method: 'PUT', url: `/v1/projects/${ns}/${name}`, payload: { config } });
  if (put.statusCode !== 200) throw new Error(`configure project failed: ${put.body}`);
  return JSON.parse(put.body).project.config;
}

export async function waitForTask(app: FastifyInstance, ns: string, p: string, id: string, ms = 60_000): Promise<any> {
  const t0 = Date.now();
  for (;;) {
    const res = await app.inject(`/v1/projects/${ns}/${p}/tasks/${id}`);
    const t = JSON.parse(res.body);
    if (t.state === 'SUCCESS' || t.state === 'FAILURE' || t.state === 'REVOKED') return t;
    if (Date.now() - t0 > ms) throw new Error(`task ${id} still ${t.state} after ${ms} ms: ${res.body.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
