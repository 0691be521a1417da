// SQLite EventStore. Appends that arrive in the same tick are written in one transaction
// (group commit): with synchronous=FULL each commit is an fsync, so batching is what keeps
// throughput up under a burst of webhooks while every 200 still means "on disk".
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AppendResult, EventStore, NewEvent, StoredEvent } from './store';

interface Pending {
  events: NewEvent[];
  resolve: (r: AppendResult[]) => void;
  reject: (e: unknown) => void;
}

interface Row {
  seq: number;
  id: string;
  agent: string;
  kind: string;
  at: string;
  data: string;
}

export class SqliteEventStore implements EventStore {
  readonly generation: string;
  private readonly db: Database.Database;
  private queue: Pending[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly stmts;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    // CLI `revoke` may write while `serve` runs on the same file.
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      -- AUTOINCREMENT: seqs must never be reused after the newest rows are pruned,
      -- or a client's "after" would skip new events.
      CREATE TABLE IF NOT EXISTS events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        agent TEXT NOT NULL,
        id TEXT NOT NULL,
        kind TEXT NOT NULL,
        at TEXT NOT NULL,
        data TEXT NOT NULL,
        stored_at INTEGER NOT NULL,
        UNIQUE (agent, id)
      );
      CREATE INDEX IF NOT EXISTS events_agent_seq ON events (agent, seq);
      CREATE INDEX IF NOT EXISTS events_stored_at ON events (stored_at);
      CREATE TABLE IF NOT EXISTS revoked_tokens (jti TEXT PRIMARY KEY, revoked_at INTEGER NOT NULL);
    `);
    this.db.prepare(`INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', ?)`).run(randomBytes(12).toString('base64url'));
    this.generation = (this.db.prepare(`SELECT value FROM meta WHERE key = 'generation'`).get() as { value: string }).value;
    this.stmts = {
      insert: this.db.prepare(
        `INSERT INTO events (agent, id, kind, at, data, stored_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING seq`,
      ),
      existing: this.db.prepare(`SELECT seq FROM events WHERE agent = ? AND id = ?`),
      readAfter: this.db.prepare(`SELECT seq, id, agent, kind, at, data FROM events WHERE agent = ? AND seq > ? ORDER BY seq LIMIT ?`),
      latest: this.db.prepare(`SELECT MAX(seq) AS seq FROM events WHERE agent = ?`),
      prune: this.db.prepare(`DELETE FROM events WHERE stored_at < ?`),
      revoke: this.db.prepare(`INSERT OR IGNORE INTO revoked_tokens (jti, revoked_at) VALUES (?, ?)`),
      isRevoked: this.db.prepare(`SELECT 1 FROM revoked_tokens WHERE jti = ?`),
      ping: this.db.prepare(`SELECT 1`),
    };
  }

  append(events: NewEvent[]): Promise<AppendResult[]> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    if (events.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private insertAll(events: NewEvent[], now: number): AppendResult[] {
    return events.map((e) => {
      // Look first: a conflicting INSERT would still consume an AUTOINCREMENT value.
      const prior = this.stmts.existing.get(e.agent, e.id) as { seq: number } | undefined;
      if (prior) return { seq: prior.seq, duplicate: true };
      const row = this.stmts.insert.get(e.agent, e.id, e.kind, e.at, JSON.stringify(e.data), now) as { seq: number };
      return { seq: row.seq, duplicate: false };
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const now = Date.now();
    try {
      const results = this.db.transaction(() => batch.map((p) => this.insertAll(p.events, now)))();
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch {
      // One bad append must not fail its neighbours: retry each in its own transaction.
      for (const p of batch) {
        try {
          p.resolve(this.db.transaction(() => this.insertAll(p.events, now))());
        } catch (err) {
          p.reject(err);
        }
      }
    }
  }

  async readAfter(agent: string, after: number, limit: number): Promise<StoredEvent[]> {
    const rows = this.stmts.readAfter.all(agent, after, limit) as Row[];
    return rows.map((r) => ({ seq: r.seq, id: r.id, agent: r.agent, kind: r.kind, at: r.at, data: JSON.parse(r.data) as Record<string, unknown> }));
  }

  async latest(agent: string): Promise<number> {
    return (this.stmts.latest.get(agent) as { seq: number | null }).seq ?? 0;
  }

  async prune(olderThan: Date): Promise<number> {
    return this.stmts.prune.run(olderThan.getTime()).changes;
  }

  async revokeToken(jti: string): Promise<void> {
    this.stmts.revoke.run(jti, Date.now());
  }

  async isRevoked(jti: string): Promise<boolean> {
    return this.stmts.isRevoked.get(jti) !== undefined;
  }

  async healthy(): Promise<boolean> {
    if (this.closed) return false;
    try {
      this.stmts.ping.get();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.db.close();
  }
}
