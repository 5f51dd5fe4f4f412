/**
 * Event index in Postgres (`LF_METADATA_URL`), shared by API replicas: table `lf_events` with the same columns
 * and indexes as the SQLite one; ids compare bytewise (`COLLATE "C"`), so lists come in the same order.
 */
import { migratePg, type PgMetadataDb } from '../storage/postgres.js';
import { summaryOf, type EventDetail, type EventListQuery, type EventStore, type EventSummaryItem } from './events.js';

const MIGRATIONS = [
  `CREATE TABLE lf_events (
     event_id TEXT COLLATE "C" PRIMARY KEY, namespace TEXT NOT NULL, project TEXT NOT NULL, type TEXT NOT NULL,
     ts_ms BIGINT NOT NULL, status TEXT NOT NULL, body TEXT NOT NULL);
   CREATE INDEX lf_events_by_project_time ON lf_events (namespace, project, ts_ms DESC);
   CREATE INDEX lf_events_by_project_type_time ON lf_events (namespace, project, type, ts_ms DESC);`,
];

export class PgEventStore implements EventStore {
  private constructor(private readonly db: PgMetadataDb) {}

  static async open(db: PgMetadataDb): Promise<PgEventStore> {
    await migratePg(db.pool, 'events', MIGRATIONS);
    return new PgEventStore(db);
  }

  async record(detail: EventDetail, startedAtMs: number): Promise<void> {
    await this.db.pool.query(
      `INSERT INTO lf_events (event_id, namespace, project, type, ts_ms, status, body) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (event_id) DO UPDATE SET namespace = excluded.namespace, project = excluded.project, type = excluded.type,
         ts_ms = excluded.ts_ms, status = excluded.status, body = excluded.body`,
      [detail.event_id, detail.namespace, detail.project, detail.type, startedAtMs, detail.status, JSON.stringify(detail)],
    );
  }

  async list(namespace: string, project: string, q: EventListQuery): Promise<{ total: number; events: EventSummaryItem[] }> {
    const args: unknown[] = [namespace, project];
    const where = ['namespace = $1', 'project = $2'];
    const add = (sql: string, value: unknown) => {
      args.push(value);
      where.push(`${sql} $${args.length}`);
    };
    if (q.type) add('type =', q.type);
    if (q.startTime) add('ts_ms >=', q.startTime.getTime());
    if (q.endTime) add('ts_ms <=', q.endTime.getTime());
    const w = where.join(' AND ');
    const count = await this.db.pool.query<{ n: string }>(`SELECT COUNT(*) AS n FROM lf_events WHERE ${w}`, args);
    const page = await this.db.pool.query<{ body: string }>(
      `SELECT body FROM lf_events WHERE ${w} ORDER BY ts_ms DESC, event_id DESC LIMIT $${args.length + 1} OFFSET $${args.length + 2}`,
      [...args, q.limit, q.offset],
    );
    return { total: Number(count.rows[0].n), events: page.rows.map((r) => summaryOf(JSON.parse(r.body) as EventDetail)) };
  }

  async get(namespace: string, project: string, eventId: string): Promise<EventDetail | undefined> {
    const { rows } = await this.db.pool.query<{ body: string }>('SELECT body FROM lf_events WHERE event_id = $1 AND namespace = $2 AND project = $3', [
      eventId,
      namespace,
      project,
    ]);
    return rows[0] ? (JSON.parse(rows[0].body) as EventDetail) : undefined;
  }

  async deleteProject(namespace: string, project: string): Promise<number> {
    return (await this.db.pool.query('DELETE FROM lf_events WHERE namespace = $1 AND project = $2', [namespace, project])).rowCount ?? 0;
  }

  /** The database is closed by its owner (the metadata wiring). */
  async close(): Promise<void> {}
}
