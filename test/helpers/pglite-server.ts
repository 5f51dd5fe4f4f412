/**
 * A real Postgres for tests: PGlite (Postgres compiled to WASM) with the pgvector extension, served over the
 * Postgres wire protocol by @electric-sql/pglite-socket on 127.0.0.1 (a free port), inside the test process.
 *
 *   const pg = await startPgliteServer();
 *   ... connect with pg.url (user postgres, database postgres) ...
 *   await pg.stop();
 *
 * pglite-socket runs one query at a time for all connections, and it interleaves the messages of an extended-
 * protocol query (Parse/Bind/Execute) from different connections, so clients must use ONE connection
 * (`pool_max: 1` for PGVectorStore); `maxConnections` is there for tests that check a second client is refused
 * or that open a short-lived admin connection.
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface PgliteServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  db: PGlite;
  stop(): Promise<void>;
}

export async function startPgliteServer(opts: { dataDir?: string; maxConnections?: number; port?: number } = {}): Promise<PgliteServer> {
  // In memory unless a directory is given; the pgvector extension is loaded but not yet created.
  const db = await PGlite.create(opts.dataDir, { extensions: { vector } });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: opts.port ?? 0, maxConnections: opts.maxConnections ?? 4 });
  try {
    await server.start();
  } catch (err) {
    await db.close();
    throw err;
  }
  const url = `postgres://postgres@${server.getServerConn()}/postgres`;
  let stopped = false;
  return {
    url,
    db,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await db.close();
    },
  };
}
