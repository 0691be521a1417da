// The rules of server-side call sync, as pure functions of an agent's record (call-state.ts). They
// are the extension's (lib/automation/automation.ts and the sender's observe), kept on the server:
// a call pauses the agent unless they are paused already; the last of overlapping calls ending puts
// them back online only if a call paused them; any change by a person, or one SnapEngage reports
// that someone else made, ends that claim; a report older than what the relay knows, or the same
// status again, is an echo and changes nothing. Two differences, both because no person is watching:
// an agent SnapEngage reports offline is never paused by a call (its end would sign them in), and a
// pause SnapEngage reports with another reason than the call's ends the claim too.
import { retryDelay } from '@switchboard/protocol/backoff';
import type { StatusCallResult } from '@switchboard/protocol/agent-status-request';
import type { AgentStatus, SettableStatus } from '@switchboard/protocol/status';
import type { StatusChangeResult } from '@switchboard/protocol/status-change';
import type { CallAction, CallState } from './call-state';

/** Calls remembered per agent, in progress and ended each (the extension keeps 20 too). */
export const MAX_CALLS = 20;
/**
 * A change SnapEngage has not taken within this long is dropped: an `online` landing hours after a
 * call would sign in an agent who has gone home. The agent's extension is told (`dropped`).
 */
export const CALL_ACTION_GIVE_UP_MS = 60 * 60_000;

const newAction = (id: string, status: SettableStatus, substatus: string | undefined, callId: string, now: number): CallAction => ({
  id,
  status,
  ...(substatus !== undefined && { substatus }),
  callId,
  createdAt: now,
  attempts: 0,
  nextAttemptAt: now,
});

/** The status the agent has, or will have once the pending change lands. */
const effectiveStatus = (s: CallState): AgentStatus | undefined => s.action?.status ?? s.known?.status;

export function callStarted(s: CallState, callId: string, substatus: string, now: number, newId: () => string): CallState {
  if (s.calls.includes(callId) || s.ended.includes(callId)) return s; // a redelivery, or a start after its end
  const next: CallState = { ...s, calls: [...s.calls, callId].slice(-MAX_CALLS) };
  const status = effectiveStatus(s);
  // Already paused by a call, paused by someone (never overridden), or signed out.
  if (s.claim || status === 'pause' || status === 'offline') return next;
  return { ...next, claim: { callId, substatus, at: now }, action: newAction(newId(), 'pause', substatus, callId, now) };
}

export function callEnded(s: CallState, callId: string, now: number, newId: () => string): CallState {
  if (s.ended.includes(callId)) return s;
  const next: CallState = { ...s, calls: s.calls.filter((c) => c !== callId), ended: [...s.ended, callId].slice(-MAX_CALLS) };
  if (next.calls.length > 0 || !next.claim) return next;
  // A pause nobody has sent yet is simply not sent; one that may have landed is undone.
  const unsent = s.action?.status === 'pause' && s.action.attempts === 0 && !s.lease;
  return { ...next, claim: null, action: unsent ? null : newAction(newId(), 'online', undefined, callId, now) };
}

/** A person asked for a status (POST /api/status): whatever a call paused is theirs now, and a pending call change is dropped. */
export function manualChange(s: CallState): CallState {
  return s.claim || s.action ? { ...s, claim: null, action: null } : s;
}

/** SnapEngage took a person's change (POST /api/status), asked for at `at`. */
export function manualConfirmed(s: CallState, status: SettableStatus, substatus: string | undefined, at: number): CallState {
  if (s.known && s.known.at > at) return s;
  return { ...s, known: { status, ...(status === 'pause' && substatus !== undefined && { substatus }), at } };
}

/** SnapEngage reports the agent's status (its webhook), as of `at`. */
export function observed(s: CallState, status: AgentStatus, substatus: string | undefined, at: number): CallState {
  if (s.action) return s; // mid-change: the relay's own change is about to land (the sender ignores reports then too)
  if (s.known && s.known.at > at) return s; // an echo of an earlier change, arriving late
  if (s.known && s.known.status === status && s.known.substatus === substatus) return s;
  const known = { status, ...(substatus !== undefined && { substatus }), at };
  // An echo of the relay's own pause may come without its reason; only another reason is someone else's.
  const othersChange = status !== 'pause' || (substatus !== undefined && substatus !== s.claim?.substatus);
  return { ...s, known, claim: s.claim && othersChange ? null : s.claim };
}

/** Takes the agent's due action for `holder` until now + leaseMs; undefined when none is due or another holds it. */
export function lease(s: CallState, holder: string, now: number, leaseMs: number): { next: CallState; action?: CallAction } {
  if (!s.action || s.action.nextAttemptAt > now || (s.lease && s.lease.until > now)) return { next: s };
  return { next: { ...s, lease: { holder, at: now, until: now + leaseMs } }, action: s.action };
}

/** Gives a lease back without an answer (the relay is closing): the action is due again at once. */
export function release(s: CallState, holder: string): CallState {
  return s.lease?.holder === holder ? { ...s, lease: null } : s;
}

export type AttemptOutcome = StatusChangeResult | 'retry';

/** What SnapEngage's answer to an attempt at `action` means, at `now`. */
export function attemptOutcome(action: CallAction, result: StatusCallResult, now: number): AttemptOutcome {
  switch (result.kind) {
    case 'ok':
      return 'confirmed';
    case 'rejected':
    case 'invalid':
      return result.kind;
    case 'retry':
      return now - action.createdAt >= CALL_ACTION_GIVE_UP_MS ? 'dropped' : 'retry';
  }
}

/**
 * Records the answer to an attempt `holder` made at `action`. The relay's own change confirmed
 * becomes the known status, as of when it was sent; a pause that will never land ends the claim
 * (the call did not pause them); a retry waits the protocol's backoff (or SnapEngage's Retry-After).
 * An action replaced meanwhile (a newer call change, a person's) is left alone.
 */
export function settle(
  s: CallState,
  attempt: { holder: string; action: CallAction; result: StatusCallResult; now: number; random?: () => number },
): { next: CallState; outcome: AttemptOutcome; retryInMs?: number } {
  const { holder, action: a, result, now } = attempt;
  const outcome = attemptOutcome(a, result, now);
  const sentAt = s.lease?.holder === holder ? s.lease.at : now;
  const base: CallState = release(s, holder);
  const current = s.action?.id === a.id;
  const known =
    outcome === 'confirmed' && !(s.known && s.known.at > sentAt)
      ? { status: a.status, ...(a.substatus !== undefined && { substatus: a.substatus }), at: sentAt }
      : s.known;
  if (!current) return { next: { ...base, known }, outcome };
  switch (outcome) {
    case 'confirmed':
      return { next: { ...base, known, action: null }, outcome };
    case 'retry': {
      const attempts = a.attempts + 1;
      const retryAfterMs = result.kind === 'retry' ? result.retryAfterMs : undefined;
      const retryInMs = retryDelay(attempts, { retryAfterMs, random: attempt.random });
      const lastError = result.kind === 'retry' ? `${result.reason}${result.httpStatus ? ` (HTTP ${result.httpStatus})` : ''}` : undefined;
      return {
        next: { ...base, action: { ...a, attempts, nextAttemptAt: now + retryInMs, ...(lastError && { lastError }) } },
        outcome,
        retryInMs,
      };
    }
    default:
      return { next: { ...base, action: null, claim: a.status === 'pause' ? null : base.claim }, outcome };
  }
}
