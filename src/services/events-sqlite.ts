/** Event index in the SQLite metadata database (decision 0004, embedded): table `events`, body as JSON. */
import { migrate, type SqliteDb } from '../storage/sqlite.js';
import { summaryOf, type EventDetail, type EventListQuery, type EventStore, type EventSummaryItem } from './events.js';

export class SqliteEventStore implements EventStore {
  private readonly insert;

  constructor(private readonly db: SqliteDb) {
    migrate(db, 'events', [
      `CREATE TABLE events (
         event_id TEXT PRIMARY KEY, namespace TEXT NOT NULL, project TEXT NOT NULL, type TEXT NOT NULL,
         ts_ms INTEGER NOT NULL, status TEXT NOT NULL, body TEXT NOT NULL);
       CREATE INDEX events_by_project_time ON events(namespace, project, ts_ms DESC);
       CREATE INDEX events_by_project_type_time ON events(namespace, project, type, ts_ms DESC);`,
    ]);
    this.insert = db.prepare('INSERT OR REPLACE INTO events (event_id, namespace, project, type, ts_ms, status, body) VALUES (?, ?, ?, ?, ?, ?, ?)');
  }

  async record(detail: EventDetail, startedAtMs: number): Promise<void> {
    this.insert.run(detail.event_id, detail.namespace, detail.project, detail.type, startedAtMs, detail.status, JSON.stringify(detail));
  }

  async list(namespace: string, project: string, q: EventListQuery): Promise<{ total: number; events: EventSummaryItem[] }> {
    const where = ['namespace = ?', 'project = ?'];
    const args: unknown[] = [namespace, project];
    if (q.type) {
      where.push('type = ?');
      args.push(q.type);
    }
    if (q.startTime) {
      where.push('ts_ms >= ?');
      args.push(q.startTime.getTime());
    }
    if (q.endTime) {
      where.push('ts_ms <= ?');
      args.push(q.endTime.getTime());
    }
    const w = where.join(' AND ');
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM events WHERE ${w}`).get(...args) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT body FROM events WHERE ${w} ORDER BY ts_ms DESC, event_id DESC LIMIT ? OFFSET ?`)
      .all(...args, q.limit, q.offset) as { body: string }[];
    return { total, events: rows.map((r) => summaryOf(JSON.parse(r.body) as EventDetail)) };
  }

  async get(namespace: string, project: string, eventId: string): Promise<EventDetail | undefined> {
    const row = this.db.prepare('SELECT body FROM events WHERE event_id = ? AND namespace = ? AND project = ?').get(eventId, namespace, project) as
      | { body: string }
      | undefined;
    return row ? (JSON.parse(row.body) as EventDetail) : undefined;
  }

  async deleteProject(namespace: string, project: string): Promise<number> {
    return this.db.prepare('DELETE FROM events WHERE namespace = ? AND project = ?').run(namespace, project).changes;
  }

  /** The database is closed by its owner (the application context). */
  async close(): Promise<void> {}
}
