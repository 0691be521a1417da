// SQLite EventStore. Appends that arrive in the same tick are written in one transaction
// (group commit), and an append resolves only once its commit is on disk, so every 200 still
// means "on disk". Nothing slow runs on the event loop: SQLite commits with synchronous=NORMAL
// (the WAL is written, not synced) and we fsync the WAL file ourselves on libuv's thread pool,
// one fsync covering every commit made before it started (with synchronous=FULL the ~2 ms fsync
// blocked the whole relay, websockets included, on every commit); checkpoints run on a worker
// thread (sqlite-checkpointer.ts).
//
// Events are handed to `onCommitted` (the relay forwards them to agents) once committed, while
// their fsync runs: a committed event survives the relay crashing, and should the machine lose
// power before the fsync, SnapEngage, which got no 200, delivers it again. What must not
// happen is a seq reused after a power cut (a client would skip the event that took it), so
// seqs are reserved ahead in blocks, on disk, and only seqs inside the durable reservation are
// forwarded early; a restart continues after the reservation.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { closeSync, fdatasync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { createPrivateFile } from './private-file';
import { Checkpointer } from './sqlite-checkpointer';
import type { AppendResult, EventStore, NewEvent, NewQuarantineEntry, QuarantineEntry, StoredEvent } from './store';

/** A write waiting for the next group commit: an append, or a quarantine entry (as durable as an event). */
interface Pending<T = unknown> {
  write: (now: number) => T;
  onCommitted?: (r: T) => void;
  resolve: (r: T) => void;
  reject: (e: unknown) => void;
}

interface QuarantineRow {
  n: number;
  id: string;
  endpoint: string;
  received_at: number;
  reason: string;
  detail: string;
  body: string;
}

interface Row {
  seq: number;
  id: string;
  agent: string;
  kind: string;
  at: string;
  data: string;
}

/** A commit waiting for its fsync; `n` numbers the commits. */
interface Unsynced {
  n: number;
  batch: Pending[];
  results: unknown[];
  /** onCommitted still to call (its seqs were beyond the durable reservation at commit). */
  late: boolean;
  /** seq_reserved as of this commit */
  reserved: number;
}

/** fsyncs of the WAL allowed in flight at once (see startSync). */
const MAX_FSYNCS = 2;
/**
 * An fsync starts at most this often (ms). Events reach agents at commit, so this only delays the
 * 200, and it lets one fsync cover several commits: at 1,000 events/s, fdatasync cost ~170 µs of
 * CPU per event (syscall + kernel), the largest share after the socket writes.
 */
const SYNC_GAP_MS = 4;
/** Seqs reserved on disk at a time; the next block is reserved when half of this one is used. */
const SEQ_BLOCK = 10_000;
/** A passive checkpoint starts at most this often while events arrive (ms). */
const CHECKPOINT_EVERY_MS = 100;
/**
 * WAL frames (4 KB each) after which commits are held for one short checkpoint, so that it can
 * copy the last frames and the next commit restarts the WAL from its start. Passive checkpoints
 * alone never catch a busy writer, and a WAL that only grows makes every fdatasync slower.
 */
const RESTART_FRAMES = 8192;
/** Catch-up checkpoints tried while commits are held before giving up until the next round. */
const MAX_CATCH_UPS = 5;

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
  private readonly unsynced: Unsynced[] = [];
  /** Commits made so far, and the newest one an fsync already started after. */
  private commits = 0;
  private covered = 0;
  private fsyncsInFlight = 0;
  private lastSyncAt = 0;
  private syncTimer: NodeJS.Timeout | undefined;
  private readonly drainWaiters: Array<() => void> = [];
  /** Checkpoints on a worker thread, started with the first durable commit (none for :memory:). */
  private checkpointer: Checkpointer | null | undefined;
  private checkpointing = false;
  private lastCheckpointAt = 0;
  /** Commits are held while this many catch-up checkpoints have run (0: not held). */
  private catchUps = 0;
  /** The seq the next stored event gets (explicit, not AUTOINCREMENT: see createEventLog), as of the last commit. */
  private nextSeq: number;
  private committedNextSeq: number;
  /** Highest seq reserved in meta: written, and known to be on disk. */
  private reserved: number;
  private reservedOnDisk: number;
  private readonly reservedAtOpen: number;

  constructor(
    private readonly path: string,
    private readonly tuning: { restartFrames?: number } = {},
  ) {
    createPrivateFile(path);
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL: a commit writes the WAL without syncing it; `durable` fsyncs it before any append resolves.
    this.db.pragma('synchronous = NORMAL');
    this.walPath = path === ':memory:' || path === '' ? undefined : `${path}-wal`;
    // CLI `revoke` may write while `serve` runs on the same file.
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS revoked_tokens (jti TEXT PRIMARY KEY, revoked_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS quarantine (
        n INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        endpoint TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        reason TEXT NOT NULL,
        detail TEXT NOT NULL,
        body TEXT NOT NULL
      );
    `);
    createEventLog(this.db);
    this.db.prepare(`INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', ?)`).run(randomBytes(12).toString('base64url'));
    this.generation = (this.db.prepare(`SELECT value FROM meta WHERE key = 'generation'`).get() as { value: string }).value;
    this.stmts = {
      insert: this.db.prepare('INSERT OR IGNORE INTO event_log (seq, agent, id, kind, at, data, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      existing: this.db.prepare('SELECT seq FROM event_log WHERE agent = ? AND id = ?'),
      // Both stop at the durable reservation, as forwarding does (see flush): a replay must not hand
      // out a seq that a power cut could give to another event.
      readAfter: this.db.prepare(
        'SELECT seq, id, agent, kind, at, data FROM event_log WHERE agent = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?',
      ),
      latest: this.db.prepare('SELECT MAX(seq) AS seq FROM event_log WHERE agent = ? AND seq <= ?'),
      firstFrom: this.db.prepare('SELECT seq, stored_at FROM event_log WHERE seq >= ? ORDER BY seq LIMIT 1'),
      bounds: this.db.prepare('SELECT MIN(seq) AS lo, MAX(seq) AS hi FROM event_log'),
      pruneUpTo: this.db.prepare('DELETE FROM event_log WHERE seq <= ?'),
      meta: this.db.prepare('SELECT CAST(value AS INTEGER) AS n FROM meta WHERE key = ?'),
      setMeta: this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      revoke: this.db.prepare('INSERT OR IGNORE INTO revoked_tokens (jti, revoked_at) VALUES (?, ?)'),
      isRevoked: this.db.prepare('SELECT 1 FROM revoked_tokens WHERE jti = ?'),
      ping: this.db.prepare('SELECT 1'),
      qInsert: this.db.prepare(
        'INSERT OR IGNORE INTO quarantine (id, endpoint, received_at, reason, detail, body) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      qAfter: this.db.prepare('SELECT n, id, endpoint, received_at, reason, detail, body FROM quarantine WHERE n > ? ORDER BY n LIMIT ?'),
      qByIds: this.db.prepare(
        'SELECT n, id, endpoint, received_at, reason, detail, body FROM quarantine WHERE id IN (SELECT value FROM json_each(?)) ORDER BY n',
      ),
      qUpdate: this.db.prepare('UPDATE quarantine SET reason = ?, detail = ? WHERE id = ?'),
      qDrop: this.db.prepare('DELETE FROM quarantine WHERE id IN (SELECT value FROM json_each(?))'),
      qPrune: this.db.prepare('DELETE FROM quarantine WHERE received_at < ?'),
    };
    // Never below a seq handed out before: stored, pruned away, or reserved (and maybe used) before a crash.
    const stored = (this.stmts.bounds.get() as { hi: number | null }).hi ?? 0;
    this.reserved = Math.max(stored, this.metaInt('seq_floor'), this.metaInt('seq_reserved'));
    this.reservedOnDisk = this.reserved;
    this.reservedAtOpen = this.reserved;
    this.nextSeq = this.reserved + 1;
    this.committedNextSeq = this.nextSeq;
  }

  private metaInt(key: string): number {
    return (this.stmts.meta.get(key) as { n: number } | undefined)?.n ?? 0;
  }

  append(events: NewEvent[], onCommitted?: (results: AppendResult[]) => void): Promise<AppendResult[]> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    if (events.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ write: (now) => this.insertAll(events, now), onCommitted, resolve, reject } satisfies Pending<
        AppendResult[]
      > as Pending);
      this.scheduleFlush();
    });
  }

  quarantine(entry: NewQuarantineEntry): Promise<{ duplicate: boolean }> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    // Through the group commit, so the caller's 202 means on disk, as an append's 200 does.
    return new Promise((resolve, reject) => {
      const write = () => ({
        duplicate: this.stmts.qInsert.run(entry.id, entry.endpoint, entry.receivedAt, entry.reason, entry.detail, entry.body).changes === 0,
      });
      this.queue.push({ write, resolve, reject } satisfies Pending<{ duplicate: boolean }> as Pending);
      this.scheduleFlush();
    });
  }

  async listQuarantine(query: { after?: number; limit: number; ids?: readonly string[] }): Promise<QuarantineEntry[]> {
    const rows = (
      query.ids ? this.stmts.qByIds.all(JSON.stringify(query.ids)) : this.stmts.qAfter.all(query.after ?? 0, query.limit)
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

  async updateQuarantine(id: string, reason: string, detail: string): Promise<void> {
    this.stmts.qUpdate.run(reason, detail, id);
  }

  async dropQuarantine(ids: readonly string[]): Promise<number> {
    return ids.length ? this.stmts.qDrop.run(JSON.stringify(ids)).changes : 0;
  }

  async pruneQuarantine(olderThan: Date): Promise<number> {
    return this.stmts.qPrune.run(olderThan.getTime()).changes;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private insertAll(events: NewEvent[], now: number): AppendResult[] {
    return events.map((e) => {
      const seq = this.nextSeq;
      if (this.stmts.insert.run(seq, e.agent, e.id, e.kind, e.at, e.dataJson ?? JSON.stringify(e.data), now).changes === 1) {
        this.nextSeq++;
        return { seq, duplicate: false };
      }
      // (agent, id) is already stored: a redelivery.
      return { seq: (this.stmts.existing.get(e.agent, e.id) as { seq: number }).seq, duplicate: true };
    });
  }

  /** Inside a write transaction: keeps at least half a block of seqs reserved ahead of nextSeq. */
  private reserveAhead(): void {
    if (this.nextSeq - 1 + SEQ_BLOCK / 2 <= this.reserved) return;
    this.reserved = this.nextSeq - 1 + SEQ_BLOCK;
    this.stmts.setMeta.run('seq_reserved', this.reserved);
  }

  /** Runs `fn` as one transaction; on failure restores the in-memory seq counters it advanced. */
  private commit<T>(fn: () => T): T {
    const reserved = this.reserved;
    try {
      const out = this.db.transaction(() => {
        const r = fn();
        this.reserveAhead();
        return r;
      })();
      this.committedNextSeq = this.nextSeq;
      return out;
    } catch (err) {
      this.nextSeq = this.committedNextSeq;
      this.reserved = reserved;
      throw err;
    }
  }

  private flush(closing = false): void {
    this.flushScheduled = false;
    // Held for a catch-up checkpoint; it flushes when done.
    if (this.catchUps > 0 && !closing) return;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const now = Date.now();
    let results: unknown[];
    try {
      results = this.commit(() => batch.map((p) => p.write(now)));
    } catch {
      // One bad append must not fail its neighbours: retry each in its own transaction.
      results = batch.map((p) => {
        try {
          return this.commit(() => p.write(now));
        } catch (err) {
          return err instanceof Error ? err : new Error(String(err));
        }
      });
    }
    const late = this.nextSeq - 1 > this.reservedOnDisk;
    if (!late) for (const [i, p] of batch.entries()) notifyCommitted(p, results[i]!);
    this.durable({ batch, results, late, reserved: this.reserved });
  }

  /** Settles a commit once it is on disk: one fsync serves all commits made before it started. */
  private durable(commit: Omit<Unsynced, 'n'>): void {
    if (!this.walPath) {
      this.reservedOnDisk = Math.max(this.reservedOnDisk, commit.reserved);
      return settle(commit, undefined);
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
      return settle(commit, err);
    }
    this.unsynced.push({ ...commit, n: ++this.commits });
    this.startSync();
    this.maybeCheckpoint();
  }

  private maybeCheckpoint(): void {
    if (this.closed || this.checkpointing || this.checkpointer === null) return;
    if (!this.checkpointer) {
      try {
        this.checkpointer = new Checkpointer(this.path);
      } catch {
        this.checkpointer = null; // SQLite's own autocheckpoint stays on
        return;
      }
      this.db.pragma('wal_autocheckpoint = 0');
    }
    if (this.catchUps === 0 && performance.now() - this.lastCheckpointAt < CHECKPOINT_EVERY_MS) return;
    this.checkpointing = true;
    this.checkpointer.checkpoint().then(
      ({ log, checkpointed }) => {
        this.checkpointing = false;
        this.lastCheckpointAt = performance.now();
        if (this.closed) return;
        const caughtUp = checkpointed >= log;
        if (this.catchUps > 0 && (caughtUp || this.catchUps >= MAX_CATCH_UPS)) return this.release();
        if (this.catchUps > 0 || log >= (this.tuning.restartFrames ?? RESTART_FRAMES)) {
          this.catchUps++;
          this.maybeCheckpoint();
        }
      },
      () => {
        // Without the worker, SQLite checkpoints on the writer's connection again.
        this.checkpointing = false;
        void this.checkpointer?.close();
        this.checkpointer = null;
        if (!this.closed) this.db.pragma('wal_autocheckpoint = 1000');
        this.release();
      },
    );
  }

  private release(): void {
    this.catchUps = 0;
    if (this.queue.length > 0) this.scheduleFlush();
  }

  /**
   * Pipelined fsyncs: a commit does not wait for an fsync already in flight (which started before
   * it and cannot cover it) to finish before its own starts; up to MAX_FSYNCS run at once. Each
   * fsync covers every commit made before it started, and settles them when it completes.
   */
  private startSync(): void {
    if (this.fsyncsInFlight >= MAX_FSYNCS || this.covered >= this.commits) return;
    const wait = this.lastSyncAt + SYNC_GAP_MS - performance.now();
    if (wait > 0) {
      this.syncTimer ??= setTimeout(() => {
        this.syncTimer = undefined;
        this.startSync();
      }, wait);
      return;
    }
    this.lastSyncAt = performance.now();
    this.covered = this.commits;
    const upTo = this.covered;
    this.fsyncsInFlight++;
    // fdatasync: the WAL's data and size, which is all a commit needs (what SQLite itself uses on Linux).
    fdatasync(this.walFd!, (err) => {
      this.fsyncsInFlight--;
      while (this.unsynced.length > 0 && this.unsynced[0]!.n <= upTo) {
        const commit = this.unsynced.shift()!;
        if (!err) this.reservedOnDisk = Math.max(this.reservedOnDisk, commit.reserved);
        settle(commit, err ?? undefined);
      }
      this.startSync();
      if (this.fsyncsInFlight === 0 && this.unsynced.length === 0) for (const w of this.drainWaiters.splice(0)) w();
    });
  }

  async readAfter(agent: string, after: number, limit: number): Promise<StoredEvent[]> {
    const rows = this.stmts.readAfter.all(agent, after, this.reservedOnDisk, limit) as Row[];
    return rows.map((r) => ({
      seq: r.seq,
      id: r.id,
      agent: r.agent,
      kind: r.kind,
      at: r.at,
      data: JSON.parse(r.data) as Record<string, unknown>,
    }));
  }

  async latest(agent: string): Promise<number> {
    return (this.stmts.latest.get(agent, this.reservedOnDisk) as { seq: number | null }).seq ?? 0;
  }

  /**
   * Seqs grow with the time they were stored, so old events are a prefix of the log: a binary
   * search over seq finds its end without an index on stored_at (which would cost every insert
   * one more page). Should the clock step back, a few old events wait for a later prune.
   */
  async prune(olderThan: Date): Promise<number> {
    const cutoff = olderThan.getTime();
    const { lo, hi } = this.stmts.bounds.get() as { lo: number | null; hi: number | null };
    if (lo === null || hi === null) return 0;
    const first = (from: number) => this.stmts.firstFrom.get(from) as { seq: number; stored_at: number } | undefined;
    if (first(lo)!.stored_at >= cutoff) return 0;
    // Invariant: the events up to `old` are older than the cutoff; the first at or after `young` is not.
    let old = lo;
    let young = hi + 1;
    while (young - old > 1) {
      const mid = Math.floor((old + young) / 2);
      const row = first(mid);
      if (row && row.seq < young && row.stored_at < cutoff) old = row.seq;
      else young = mid;
    }
    return this.db.transaction(() => {
      // The newest event may be among them: remember its seq, or a restart would hand it out again.
      this.stmts.setMeta.run('seq_floor', Math.max(old, this.metaInt('seq_floor')));
      return this.stmts.pruneUpTo.run(old).changes;
    })();
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
    this.flush(true);
    this.closed = true;
    if (this.fsyncsInFlight > 0 || this.unsynced.length > 0) await new Promise<void>((r) => this.drainWaiters.push(r));
    await this.checkpointer?.close();
    if (this.walFd !== undefined) closeSync(this.walFd);
    // A clean stop gives back the unused reservation, so seqs go on without a gap. Only a store
    // that appended may: `revoke` opens the file while `serve` keeps reserving.
    if (this.reserved > this.reservedAtOpen) this.stmts.setMeta.run('seq_reserved', this.committedNextSeq - 1);
    this.db.close();
  }
}

function notifyCommitted(p: Pending, result: unknown): void {
  if (result instanceof Error || !p.onCommitted) return;
  try {
    p.onCommitted(result);
  } catch {
    // the caller's trouble; the append itself stands
  }
}

/** Resolves (or, when `err`, rejects) a commit's appends, calling onCommitted first if it waited for the disk. */
function settle(commit: Omit<Unsynced, 'n'>, err: unknown): void {
  for (const [i, p] of commit.batch.entries()) {
    const r = commit.results[i]!;
    // A failed fsync: the events are committed but maybe not on disk; the caller answers 503 so SnapEngage retries.
    if (err || r instanceof Error) return p.reject(err ?? r);
    if (commit.late) notifyCommitted(p, r);
    p.resolve(r);
  }
}

/**
 * The event log's schema: the fewest pages an insert dirties, since each dirty page is 4 KB more
 * WAL to fsync before a webhook can be answered. seq is assigned by the store (AUTOINCREMENT
 * rewrote sqlite_sequence on every commit; the highest pruned seq is kept in meta instead), and
 * there is no index on stored_at (prune searches by seq). A database from before (table
 * `events`) is migrated once, keeping seqs and generation, so connected clients just resume.
 */
function createEventLog(db: Database.Database): void {
  db.transaction(() => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS event_log (
        seq INTEGER PRIMARY KEY,
        agent TEXT NOT NULL,
        id TEXT NOT NULL,
        kind TEXT NOT NULL,
        at TEXT NOT NULL,
        data TEXT NOT NULL,
        stored_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX IF NOT EXISTS event_log_agent_id ON event_log (agent, id);
      CREATE INDEX IF NOT EXISTS event_log_agent_seq ON event_log (agent, seq);
    `);
    const legacy = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'`).get();
    if (!legacy) return;
    db.exec(
      'INSERT INTO event_log (seq, agent, id, kind, at, data, stored_at) SELECT seq, agent, id, kind, at, data, stored_at FROM events',
    );
    const used = db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'events'`).get() as { seq: number } | undefined;
    db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('seq_floor', ?)`).run(used?.seq ?? 0);
    db.exec('DROP TABLE events');
  })();
}
