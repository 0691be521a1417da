// The quarantine's rows in the SQLite store's database. Entries are written through the store's
// group commit (as durable as an event, see SqliteEventStore.quarantine); read and removed here.
import type Database from 'better-sqlite3';
import type { NewQuarantineEntry, QuarantineEntry } from './store';

interface QuarantineRow {
  n: number;
  id: string;
  endpoint: string;
  received_at: number;
  reason: string;
  detail: string;
  body: string;
}

export class SqliteQuarantine {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      insert: db.prepare('INSERT OR IGNORE INTO quarantine (id, endpoint, received_at, reason, detail, body) VALUES (?, ?, ?, ?, ?, ?)'),
      after: db.prepare('SELECT n, id, endpoint, received_at, reason, detail, body FROM quarantine WHERE n > ? ORDER BY n LIMIT ?'),
      byIds: db.prepare(
        'SELECT n, id, endpoint, received_at, reason, detail, body FROM quarantine WHERE id IN (SELECT value FROM json_each(?)) ORDER BY n',
      ),
      update: db.prepare('UPDATE quarantine SET reason = ?, detail = ? WHERE id = ?'),
      drop: db.prepare('DELETE FROM quarantine WHERE id IN (SELECT value FROM json_each(?))'),
      prune: db.prepare('DELETE FROM quarantine WHERE received_at < ?'),
    };
  }

  /** Inside the caller's transaction; an id already stored is a duplicate, kept as it was. */
  insert(entry: NewQuarantineEntry): { duplicate: boolean } {
    const { id, endpoint, receivedAt, reason, detail, body } = entry;
    return { duplicate: this.stmts.insert.run(id, endpoint, receivedAt, reason, detail, body).changes === 0 };
  }

  list(query: { after?: number; limit: number; ids?: readonly string[] }): QuarantineEntry[] {
    const rows = (
      query.ids ? this.stmts.byIds.all(JSON.stringify(query.ids)) : this.stmts.after.all(query.after ?? 0, query.limit)
    ) as QuarantineRow[];
    return rows.map((r) => ({
      n: r.n,
      id: r.id,
      endpoint: r.endpoint,
      receivedAt: r.received_at,
      reason: r.reason,
      detail: r.detail,
      body: r.body,
    }));
  }

  update(id: string, reason: string, detail: string): void {
    this.stmts.update.run(reason, detail, id);
  }

  drop(ids: readonly string[]): number {
    return ids.length ? this.stmts.drop.run(JSON.stringify(ids)).changes : 0;
  }

  prune(olderThan: Date): number {
    return this.stmts.prune.run(olderThan.getTime()).changes;
  }
}
