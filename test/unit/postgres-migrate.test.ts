/** Postgres migrations (src/storage/postgres.ts): processes starting at once apply each step exactly once. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { migratePg, openPgMetadataDb, openPgPool } from '../../src/storage/postgres.js';
import { needPostgres, startPostgresServer, type PostgresServer } from '../helpers/postgres-server.js';

describe('migratePg', { skip: needPostgres() }, () => {
  let server: Promise<PostgresServer> | undefined;
  after(async () => {
    if (server) await (await server).stop();
  });

  test('concurrent startups apply each step once, in order; later steps are applied on the next start', async () => {
    const url = await (await (server ??= startPostgresServer())).freshSchema();
    const pools = Array.from({ length: 4 }, () => openPgPool(url, { max: 2 }));
    try {
      // Not idempotent on purpose: a step applied twice would fail (duplicate table / column).
      const steps = ['CREATE TABLE lf_mig_probe (id INT)', 'ALTER TABLE lf_mig_probe ADD COLUMN extra TEXT'];
      await Promise.all(pools.map((p) => migratePg(p, 'probe', steps.slice(0, 1))));
      await Promise.all(pools.map((p) => migratePg(p, 'probe', steps)));
      const { rows } = await pools[0].query<{ version: number }>("SELECT version FROM lf_schema_versions WHERE component = 'probe'");
      assert.deepEqual(rows, [{ version: 2 }]);
      const cols = await pools[0].query<{ column_name: string }>(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'lf_mig_probe' ORDER BY ordinal_position",
      );
      assert.deepEqual(cols.rows.map((r) => r.column_name), ['id', 'extra']);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  test('a metadata database that cannot be reached fails with the driver error', async () => {
    const db = openPgMetadataDb('postgres://postgres@127.0.0.1:1/postgres');
    try {
      await assert.rejects(migratePg(db.pool, 'probe', ['SELECT 1']), /ECONNREFUSED|connect/);
    } finally {
      await db.close();
    }
  });
});
