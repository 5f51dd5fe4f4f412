/** Runs the vector store conformance suite against every store this build provides. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createStore } from '../../src/adapters/stores/registry.js';
import { startPgliteServer, type PgliteServer } from '../helpers/pglite-server.js';
import { storeConformance } from './stores.js';

const lanceRoot = mkdtempSync(join(tmpdir(), 'lf-lancedb-conformance-'));
storeConformance(
  'LanceDBStore',
  ({ name }) => createStore('LanceDBStore', { dir: join(lanceRoot, name), database: name, config: {} }),
  async () => rmSync(lanceRoot, { recursive: true, force: true }),
);

// Postgres + pgvector: PGlite served over the wire protocol in this process. pglite-socket runs one query at a
// time and cannot keep the messages of concurrent extended-protocol queries apart, hence one connection.
let pglite: Promise<PgliteServer> | undefined;
storeConformance(
  'PGVectorStore (PGlite + pgvector over pglite-socket)',
  async ({ name }) => {
    const server = await (pglite ??= startPgliteServer());
    return createStore('PGVectorStore', { dir: `/conformance/${name}`, database: name, config: { connection_string: server.url, pool_max: 1 } });
  },
  async () => {
    if (pglite) await (await pglite).stop();
  },
);

// Chroma: a real Chroma server (CI starts one with scripts/ci-chroma.sh and exports CHROMA_URL).
const chromaUrl = process.env.CHROMA_URL;
if (chromaUrl) {
  const url = new URL(chromaUrl);
  const server = { host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)), ssl: url.protocol === 'https:' };
  const prefix = `lfconf${process.pid}`;
  storeConformance(
    `ChromaStore (${chromaUrl})`,
    ({ name }) => createStore('ChromaStore', { dir: `/conformance/${name}`, database: name, config: { ...server, collection_name: `${prefix}_${name}` } }),
    async () => {
      // Remove this run's collections from the (shared, persistent) server.
      const { ChromaClient } = await import('chromadb');
      const client = new ChromaClient(server);
      for (const c of await client.listCollections({ limit: 1000 })) {
        if (c.name.startsWith(prefix)) await client.deleteCollection({ name: c.name });
      }
    },
  );
} else {
  describe('VectorStore conformance: ChromaStore', () => {
    test('needs a Chroma server', (t) => t.skip('CHROMA_URL is not set: start one with `eval "$(scripts/ci-chroma.sh)"` to run the ChromaStore suite'));
  });
}
