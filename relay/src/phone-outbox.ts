// Relay -> phone system: when a chat reaches an agent (assigned, transferred to them) or leaves
// them (closed, transferred away), POST a PhoneChatNotice to PHONE_SYSTEM_URL until it answers 2xx.
//
// Durability: the notices of a webhook are stored (phone-outbox-store.ts: a SQLite file of their
// own, `<db>.phone-outbox`, or the Redis the events live in) before the webhook is answered 200,
// so a crash in between makes SnapEngage redeliver and the notice is queued then (same id: queued
// once). Pending notices survive a restart and are sent by the next relay, or, with Redis, by any
// relay process: each sends only what it has claimed, and what a process claimed and never
// finished (it died) another sends once the claim's lease has run out. Delivery is at-least-once:
// a notice whose 2xx was lost is sent again with the same `id`. Per agent, notices go out in order
// (a failing notice holds back that agent's later ones, not other agents'). The event store is not
// touched: the outbox only sees events appended while it is configured, never the stored history.
import { normalizeAgentId } from '@switchboard/protocol/agent-id';
import { retryDelay } from '@switchboard/protocol/backoff';
import type { PhoneChatNotice } from '@switchboard/protocol/phone';
import { contentIdOf } from './ids';
import { isObject } from './json';
import type { Logger } from './logger';
import type { RelayMetrics } from './metrics';
import type { ClaimedNotice, PhoneOutboxStore } from './phone-outbox-store';
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
  /**
   * How long a claim holds a notice for the process sending it; another process may send it after
   * that (its sender died). Longer than requestTimeoutMs, so a request is over before its lease
   * is. Default requestTimeoutMs + 5 s.
   */
  leaseMs: number;
  /** With a shared store (Redis): how often to look for notices other processes left due. Default 5 s. */
  pollMs: number;
}

/** leaseMs follows requestTimeoutMs unless given (see the constructor). */
const PHONE_OUTBOX_DEFAULTS: Omit<PhoneOutboxTiming, 'leaseMs'> = {
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  giveUpAfterMs: 24 * 3_600_000,
  requestTimeoutMs: 10_000,
  keepDoneMs: 2 * 86_400_000,
  pollMs: 5000,
};

/** A request ends this long before its claim's lease at the latest: the other processes' clocks may be a little ahead. */
const LEASE_MARGIN_MS = 2000;

export interface PhoneOutboxOptions extends Partial<PhoneOutboxTiming> {
  /** Where the notices are kept; closed with the outbox. */
  store: PhoneOutboxStore;
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

interface Pending {
  notices: PhoneChatNotice[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class PhoneOutbox {
  private readonly o: PhoneOutboxOptions & PhoneOutboxTiming;
  private readonly store: PhoneOutboxStore;
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
    const requestTimeoutMs = options.requestTimeoutMs ?? PHONE_OUTBOX_DEFAULTS.requestTimeoutMs;
    this.o = {
      ...PHONE_OUTBOX_DEFAULTS,
      leaseMs: requestTimeoutMs + 5000,
      ...defined,
    } as PhoneOutboxOptions & PhoneOutboxTiming;
    if (this.o.leaseMs <= requestTimeoutMs + LEASE_MARGIN_MS)
      throw new Error(`phone outbox: leaseMs (${this.o.leaseMs}) must be longer than requestTimeoutMs + ${LEASE_MARGIN_MS} ms`);
    this.store = options.store;
  }

  /** Sends what is pending (also what an earlier relay, or another process, left) and whatever is queued later. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.prune();
    this.pruneTimer = setInterval(() => void this.prune(), HOUR_MS).unref();
    this.store.pendingCount().then(
      (pending) => {
        if (pending) this.o.logger.info({ pending }, 'phone outbox resuming pending notices');
      },
      () => undefined,
    );
    this.wake();
  }

  /**
   * Queues the notices these newly stored events call for, durably: resolves once they are stored
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
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Appends that arrive in the same tick share one write (one fsync). */
  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    try {
      await this.store.add(
        batch.flatMap((p) => p.notices),
        Date.now(),
      );
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
      // The running pump looks again after its current round (or right after it ends).
      this.again = true;
      return;
    }
    this.pumping = this.pump()
      .catch((err: unknown) => {
        this.o.logger.error({ err: (err as Error).message }, 'phone outbox failed; retrying');
        this.schedule(Math.min(this.o.maxDelayMs, this.o.pollMs));
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
      const claimed = await this.store.claim(Date.now(), this.o.leaseMs, CONCURRENCY);
      if (claimed.length === 0) {
        if (this.closed) return;
        const due = await this.store.nextDue();
        // A shared store changes without telling this process: look again within pollMs whatever it holds now.
        const wait = due === undefined ? undefined : Math.max(0, due - Date.now());
        const next = this.store.shared ? Math.min(wait ?? this.o.pollMs, this.o.pollMs) : wait;
        if (next !== undefined) this.schedule(next);
        return;
      }
      await Promise.all(claimed.map((n) => this.attempt(n)));
    }
  }

  private async attempt(claimed: ClaimedNotice): Promise<void> {
    const notice = JSON.parse(claimed.body) as PhoneChatNotice;
    // Over before the lease is, so no other process sends it while this request may still arrive.
    const timeoutMs = Math.min(this.o.requestTimeoutMs, claimed.until - LEASE_MARGIN_MS - Date.now());
    if (this.closed || timeoutMs <= 0) {
      await this.store.release(claimed, Date.now());
      return;
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'switchboard-relay',
      'idempotency-key': notice.id,
    };
    if (this.o.token) headers.authorization = `Bearer ${this.o.token}`;
    const ctrl = new AbortController();
    this.inFlight.add(ctrl);
    const timeout = setTimeout(() => ctrl.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    let error: string | undefined;
    try {
      const res = await fetch(this.o.url, { method: 'POST', headers, body: claimed.body, signal: ctrl.signal, redirect: 'manual' });
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
    const log = { agent: notice.agent, state: notice.state, chatId: notice.chatId, noticeId: notice.id, attempts: claimed.attempts + 1 };
    if (error === undefined) {
      await this.store.delivered(claimed, now);
      this.o.metrics.phoneNoticeDelivered();
      this.o.logger.info(log, 'phone notice delivered');
      return;
    }
    // Cut short by close(): not the phone system's fault; handed back for the next relay (or another process) to send.
    if (this.closed) {
      await this.store.release(claimed, now);
      return;
    }
    if (now - claimed.createdAt >= this.o.giveUpAfterMs) {
      if (!(await this.store.dropped(claimed, error, now))) return;
      this.o.metrics.phoneNoticeFailed('dropped');
      this.o.logger.error(
        { ...log, err: error, queuedForMs: now - claimed.createdAt },
        'phone notice dropped: the phone system did not acknowledge it in time',
      );
      return;
    }
    const delay = retryDelay(claimed.attempts + 1, { baseMs: this.o.baseDelayMs, maxMs: this.o.maxDelayMs });
    if (!(await this.store.retry(claimed, now + delay, error, now))) return;
    this.o.metrics.phoneNoticeFailed('retry');
    this.o.logger.warn({ ...log, err: error, retryInMs: delay }, 'phone notice not acknowledged; will retry');
  }

  private async prune(): Promise<void> {
    if (this.closed) return;
    try {
      const removed = await this.store.prune(Date.now() - this.o.keepDoneMs);
      if (removed) this.o.logger.debug({ removed }, 'phone outbox pruned');
    } catch (err) {
      this.o.logger.error({ err: (err as Error).message }, 'phone outbox prune failed');
    }
  }

  /** Stores queued notices, cuts in-flight requests short (they stay pending, handed back), closes the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.pruneTimer);
    for (const c of this.inFlight) c.abort(new Error('relay shutting down'));
    await this.pumping;
    await this.store.close();
  }
}
