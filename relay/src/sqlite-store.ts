// SQLite EventStore: group commit and seq reservation; the rest is in modules of their own (the
// fsync pipeline in sqlite-wal-sync.ts, when to checkpoint in sqlite-checkpoint-policy.ts, the
// tables in sqlite-schema.ts, revocations, quarantine rows and call sync's records in
// sqlite-revocations.ts, sqlite-quarantine.ts and sqlite-call-states.ts, the team reports' rows in
// sqlite-report-source.ts). Appends that arrive in the same tick are written in one transaction
// (group commit), and an append resolves only once its commit is on disk, so every 200 still
// means "on disk".
//
// Events are handed to `onCommitted` (the relay forwards them to agents) once committed, while
// their fsync runs: a committed event survives the relay crashing, and should the machine lose
// power before the fsync, SnapEngage, which got no 200, delivers it again. What must not
// happen is a seq reused after a power cut (a client would skip the event that took it), so
// seqs are reserved ahead in blocks, on disk, and only seqs inside the durable reservation are
// forwarded early; a restart continues after the reservation.
import Database from 'better-sqlite3';
import { createPrivateFile } from './private-file';
import { SqliteCallStates } from './sqlite-call-states';
import { CheckpointPolicy } from './sqlite-checkpoint-policy';
import { SqliteQuarantine } from './sqlite-quarantine';
import { SqliteReportSource } from './sqlite-report-source';
import { SqliteRevocations } from './sqlite-revocations';
import { reportFields } from './board/stored-rows';
import { openSchema } from './sqlite-schema';
import { WalSync } from './sqlite-wal-sync';
import type { AppendResult, EventStore, NewEvent, NewQuarantineEntry, QuarantineEntry, StoredEvent } from './store';

/** A write waiting for the next group commit: an append, or a quarantine entry (as durable as an event). */
interface Pending<T = unknown> {
  write: (now: number) => T;
  onCommitted?: (r: T) => void;
  resolve: (r: T) => void;
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

/** A commit on its way to disk. */
interface Commit {
  batch: Pending[];
  results: unknown[];
  /** onCommitted still to call (its seqs were beyond the durable reservation at commit). */
  late: boolean;
  /** seq_reserved as of this commit */
  reserved: number;
}

/** Seqs reserved on disk at a time; the next block is reserved when half of this one is used. */
const SEQ_BLOCK = 10_000;

export class SqliteEventStore implements EventStore {
  readonly generation: string;
  readonly callStates: SqliteCallStates;
  readonly reportSource: SqliteReportSource;
  private readonly db: Database.Database;
  private queue: Pending[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly stmts;
  /**
   * BEGIN, `fn`, the seq reservation, COMMIT. Made once: better-sqlite3's transaction() builds a
   * new wrapper (and its variants) on every call, ~2% of the relay's time at 1,000 events/s.
   */
  private readonly txn: (fn: () => unknown) => unknown;
  private readonly wal: WalSync<Commit>;
  private readonly checkpoints: CheckpointPolicy;
  private readonly revocations: SqliteRevocations;
  private readonly quarantined: SqliteQuarantine;
  /** The seq the next stored event gets (explicit, not AUTOINCREMENT: see sqlite-schema.ts), as of the last commit. */
  private nextSeq: number;
  private committedNextSeq: number;
  /** Highest seq reserved in meta: written, and known to be on disk. */
  private reserved: number;
  private reservedOnDisk: number;
  private readonly reservedAtOpen: number;

  constructor(path: string, tuning: { restartFrames?: number } = {}) {
    createPrivateFile(path);
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL: a commit writes the WAL without syncing it; the WalSync fsyncs it before any append resolves.
    this.db.pragma('synchronous = NORMAL');
    // CLI `revoke` may write while `serve` runs on the same file.
    this.db.pragma('busy_timeout = 5000');
    this.generation = openSchema(this.db);
    this.wal = new WalSync(path === ':memory:' || path === '' ? undefined : `${path}-wal`, (commit, err) => {
      if (!err) this.reservedOnDisk = Math.max(this.reservedOnDisk, commit.reserved);
      settle(commit, err);
    });
    this.checkpoints = new CheckpointPolicy(
      path,
      this.db,
      () => {
        if (this.queue.length > 0) this.scheduleFlush();
      },
      tuning.restartFrames,
    );
    this.revocations = new SqliteRevocations(this.db);
    this.quarantined = new SqliteQuarantine(this.db);
    this.callStates = new SqliteCallStates(this.db, (write) => this.durably(write));
    this.reportSource = new SqliteReportSource(this.db);
    this.stmts = {
      // The r_* columns: what reports read of the event (sqlite-schema.ts), so that they parse no JSON.
      insert: this.db.prepare(
        'INSERT OR IGNORE INTO event_log (seq, agent, id, kind, at, data, stored_at, r_at, r_cid, r_created, r_closed, r_status, r_sub, r_alias, r_from, r_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
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
      ping: this.db.prepare('SELECT 1'),
    };
    this.txn = this.db.transaction((fn: () => unknown) => {
      const r = fn();
      this.reserveAhead();
      return r;
    });
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
    // Through the group commit, so the caller's 202 means on disk, as an append's 200 does.
    return this.durably(() => this.quarantined.insert(entry));
  }

  /** Runs `write` in the next group commit; resolves with its result once that commit is on disk. */
  private durably<T>(write: (now: number) => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ write, resolve, reject } satisfies Pending<T> as Pending);
      this.scheduleFlush();
    });
  }

  async listQuarantine(query: { after?: number; limit: number; ids?: readonly string[] }): Promise<QuarantineEntry[]> {
    return this.quarantined.list(query);
  }

  async updateQuarantine(id: string, reason: string, detail: string): Promise<void> {
    this.quarantined.update(id, reason, detail);
  }

  async dropQuarantine(ids: readonly string[]): Promise<number> {
    return this.quarantined.drop(ids);
  }

  async pruneQuarantine(olderThan: Date): Promise<number> {
    return this.quarantined.prune(olderThan);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private insertAll(events: NewEvent[], now: number): AppendResult[] {
    return events.map((e) => {
      const seq = this.nextSeq;
      const r = reportFields(e.kind, e.at, e.data);
      const json = e.dataJson ?? JSON.stringify(e.data);
      if (
        this.stmts.insert.run(seq, e.agent, e.id, e.kind, e.at, json, now, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]).changes ===
        1
      ) {
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
      const out = this.txn(fn) as T;
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
    // Held for a catch-up checkpoint; released, it flushes.
    if (this.checkpoints.holding && !closing) return;
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
    // Settled once on disk; one fsync serves all commits made before it started.
    if (this.wal.add({ batch, results, late, reserved: this.reserved })) this.checkpoints.afterCommit();
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
    this.revocations.revoke(jti);
  }

  async isRevoked(jti: string): Promise<boolean> {
    return this.revocations.isRevoked(jti);
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
    this.checkpoints.stop();
    this.reportSource.close();
    await this.wal.close();
    await this.checkpoints.close();
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
    // the caller's trouble; the append itself stands (EventStore.append)
  }
}

/** Resolves (or, when `err`, rejects) a commit's appends, calling onCommitted first if it waited for the disk. */
function settle(commit: Commit, err: unknown): void {
  for (const [i, p] of commit.batch.entries()) {
    const r = commit.results[i]!;
    // A failed fsync: the events are committed but maybe not on disk; the caller answers 503 so SnapEngage retries.
    if (err || r instanceof Error) return p.reject(err ?? r);
    if (commit.late) notifyCommitted(p, r);
    p.resolve(r);
  }
}
