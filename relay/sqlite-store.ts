// SQLite EventStore. Appends that arrive in the same tick are written in one transaction
// (group commit), and an append resolves only once its commit is on disk, so every 200 still
// means "on disk". The fsync runs off the event loop: SQLite commits with synchronous=NORMAL
// (the WAL is written, not synced) and we fsync the WAL file ourselves on libuv's thread pool,
// one fsync covering every commit made before it started. With synchronous=FULL the ~2 ms
// fsync blocked the whole relay (websockets included) on every commit.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { closeSync, fdatasync, fsyncSync, mkdirSync, openSync } from 'node:fs';
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

/** fsyncs of the WAL allowed in flight at once (see startSync). */
const MAX_FSYNCS = 2;

export class SqliteEventStore implements EventStore {
  readonly generation: string;
  private readonly db: Database.Database;
  private queue: Pending[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly stmts;
  /** The WAL file we fsync after commits; opened at the first commit (undefined for :memory:). */
  private readonly walPath: string | undefined;
  private walFd: number | undefined;
  /** Committed appends not yet known to be on disk, in commit order; `n` numbers the commits. */
  private unsynced: Array<{ settle: Array<() => void>; batch: Pending[]; maxSeq: number; n: number }> = [];
  /** Commits made so far, and the newest one an fsync already started after. */
  private commits = 0;
  private covered = 0;
  private fsyncsInFlight = 0;
  private drainWaiters: Array<() => void> = [];
  /**
   * Highest seq known to be on disk. Reads stop there, so a replay can never hand out a seq
   * that a power cut could still take back (and reuse); newer events reach live sockets when
   * their fsync completes and the relay publishes them.
   */
  private durableSeq: number;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL: a commit writes the WAL without syncing it; `durable` fsyncs it before any append resolves.
    this.db.pragma('synchronous = NORMAL');
    this.walPath = path === ':memory:' || path === '' ? undefined : `${path}-wal`;
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
      readAfter: this.db.prepare(`SELECT seq, id, agent, kind, at, data FROM events WHERE agent = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`),
      latest: this.db.prepare(`SELECT MAX(seq) AS seq FROM events WHERE agent = ? AND seq <= ?`),
      prune: this.db.prepare(`DELETE FROM events WHERE stored_at < ?`),
      revoke: this.db.prepare(`INSERT OR IGNORE INTO revoked_tokens (jti, revoked_at) VALUES (?, ?)`),
      isRevoked: this.db.prepare(`SELECT 1 FROM revoked_tokens WHERE jti = ?`),
      ping: this.db.prepare(`SELECT 1`),
    };
    // What a previous run left is on disk (or was recovered from it): all of it is durable.
    this.durableSeq = (this.db.prepare(`SELECT MAX(seq) AS seq FROM events`).get() as { seq: number | null }).seq ?? 0;
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
    const settle: Array<() => void> = [];
    let maxSeq = 0;
    const seen = (results: AppendResult[]) => results.forEach((r) => (maxSeq = Math.max(maxSeq, r.seq)));
    try {
      const results = this.db.transaction(() => batch.map((p) => this.insertAll(p.events, now)))();
      results.forEach(seen);
      batch.forEach((p, i) => settle.push(() => p.resolve(results[i]!)));
    } catch {
      // One bad append must not fail its neighbours: retry each in its own transaction.
      for (const p of batch) {
        try {
          const r = this.db.transaction(() => this.insertAll(p.events, now))();
          seen(r);
          settle.push(() => p.resolve(r));
        } catch (err) {
          settle.push(() => p.reject(err));
        }
      }
    }
    this.durable(settle, batch, maxSeq);
  }

  /** Runs `settle` once everything committed so far is on disk: one fsync serves all commits made before it started. */
  private durable(settle: Array<() => void>, batch: Pending[], maxSeq: number): void {
    if (!this.walPath) {
      this.durableSeq = Math.max(this.durableSeq, maxSeq);
      return settle.forEach((s) => s());
    }
    try {
      if (this.walFd === undefined) {
        this.walFd = openSync(this.walPath, 'r+');
        // The WAL's directory entry must survive a power cut too (once, when it is first opened).
        const dirFd = openSync(dirname(this.walPath), 'r');
        try {
          fsyncSync(dirFd);
        } finally {
          closeSync(dirFd);
        }
      }
    } catch (err) {
      return batch.forEach((p) => p.reject(err));
    }
    this.unsynced.push({ settle, batch, maxSeq, n: ++this.commits });
    this.startSync();
  }

  /**
   * Pipelined fsyncs: a commit does not wait for an fsync already in flight (which started before
   * it and cannot cover it) to finish before its own starts; up to MAX_FSYNCS run at once. Each
   * fsync covers every commit made before it started, and settles them when it completes.
   */
  private startSync(): void {
    if (this.fsyncsInFlight >= MAX_FSYNCS || this.covered >= this.commits) return;
    const upTo = (this.covered = this.commits);
    this.fsyncsInFlight++;
    // fdatasync: the WAL's data and size, which is all a commit needs (what SQLite itself uses on Linux).
    fdatasync(this.walFd!, (err) => {
      this.fsyncsInFlight--;
      while (this.unsynced.length > 0 && this.unsynced[0]!.n <= upTo) {
        const { settle, batch, maxSeq } = this.unsynced.shift()!;
        // A failed fsync: the events are committed but maybe not on disk; answer 503 so SnapEngage retries.
        if (!err) {
          this.durableSeq = Math.max(this.durableSeq, maxSeq);
          settle.forEach((s) => s());
        } else batch.forEach((p) => p.reject(err));
      }
      this.startSync();
      if (this.fsyncsInFlight === 0 && this.unsynced.length === 0) this.drainWaiters.splice(0).forEach((w) => w());
    });
  }

  async readAfter(agent: string, after: number, limit: number): Promise<StoredEvent[]> {
    const rows = this.stmts.readAfter.all(agent, after, this.durableSeq, limit) as Row[];
    return rows.map((r) => ({ seq: r.seq, id: r.id, agent: r.agent, kind: r.kind, at: r.at, data: JSON.parse(r.data) as Record<string, unknown> }));
  }

  async latest(agent: string): Promise<number> {
    return (this.stmts.latest.get(agent, this.durableSeq) as { seq: number | null }).seq ?? 0;
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
    if (this.fsyncsInFlight > 0 || this.unsynced.length > 0) await new Promise<void>((r) => this.drainWaiters.push(r));
    if (this.walFd !== undefined) closeSync(this.walFd);
    this.db.close();
  }
}
