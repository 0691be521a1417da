// Relay -> phone system: when a chat reaches an agent (assigned, transferred to them) or leaves
// them (closed, transferred away), POST a PhoneChatNotice to PHONE_SYSTEM_URL until it answers 2xx.
//
// Durability: the notices of a webhook are committed to a small SQLite file of their own
// (`<db>.phone-outbox`) before the webhook is answered 200, so a crash in between makes
// SnapEngage redeliver and the notice is queued then (same id: queued once). Pending notices
// survive a restart and are sent by the next relay. Delivery is at-least-once: a notice whose
// 2xx was lost is sent again with the same `id`. Per agent, notices go out in order (a failing
// notice holds back that agent's later ones, not other agents'). The event store is not touched:
// the outbox only sees events appended while it is configured, never the stored history.
import Database from 'better-sqlite3';
import { normalizeAgentId } from '@switchboard/protocol/agent-id';
import { retryDelay } from '@switchboard/protocol/backoff';
import type { PhoneChatNotice } from '@switchboard/protocol/phone';
import { contentIdOf } from './ids';
import { isObject } from './json';
import type { Logger } from './logger';
import type { RelayMetrics } from './metrics';
import { createPrivateFile } from './private-file';
import { PSEUDO_AGENT, type NewEvent } from './store';

export interface PhoneOutboxTiming {
  /** First retry delay; doubles per attempt (with jitter). Default 1 s. */
  baseDelayMs: number;
  /** Retry delay cap. Default 60 s. */
  maxDelayMs: number;
  /** A notice not acknowledged this long after it was queued is dropped (logged). Default 24 h. */
  giveUpAfterMs: number;
  /** Per-request timeout. Default 10 s. */
  requestTimeoutMs: number;
  /** Delivered / dropped notices are kept this long so a redelivered webhook is not re-sent. Default 2 days. */
  keepDoneMs: number;
}

const PHONE_OUTBOX_DEFAULTS: PhoneOutboxTiming = {
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  giveUpAfterMs: 24 * 3_600_000,
  requestTimeoutMs: 10_000,
  keepDoneMs: 2 * 86_400_000,
};

export interface PhoneOutboxOptions extends Partial<PhoneOutboxTiming> {
  /** SQLite file of the queue (see phoneOutboxPathFor). */
  path: string;
  /** PHONE_SYSTEM_URL */
  url: string;
  /** PHONE_SYSTEM_TOKEN, sent as `Authorization: Bearer …` when not empty. */
  token?: string;
  logger: Logger;
  metrics: RelayMetrics;
}

/**
 * The answer's body is not used; it is read (so the connection can be reused) up to this much, then
 * the connection is dropped: a phone system that answers with an endless body costs 64 KiB, not the relay.
 */
const PHONE_ANSWER_MAX_BYTES = 64 * 1024;

/** Reads and discards at most `cap` bytes of the body, then cancels the rest. */
async function discardBody(res: Response, cap: number): Promise<void> {
  if (!res.body) return;
  const reader = res.body.getReader();
  let seen = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) return;
    seen += value.byteLength;
    if (seen > cap) {
      await reader.cancel().catch(() => undefined);
      return;
    }
  }
}

/** Agents notified at once (each agent's notices stay in order). */
const CONCURRENCY = 8;
const HOUR_MS = 3_600_000;

/** The outbox file next to the relay database. */
export function phoneOutboxPathFor(dbPath: string): string {
  return dbPath === ':memory:' ? ':memory:' : `${dbPath}.phone-outbox`;
}

// As the adapter chose the recipients, so the transfer's two ends compare with event.agent.
const agentIdOf = (v: unknown) => (typeof v === 'string' ? normalizeAgentId(v) || undefined : undefined);

/**
 * What the phone system is told about one stored event (one recipient): `assigned` →
 * chat-started; `transferred` → chat-started for the agent it went to, chat-ended for the one
 * it left; `closed` → chat-ended. The id is stable per (event, agent, state).
 */
export function noticesFor(event: NewEvent): PhoneChatNotice[] {
  if (event.agent === PSEUDO_AGENT) return [];
  const chatId = event.data.conversationId;
  if (typeof chatId !== 'string' || !chatId) return [];
  let state: PhoneChatNotice['state'] | undefined;
  if (event.kind === 'assigned') state = 'chat-started';
  else if (event.kind === 'closed') state = 'chat-ended';
  else if (event.kind === 'transferred') {
    const transfer = isObject(event.data.transfer) ? event.data.transfer : {};
    if (agentIdOf(transfer.toAgentId) === event.agent) state = 'chat-started';
    else if (agentIdOf(transfer.fromAgentId) === event.agent) state = 'chat-ended';
  }
  if (!state) return [];
  const id = contentIdOf('n', [event.id, event.agent, state]);
  return [{ agent: event.agent, state, chatId, id, at: event.at }];
}

interface Row {
  n: number;
  id: string;
  agent: string;
  body: string;
  attempts: number;
  created_at: number;
  next_at: number;
}

interface Pending {
  notices: PhoneChatNotice[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class PhoneOutbox {
  private readonly o: PhoneOutboxOptions & PhoneOutboxTiming;
  private readonly db: Database.Database;
  private readonly stmts;
  private queue: Pending[] = [];
  private flushScheduled = false;
  private started = false;
  private closed = false;
  private pumping: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<AbortController>();

  constructor(options: PhoneOutboxOptions) {
    const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.o = { ...PHONE_OUTBOX_DEFAULTS, ...defined } as PhoneOutboxOptions & PhoneOutboxTiming;
    createPrivateFile(options.path);
    this.db = new Database(options.path);
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
    this.stmts = {
      insert: this.db.prepare(
        'INSERT OR IGNORE INTO phone_notices (id, agent, body, created_at, next_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      // The oldest pending notice of each agent: only it may be sent (per-agent order).
      heads: this.db.prepare(
        `SELECT n, id, agent, body, attempts, created_at, next_at FROM phone_notices
         WHERE n IN (SELECT MIN(n) FROM phone_notices WHERE status = 'pending' GROUP BY agent) ORDER BY n`,
      ),
      delivered: this.db.prepare(
        `UPDATE phone_notices SET status = 'delivered', attempts = attempts + 1, updated_at = ?, last_error = NULL WHERE n = ?`,
      ),
      retry: this.db.prepare('UPDATE phone_notices SET attempts = attempts + 1, next_at = ?, updated_at = ?, last_error = ? WHERE n = ?'),
      dropped: this.db.prepare(
        `UPDATE phone_notices SET status = 'dropped', attempts = attempts + 1, updated_at = ?, last_error = ? WHERE n = ?`,
      ),
      pendingCount: this.db.prepare(`SELECT COUNT(*) AS c FROM phone_notices WHERE status = 'pending'`),
      prune: this.db.prepare(`DELETE FROM phone_notices WHERE status != 'pending' AND updated_at < ?`),
    };
  }

  /** Sends what is pending (also what an earlier relay left) and whatever is queued later. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), HOUR_MS).unref();
    const pending = this.pendingCount();
    if (pending) this.o.logger.info({ pending }, 'phone outbox resuming pending notices');
    this.wake();
  }

  /**
   * Queues the notices these newly stored events call for, durably: resolves after the commit
   * (call before answering the webhook). Idempotent per notice id.
   */
  enqueue(events: readonly NewEvent[]): Promise<void> {
    const notices = events.flatMap(noticesFor);
    if (notices.length === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error('phone outbox is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ notices, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  pendingCount(): number {
    return (this.stmts.pendingCount.get() as { c: number }).c;
  }

  /** Appends that arrive in the same tick share one transaction (one fsync). */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const now = Date.now();
    try {
      this.db.transaction(() => {
        for (const p of batch) for (const n of p.notices) this.stmts.insert.run(n.id, n.agent, JSON.stringify(n), now, now, now);
      })();
      for (const p of batch) p.resolve();
    } catch (err) {
      this.o.logger.error({ err: (err as Error).message }, 'phone outbox write failed');
      for (const p of batch) p.reject(err);
      return;
    }
    this.wake();
  }

  private wake(): void {
    if (!this.started || this.closed) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pumping) {
      // The running pump reads the queue again after its current round (or right after it ends).
      this.again = true;
      return;
    }
    this.pumping = this.pump()
      .catch((err: unknown) => {
        this.o.logger.error({ err: (err as Error).message }, 'phone outbox failed; retrying');
        this.schedule(this.o.maxDelayMs);
      })
      .finally(() => {
        this.pumping = undefined;
        if (this.again) this.wake();
      });
  }

  private schedule(waitMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.wake();
    }, waitMs).unref();
  }

  private async pump(): Promise<void> {
    while (!this.closed) {
      this.again = false;
      const heads = this.stmts.heads.all() as Row[];
      const now = Date.now();
      const due = heads.filter((h) => h.next_at <= now);
      if (due.length === 0) {
        if (heads.length) this.schedule(Math.max(0, Math.min(...heads.map((h) => h.next_at)) - now));
        return;
      }
      let next = 0;
      const worker = async () => {
        while (next < due.length && !this.closed) await this.attempt(due[next++]!);
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, due.length) }, worker));
    }
  }

  private async attempt(row: Row): Promise<void> {
    const notice = JSON.parse(row.body) as PhoneChatNotice;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'switchboard-relay',
      'idempotency-key': notice.id,
    };
    if (this.o.token) headers.authorization = `Bearer ${this.o.token}`;
    const ctrl = new AbortController();
    this.inFlight.add(ctrl);
    const timeout = setTimeout(() => ctrl.abort(new Error(`no answer within ${this.o.requestTimeoutMs} ms`)), this.o.requestTimeoutMs);
    let error: string | undefined;
    try {
      const res = await fetch(this.o.url, { method: 'POST', headers, body: row.body, signal: ctrl.signal, redirect: 'manual' });
      // Inside the timeout, so a body that trickles cannot hold this agent's queue longer than that.
      await discardBody(res, PHONE_ANSWER_MAX_BYTES).catch(() => undefined);
      if (res.status < 200 || res.status > 299) error = `HTTP ${res.status}`;
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause;
      error = ctrl.signal.aborted
        ? String((ctrl.signal.reason as Error)?.message ?? 'aborted')
        : (cause?.message ?? (err as Error).message);
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(ctrl);
    }
    const now = Date.now();
    const log = { agent: notice.agent, state: notice.state, chatId: notice.chatId, noticeId: notice.id, attempts: row.attempts + 1 };
    if (error === undefined) {
      this.stmts.delivered.run(now, row.n);
      this.o.metrics.phoneNoticeDelivered();
      this.o.logger.info(log, 'phone notice delivered');
      return;
    }
    // Cut short by close(): not the phone system's fault; the next relay sends it.
    if (this.closed) return;
    if (now - row.created_at >= this.o.giveUpAfterMs) {
      this.stmts.dropped.run(now, error, row.n);
      this.o.metrics.phoneNoticeFailed('dropped');
      this.o.logger.error(
        { ...log, err: error, queuedForMs: now - row.created_at },
        'phone notice dropped: the phone system did not acknowledge it in time',
      );
      return;
    }
    const delay = retryDelay(row.attempts + 1, { baseMs: this.o.baseDelayMs, maxMs: this.o.maxDelayMs });
    this.stmts.retry.run(now + delay, now, error, row.n);
    this.o.metrics.phoneNoticeFailed('retry');
    this.o.logger.warn({ ...log, err: error, retryInMs: delay }, 'phone notice not acknowledged; will retry');
  }

  private prune(): void {
    if (this.closed) return;
    try {
      const removed = this.stmts.prune.run(Date.now() - this.o.keepDoneMs).changes;
      if (removed) this.o.logger.debug({ removed }, 'phone outbox pruned');
    } catch (err) {
      this.o.logger.error({ err: (err as Error).message }, 'phone outbox prune failed');
    }
  }

  /** Commits queued notices, cuts in-flight requests short (they stay pending), closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.pruneTimer);
    for (const c of this.inFlight) c.abort(new Error('relay shutting down'));
    await this.pumping;
    this.db.close();
  }
}
