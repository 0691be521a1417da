// The phone outbox in a small SQLite file of its own (`<db>.phone-outbox`), for the SQLite relay:
// one process. Every write is committed with synchronous = FULL before it resolves, so a notice
// queued before a webhook's 200 survives a crash. Claims are rows too (claim, lease_until), so the
// contract holds however many connections open the file; a relay killed while sending finds its
// own claims on restart and sends those notices once their lease has run out.
import Database from 'better-sqlite3';
import type { PhoneChatNotice } from '@switchboard/protocol/phone';
import { randomBytes } from 'node:crypto';
import type { ClaimedNotice, PhoneOutboxStore } from './phone-outbox-store';
import { createPrivateFile } from './private-file';

interface Row {
  n: number;
  id: string;
  agent: string;
  body: string;
  attempts: number;
  created_at: number;
}

export class SqlitePhoneOutboxStore implements PhoneOutboxStore {
  readonly shared = false;
  private readonly db: Database.Database;
  private readonly stmts;
  /** Claims of this connection: its id and a counter. */
  private readonly owner = randomBytes(6).toString('base64url');
  private claims = 0;

  constructor(path: string) {
    createPrivateFile(path);
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS phone_notices (
        n INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        agent TEXT NOT NULL,
        body TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending', -- pending | delivered | dropped
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        next_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_error TEXT
      );
      CREATE INDEX IF NOT EXISTS phone_notices_status ON phone_notices (status, agent, n);
    `);
    // Files written before claims existed get the two columns, empty: nothing there is claimed.
    const columns = new Set((this.db.pragma('table_info(phone_notices)') as Array<{ name: string }>).map((c) => c.name));
    if (!columns.has('claim')) this.db.exec('ALTER TABLE phone_notices ADD COLUMN claim TEXT');
    if (!columns.has('lease_until')) this.db.exec('ALTER TABLE phone_notices ADD COLUMN lease_until INTEGER');
    this.stmts = {
      insert: this.db.prepare(
        'INSERT OR IGNORE INTO phone_notices (id, agent, body, created_at, next_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      // The oldest pending notice of each agent, if due and not held by a running lease.
      claimable: this.db.prepare(
        `SELECT n, id, agent, body, attempts, created_at FROM phone_notices
         WHERE n IN (SELECT MIN(n) FROM phone_notices WHERE status = 'pending' GROUP BY agent)
           AND next_at <= @now AND (lease_until IS NULL OR lease_until <= @now)
         ORDER BY MAX(next_at, COALESCE(lease_until, 0)), n LIMIT @limit`,
      ),
      setClaim: this.db.prepare('UPDATE phone_notices SET claim = ?, lease_until = ? WHERE n = ?'),
      delivered: this.db.prepare(
        `UPDATE phone_notices SET status = 'delivered', attempts = attempts + 1, updated_at = ?, last_error = NULL, claim = NULL, lease_until = NULL
         WHERE id = ? AND status = 'pending'`,
      ),
      retry: this.db.prepare(
        `UPDATE phone_notices SET attempts = attempts + 1, next_at = ?, updated_at = ?, last_error = ?, claim = NULL, lease_until = NULL
         WHERE id = ? AND status = 'pending' AND claim = ?`,
      ),
      dropped: this.db.prepare(
        `UPDATE phone_notices SET status = 'dropped', attempts = attempts + 1, updated_at = ?, last_error = ?, claim = NULL, lease_until = NULL
         WHERE id = ? AND status = 'pending' AND claim = ?`,
      ),
      release: this.db.prepare(
        `UPDATE phone_notices SET next_at = MIN(next_at, ?), claim = NULL, lease_until = NULL WHERE id = ? AND status = 'pending' AND claim = ?`,
      ),
      nextDue: this.db.prepare(
        `SELECT MIN(MAX(next_at, COALESCE(lease_until, 0))) AS t FROM phone_notices
         WHERE n IN (SELECT MIN(n) FROM phone_notices WHERE status = 'pending' GROUP BY agent)`,
      ),
      pendingCount: this.db.prepare(`SELECT COUNT(*) AS c FROM phone_notices WHERE status = 'pending'`),
      prune: this.db.prepare(`DELETE FROM phone_notices WHERE status != 'pending' AND updated_at < ?`),
    };
  }

  async add(notices: readonly PhoneChatNotice[], now: number): Promise<void> {
    this.db.transaction(() => {
      for (const n of notices) this.stmts.insert.run(n.id, n.agent, JSON.stringify(n), now, now, now);
    })();
  }

  async claim(now: number, leaseMs: number, limit: number): Promise<ClaimedNotice[]> {
    return this.db.transaction(() =>
      (this.stmts.claimable.all({ now, limit }) as Row[]).map((r) => {
        const claim = `${this.owner}.${++this.claims}`;
        const until = now + leaseMs;
        this.stmts.setClaim.run(claim, until, r.n);
        return { id: r.id, agent: r.agent, body: r.body, attempts: r.attempts, createdAt: r.created_at, claim, until };
      }),
    )();
  }

  async delivered(notice: ClaimedNotice, now: number): Promise<boolean> {
    return this.stmts.delivered.run(now, notice.id).changes === 1;
  }

  async retry(notice: ClaimedNotice, nextAt: number, error: string, now: number): Promise<boolean> {
    return this.stmts.retry.run(nextAt, now, error, notice.id, notice.claim).changes === 1;
  }

  async dropped(notice: ClaimedNotice, error: string, now: number): Promise<boolean> {
    return this.stmts.dropped.run(now, error, notice.id, notice.claim).changes === 1;
  }

  async release(notice: ClaimedNotice, now: number): Promise<boolean> {
    return this.stmts.release.run(now, notice.id, notice.claim).changes === 1;
  }

  async nextDue(): Promise<number | undefined> {
    return (this.stmts.nextDue.get() as { t: number | null }).t ?? undefined;
  }

  async pendingCount(): Promise<number> {
    return (this.stmts.pendingCount.get() as { c: number }).c;
  }

  async prune(doneBefore: number): Promise<number> {
    return this.stmts.prune.run(doneBefore).changes;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
