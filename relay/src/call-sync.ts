// Server-side call sync (PHONE_CALL_SYNC, relay mode): the relay applies the phone system's call
// events to the agent's status at SnapEngage itself, server to server, so a call pauses the agent
// even when their browser is closed, asleep or its worker stopped. The rules are the extension's
// (call-rules.ts); the state is the store's (call-state.ts), so a restart, or another relay process
// on the same Redis, carries on where this one stopped.
//
// Accept, then act: the phone route, SnapEngage's status webhook and POST /api/status only update
// the agent's record (durably, before they answer); the status change itself is made here, in the
// background, through relay mode's client (the request POST /api/status sends), leased to one
// process at a time and retried with the protocol's backoff until SnapEngage answers something
// other than `retry`. Every change made (or given up) is stored as a `status_change` event for the
// agent (protocol/src/status-change.ts), so the extension shows it and never makes it again.
import { randomUUID } from 'node:crypto';
import { AGENT_STATUS_KIND } from '@switchboard/protocol/event-kinds';
import { AgentStatusData } from '@switchboard/protocol/conversation';
import type { StatusCallResult } from '@switchboard/protocol/agent-status-request';
import type { SettableStatus } from '@switchboard/protocol/status';
import { STATUS_CHANGE_KIND, type StatusChangeData } from '@switchboard/protocol/status-change';
import {
  type AttemptOutcome,
  attemptOutcome,
  CALL_ACTION_GIVE_UP_MS,
  callEnded,
  callStarted,
  lease,
  manualChange,
  manualConfirmed,
  observed,
  release,
  settle,
} from './call-rules';
import type { CallAction, CallState, CallStateStore } from './call-state';
import { contentIdOf } from './ids';
import type { Logger } from './logger';
import type { AgentStatusClient } from './snapengage/agent-status-client';
import type { StatusCallReporter } from './snapengage/status-call-report';
import { PSEUDO_AGENT, type NewEvent } from './store';

/**
 * Agents whose change this process sends at once (each agent's changes stay in order: one lease per
 * agent). A SnapEngage that does not answer holds up one of these for the call's timeout, never the others.
 */
const CONCURRENCY = 8;
/**
 * How often the store is looked at without being woken: for changes another relay process left
 * behind (it stopped, or its lease ran out) and retries that came due. One indexed read.
 */
const POLL_MS = 2000;
/** A lease outlives the call it covers by this much, so only a holder that died loses it. */
const LEASE_MARGIN_MS = 5000;

export interface CallSyncOptions {
  states: CallStateStore;
  /** Relay mode's client, the one POST /api/status calls SnapEngage through. */
  client: AgentStatusClient;
  reporter: StatusCallReporter;
  /** Stores events for their agents and forwards them (the agent's `status_change` events). */
  publish: (events: NewEvent[]) => Promise<unknown>;
  logger: Logger;
  metrics: CallSyncMetrics;
  /** PHONE_CALL_SUBSTATUS: the pause reason while on a call. */
  substatus: string;
  /** How long one call to SnapEngage may take (default 10 s, the client's); a lease lasts this plus a margin. */
  timeoutMs?: number;
}

export class CallSync {
  /** This process, as the holder of the leases it takes. */
  readonly holder = randomUUID();
  private readonly o: CallSyncOptions;
  private readonly now = Date.now;
  private readonly leaseMs: number;
  private started = false;
  private closed = false;
  private pumping: Promise<void> | undefined;
  private again = false;
  /** Attempts under way in this process, by agent. */
  private readonly active = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private readonly inFlight = new Set<AbortController>();

  constructor(options: CallSyncOptions) {
    this.o = options;
    this.leaseMs = (options.timeoutMs ?? 10_000) + LEASE_MARGIN_MS;
  }

  /** Sends what is pending (also what an earlier relay left behind) and whatever comes later. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.kick();
  }

  /**
   * A call of the agent started or ended (POST /phone/call-events): recorded durably. Idempotent per
   * call and state. Acted on at the next kick (the route kicks once the call's event is stored, so
   * the agent's status_change always comes after it).
   */
  async call(agent: string, state: 'started' | 'ended', callId: string): Promise<void> {
    const now = this.now();
    const newId = () => randomUUID();
    await this.o.states.update(agent, (s) => ({
      next: state === 'started' ? callStarted(s, callId, this.o.substatus, now, newId) : callEnded(s, callId, now, newId),
      result: undefined,
    }));
  }

  /** Stored events, from SnapEngage's status webhook among them: the agent's status as SnapEngage reports it. */
  async observe(events: readonly NewEvent[]): Promise<void> {
    for (const e of events) {
      if (e.kind !== AGENT_STATUS_KIND || e.agent === PSEUDO_AGENT) continue;
      const data = AgentStatusData.safeParse(e.data);
      if (!data.success) continue;
      const at = Date.parse(e.at);
      const { status, substatus } = data.data;
      await this.o.states.update(e.agent, (s) => ({
        next: observed(s, status, substatus, Number.isNaN(at) ? this.now() : at),
        result: undefined,
      }));
    }
  }

  /** The agent asked for a status (POST /api/status), before it is sent: their choice wins over any call. */
  async manual(agent: string): Promise<void> {
    const dropped = await this.o.states.update(agent, (s) => ({ next: manualChange(s), result: s.claim ?? s.action }));
    if (dropped) this.o.logger.info({ agent }, 'call sync: the agent changed their status themselves; their call will not change it back');
  }

  /** SnapEngage took the agent's own change, sent at `sentAt`. */
  async manualConfirmed(agent: string, status: SettableStatus, substatus: string | undefined, sentAt: number): Promise<void> {
    await this.o.states.update(agent, (s) => ({ next: manualConfirmed(s, status, substatus, sentAt), result: undefined }));
  }

  /** Looks for due changes now (safe to call on every event). */
  kick(): void {
    if (!this.started || this.closed) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump()
      .catch((err: unknown) => {
        this.o.reporter.logThrottled(
          'call-sync-store',
          'error',
          { err: (err as Error).message },
          'call sync cannot read or write its state in the store; retrying',
        );
        this.schedule(POLL_MS);
      })
      .finally(() => {
        this.pumping = undefined;
        if (this.again) this.kick();
      });
  }

  /** Looks again in `waitMs` (at most POLL_MS), unless it is to look sooner already. */
  private schedule(waitMs: number): void {
    if (this.closed) return;
    const wait = Math.max(0, Math.min(waitMs, POLL_MS));
    const at = this.now() + wait;
    if (this.timer && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.kick(), wait).unref();
  }

  /** Starts attempts for due agents while there is room; each one that ends looks again. */
  private async pump(): Promise<void> {
    this.again = false;
    const room = CONCURRENCY - this.active.size;
    if (room <= 0) return;
    const listed = await this.o.states.due(this.now(), CONCURRENCY * 2);
    const due = listed.filter((agent) => !this.active.has(agent));
    // All being attempted here: each looks again when it ends.
    if (due.length === 0 && listed.length > 0) return;
    if (due.length === 0) {
      const next = await this.o.states.nextDueAt();
      this.schedule(next === undefined ? POLL_MS : next - this.now());
      return;
    }
    for (const agent of due.slice(0, room)) {
      const attempt = this.attempt(agent).then(
        (made) => {
          this.active.delete(agent);
          // Due but not this process's to send (another one holds it): look again later, not in a loop.
          if (made) this.kick();
          else this.schedule(POLL_MS);
        },
        (err: unknown) => {
          this.active.delete(agent);
          this.o.reporter.logThrottled(
            'call-sync-store',
            'error',
            { err: (err as Error).message },
            'call sync cannot read or write its state in the store; retrying',
          );
          this.schedule(POLL_MS);
        },
      );
      this.active.set(agent, attempt);
    }
  }

  /** One attempt at the agent's due change; false when there was none for this process to make. */
  private async attempt(agent: string): Promise<boolean> {
    const action = await this.o.states.update(agent, (s) => {
      const r = lease(s, this.holder, this.now(), this.leaseMs);
      return { next: r.next, result: r.action };
    });
    if (!action) return false;
    const ctrl = new AbortController();
    this.inFlight.add(ctrl);
    let result: StatusCallResult;
    try {
      result = await this.o.client.set(
        { agentId: agent, status: action.status, ...(action.substatus !== undefined && { substatus: action.substatus }) },
        ctrl.signal,
      );
    } finally {
      this.inFlight.delete(ctrl);
    }
    if (this.closed) {
      // Cut short by close(): the next relay (or another process) sends it, without waiting for the lease.
      await this.o.states.update(agent, (s) => ({ next: release(s, this.holder), result: undefined })).catch(() => undefined);
      return true;
    }
    const now = this.now();
    const outcome = attemptOutcome(action, result, now);
    this.o.reporter.report(result, 'the relay retries it');
    this.o.metrics.attempt(action.status, outcome);
    // Stored before the record is settled: should the relay stop in between, the change is made
    // again and its event is a duplicate (same id), not lost.
    if (outcome !== 'retry') await this.o.publish([statusChangeEvent(agent, action, outcome, result, now)]);
    const settled = await this.o.states.update(agent, (s: CallState) => {
      const r = settle(s, { holder: this.holder, action, result, now });
      return { next: r.next, result: r };
    });
    const fields = { agent, status: action.status, callId: action.callId, attempts: action.attempts + 1 };
    if (outcome === 'confirmed') this.o.logger.info(fields, 'call sync: status set at SnapEngage');
    else if (outcome === 'dropped')
      this.o.logger.error(
        { ...fields, lastError: action.lastError },
        `call sync gave up a status change SnapEngage did not take within ${CALL_ACTION_GIVE_UP_MS / 60_000} minutes`,
      );
    else if (outcome === 'retry' && this.o.logger.isLevelEnabled('debug'))
      this.o.logger.debug({ ...fields, retryInMs: settled.retryInMs }, 'call sync: status change to retry');
    return true;
  }

  /** Stops looking for changes and cuts calls in flight short (their leases are given back); the store stays open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    for (const c of this.inFlight) c.abort(new Error('relay shutting down'));
    await this.pumping;
    await Promise.all(this.active.values());
  }
}

/** The event that tells the agent's extension what the relay did: stable per change, so a repeat is a duplicate. */
function statusChangeEvent(
  agent: string,
  action: CallAction,
  outcome: Exclude<AttemptOutcome, 'retry'>,
  result: StatusCallResult,
  now: number,
): NewEvent {
  const data: StatusChangeData = {
    agent,
    status: action.status,
    ...(action.substatus !== undefined && { substatus: action.substatus }),
    source: 'phone-call',
    callId: action.callId,
    result: outcome,
    ...((result.kind === 'rejected' || result.kind === 'invalid') && { httpStatus: result.httpStatus }),
    ...(result.kind === 'invalid' && result.detail !== undefined && { detail: result.detail }),
  };
  return { id: contentIdOf('s', [agent, action.id]), agent, kind: STATUS_CHANGE_KIND, at: new Date(now).toISOString(), data };
}

/** What an attempt at a change can come to, as relay_call_sync_changes_total counts it. */
export const CALL_SYNC_OUTCOMES = ['confirmed', 'rejected', 'invalid', 'retry', 'dropped'] as const satisfies readonly AttemptOutcome[];

/** `relay_call_sync_changes_total{status, outcome}`: each attempt at a status change call sync made. */
export class CallSyncMetrics {
  private readonly counts = new Map<string, number>();

  attempt(status: SettableStatus, outcome: AttemptOutcome): void {
    const key = `status="${status}",outcome="${outcome}"`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  render(): string {
    const lines = [
      '# HELP relay_call_sync_changes_total Status changes call sync made at SnapEngage for phone calls, per attempt: confirmed, rejected (the relay token), invalid, retry (tried again later), dropped (given up).',
      '# TYPE relay_call_sync_changes_total counter',
      ...[...this.counts].map(([labels, n]) => `relay_call_sync_changes_total{${labels}} ${n}`),
    ];
    return `${lines.join('\n')}\n`;
  }
}
