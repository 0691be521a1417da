// The rules of server-side call sync (relay/src/call-rules.ts), the extension's rule kept on the
// server: pause for a call unless paused already, back online after the last call only if a call
// paused them and nobody changed their status meanwhile.
import { describe, expect, it } from 'vitest';
import {
  CALL_ACTION_GIVE_UP_MS,
  callEnded,
  callStarted,
  lease,
  manualChange,
  manualConfirmed,
  MAX_CALLS,
  observed,
  settle,
} from '../src/call-rules';
import { type CallState, EMPTY_CALL_STATE } from '../src/call-state';

const T0 = 1_764_000_000_000;
const REASON = 'On a call';
let ids = 0;
const newId = () => `a-${++ids}`;
const online: CallState = { ...EMPTY_CALL_STATE, known: { status: 'online', at: T0 - 60_000 } };

const start = (s: CallState, callId: string, at = T0) => callStarted(s, callId, REASON, at, newId);
const end = (s: CallState, callId: string, at = T0) => callEnded(s, callId, at, newId);
/** SnapEngage takes the pending change: leased, answered 2xx, settled. */
const land = (s: CallState, at = T0) => {
  const { next, action } = lease(s, 'p1', at, 15_000);
  if (!action) throw new Error('nothing to send');
  return settle(next, { holder: 'p1', action, result: { kind: 'ok' }, now: at + 50 }).next;
};

describe('calls', () => {
  it('a call pauses an online agent with the call reason; its end puts them back online', () => {
    const during = start(online, 'c1');
    expect(during.action).toMatchObject({ status: 'pause', substatus: REASON, callId: 'c1', attempts: 0, nextAttemptAt: T0 });
    expect(during.claim).toMatchObject({ callId: 'c1', substatus: REASON });
    const paused = land(during);
    expect(paused.known).toEqual({ status: 'pause', substatus: REASON, at: T0 });
    const after = end(paused, 'c1', T0 + 1000);
    expect(after.claim).toBeNull();
    expect(after.action).toMatchObject({ status: 'online', callId: 'c1', nextAttemptAt: T0 + 1000 });
    expect(after.action?.substatus).toBeUndefined();
    expect(land(after, T0 + 1000).known).toEqual({ status: 'online', at: T0 + 1000 });
  });

  it('an agent whose status the relay has not seen yet is paused too (as the extension would)', () => {
    expect(start(EMPTY_CALL_STATE, 'c1').action?.status).toBe('pause');
  });

  it('an agent paused already (by themselves) is left alone, and not put online when the call ends', () => {
    const lunch: CallState = { ...EMPTY_CALL_STATE, known: { status: 'pause', substatus: 'Lunch', at: T0 - 1 } };
    const during = start(lunch, 'c1');
    expect(during.action).toBeNull();
    expect(during.claim).toBeNull();
    expect(during.calls).toEqual(['c1']);
    expect(end(during, 'c1').action).toBeNull();
  });

  it('an agent SnapEngage reports offline is never paused by a call (its end would sign them in)', () => {
    const offline: CallState = { ...EMPTY_CALL_STATE, known: { status: 'offline', at: T0 - 1 } };
    expect(start(offline, 'c1').action).toBeNull();
    expect(end(start(offline, 'c1'), 'c1').action).toBeNull();
  });

  it('overlapping calls: online only after the last one ends, whatever the order', () => {
    let s = land(start(online, 'c1'));
    s = start(s, 'c2');
    expect(s.action).toBeNull(); // paused already, by the first call
    s = end(s, 'c1');
    expect(s.action).toBeNull();
    expect(s.claim).not.toBeNull();
    s = end(s, 'c2');
    expect(s.action?.status).toBe('online');
  });

  it('a redelivered start or end changes nothing; a start arriving after its own end is ignored', () => {
    const s = land(start(online, 'c1'));
    expect(start(s, 'c1')).toBe(s);
    const ended = end(s, 'c1');
    expect(end(ended, 'c1')).toBe(ended);
    expect(start(ended, 'c1')).toBe(ended);
    // The end came first (two relay processes, a retry): the late start does not pause.
    const early = end(online, 'c9');
    expect(early.action).toBeNull();
    expect(start(early, 'c9')).toBe(early);
  });

  it('a call that ends before its pause was ever sent sends nothing', () => {
    const s = end(start(online, 'c1'), 'c1');
    expect(s.action).toBeNull();
    expect(s.claim).toBeNull();
  });

  it('a call that ends while its pause is being sent (or was retried) is undone with online', () => {
    const { next: sending } = lease(start(online, 'c1'), 'p1', T0, 15_000);
    expect(end(sending, 'c1').action?.status).toBe('online');
  });

  it('remembers at most MAX_CALLS calls in progress and ended', () => {
    let s = online;
    for (let i = 0; i < MAX_CALLS + 5; i++) s = end(start(s, `c${i}`), `c${i}`);
    expect(s.ended).toHaveLength(MAX_CALLS);
    expect(s.ended.at(-1)).toBe(`c${MAX_CALLS + 4}`);
  });
});

describe('someone else changes the status meanwhile: their change wins', () => {
  const paused = () => land(start(online, 'c1'));

  it('the agent asks for a status (POST /api/status): the call no longer owns the pause, and its pending change is dropped', () => {
    const s = manualChange(paused());
    expect(s.claim).toBeNull();
    expect(end(s, 'c1').action).toBeNull();
    const pending = manualChange(start(online, 'c1'));
    expect(pending.action).toBeNull();
    expect(manualConfirmed(pending, 'pause', 'Lunch', T0 + 5).known).toEqual({ status: 'pause', substatus: 'Lunch', at: T0 + 5 });
  });

  it('SnapEngage reports online or offline (an admin, the Hub): the claim ends', () => {
    for (const status of ['online', 'offline'] as const) {
      const s = observed(paused(), status, undefined, T0 + 10);
      expect(s.claim, status).toBeNull();
      expect(s.known).toEqual({ status, at: T0 + 10 });
      expect(end(s, 'c1').action).toBeNull();
    }
  });

  it('SnapEngage reports a pause with another reason: the claim ends; the echo of its own pause (with or without the reason) keeps it', () => {
    expect(observed(paused(), 'pause', 'Meeting', T0 + 10).claim).toBeNull();
    expect(observed(paused(), 'pause', REASON, T0 + 10).claim).not.toBeNull();
    expect(observed(paused(), 'pause', undefined, T0 + 10).claim).not.toBeNull();
  });

  it('a report older than what the relay knows is a late echo: ignored (the online of the call before, arriving after this pause)', () => {
    const s = paused();
    expect(observed(s, 'online', undefined, T0 - 1)).toBe(s);
  });

  it('while the relay is mid-change, reports are ignored (the sender ignores them then too)', () => {
    const s = start(online, 'c1');
    expect(observed(s, 'online', undefined, T0 + 10)).toBe(s);
  });
});

describe('sending a change: lease, answer, retry', () => {
  it('one holder at a time, until its lease runs out', () => {
    const s = start(online, 'c1');
    const first = lease(s, 'p1', T0, 15_000);
    expect(first.action?.id).toBe(s.action?.id);
    expect(lease(first.next, 'p2', T0 + 14_999, 15_000).action).toBeUndefined();
    expect(lease(first.next, 'p2', T0 + 15_000, 15_000).action?.id).toBe(s.action?.id);
  });

  it("retry: the protocol's backoff, or SnapEngage's Retry-After when longer; the lease is given back", () => {
    const s = start(online, 'c1');
    const { next, action } = lease(s, 'p1', T0, 15_000);
    const r = settle(next, {
      holder: 'p1',
      action: action!,
      result: { kind: 'retry', reason: 'server', httpStatus: 503 },
      now: T0 + 10,
      random: () => 0,
    });
    expect(r.outcome).toBe('retry');
    expect(r.retryInMs).toBe(500); // retryDelay(1): half of 1 s fixed, plus none of the jitter
    expect(r.next.action).toMatchObject({ attempts: 1, nextAttemptAt: T0 + 510, lastError: 'server (HTTP 503)' });
    expect(r.next.lease).toBeNull();
    const again = lease(r.next, 'p1', T0 + 510, 15_000);
    const throttled = settle(again.next, {
      holder: 'p1',
      action: again.action!,
      result: { kind: 'retry', reason: 'throttled', httpStatus: 429, retryAfterMs: 7000 },
      now: T0 + 600,
      random: () => 0,
    });
    expect(throttled.next.action).toMatchObject({ attempts: 2, nextAttemptAt: T0 + 7600 });
  });

  it('rejected or invalid: the change is dropped, never retried; a pause that will never land ends the claim', () => {
    for (const result of [{ kind: 'rejected', httpStatus: 401 } as const, { kind: 'invalid', httpStatus: 404 } as const]) {
      const { next, action } = lease(start(online, 'c1'), 'p1', T0, 15_000);
      const r = settle(next, { holder: 'p1', action: action!, result, now: T0 + 10 });
      expect(r.outcome).toBe(result.kind);
      expect(r.next.action).toBeNull();
      expect(r.next.claim).toBeNull();
      expect(end(r.next, 'c1').action).toBeNull();
    }
  });

  it(`a change SnapEngage has not taken within ${CALL_ACTION_GIVE_UP_MS / 60_000} minutes is dropped`, () => {
    const { next, action } = lease(start(online, 'c1'), 'p1', T0 + CALL_ACTION_GIVE_UP_MS, 15_000);
    const r = settle(next, {
      holder: 'p1',
      action: action!,
      result: { kind: 'retry', reason: 'network' },
      now: T0 + CALL_ACTION_GIVE_UP_MS,
    });
    expect(r.outcome).toBe('dropped');
    expect(r.next.action).toBeNull();
    expect(r.next.claim).toBeNull();
  });

  it('an answer for a change replaced meanwhile leaves the newer one pending, and its status is still what SnapEngage now has', () => {
    const { next, action } = lease(start(online, 'c1'), 'p1', T0, 15_000);
    const replaced = end(next, 'c1', T0 + 5); // the call ended while its pause was in flight
    const r = settle(replaced, { holder: 'p1', action: action!, result: { kind: 'ok' }, now: T0 + 20 });
    expect(r.next.action).toMatchObject({ status: 'online', attempts: 0 });
    expect(r.next.lease).toBeNull();
    expect(r.next.known).toEqual({ status: 'pause', substatus: REASON, at: T0 });
  });
});
