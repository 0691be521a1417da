// What the relay remembers per agent for server-side call sync (PHONE_CALL_SYNC, call-sync.ts):
// the calls in progress, whether the relay paused the agent for them, the agent's status as last
// seen, and the status change still to make at SnapEngage. It lives in the store, as one record per
// agent (SQLite: table call_states; Redis: key calls:<agent>), so it holds across restarts and
// across the relay processes sharing one Redis. What every store promises is CallStateStore
// (relay/test/call-state-contract.ts runs the same suite on each); the rules that change a
// record are call-rules.ts, shared by both.
import * as z from 'zod/mini';
import { AGENT_STATUSES, SETTABLE_STATUSES } from '@switchboard/protocol/status';

const epochMs = z.number();

/** A status change the relay still has to make at SnapEngage, retried until it gets an answer. */
export const CallAction = z.object({
  id: z.string(),
  status: z.enum(SETTABLE_STATUSES),
  substatus: z.optional(z.string()),
  /** The call whose start or end asked for it. */
  callId: z.string(),
  createdAt: epochMs,
  /** Attempts that got no answer worth keeping (retry); the next waits for nextAttemptAt. */
  attempts: z.int(),
  nextAttemptAt: epochMs,
  lastError: z.optional(z.string()),
});
export type CallAction = z.infer<typeof CallAction>;

export const CallState = z.object({
  /** Calls in progress (several may overlap): back online only once all have ended. */
  calls: z.array(z.string()),
  /** Calls that ended lately: a `started` redelivered (or arriving late) for one of them is ignored. */
  ended: z.array(z.string()),
  /** The relay paused the agent for a call. null: any pause in effect is someone else's, never undone by the relay. */
  claim: z.nullable(z.object({ callId: z.string(), substatus: z.string(), at: epochMs })),
  /** The agent's status as the relay last saw it (its own changes, POST /api/status, SnapEngage's webhook), and when. */
  known: z.nullable(z.object({ status: z.enum(AGENT_STATUSES), substatus: z.optional(z.string()), at: epochMs })),
  action: z.nullable(CallAction),
  /** A relay process is calling SnapEngage for this agent (one at a time, so changes land in order). */
  lease: z.nullable(z.object({ holder: z.string(), at: epochMs, until: epochMs })),
});
export type CallState = z.infer<typeof CallState>;

export const EMPTY_CALL_STATE: CallState = { calls: [], ended: [], claim: null, known: null, action: null, lease: null };

/** A stored record as a CallState; one that does not parse (written by a newer relay, or damaged) reads as empty. */
export function readCallState(text: string | null | undefined): CallState {
  if (!text) return EMPTY_CALL_STATE;
  try {
    const parsed = CallState.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : EMPTY_CALL_STATE;
  } catch {
    return EMPTY_CALL_STATE;
  }
}

/** When a relay process should next look at this agent: its action's next attempt, not before a lease runs out. */
export function dueAt(state: CallState): number | undefined {
  if (!state.action) return undefined;
  return Math.max(state.action.nextAttemptAt, state.lease?.until ?? 0);
}

export interface CallStateStore {
  /** The agent's record; EMPTY_CALL_STATE when there is none. */
  get(agent: string): Promise<CallState>;
  /**
   * Replaces the agent's record with `change(current)`'s `next`, atomically against every other
   * update (in any relay process sharing the store), and resolves with its `result` once the record
   * is as durable as an appended event. `change` must be pure: it runs again when another update
   * got there first.
   */
  update<T>(agent: string, change: (current: CallState) => { next: CallState; result: T }): Promise<T>;
  /** Agents whose record is due (dueAt) at `now`, earliest first, at most `limit`. */
  due(now: number, limit: number): Promise<string[]>;
  /** The earliest dueAt of any agent, undefined when no action is pending. */
  nextDueAt(): Promise<number | undefined>;
  /**
   * Deletes the records of agents not updated since `olderThan` that have no change pending (the
   * events' retention: a call whose end never came is forgotten too); resolves to how many.
   */
  prune(olderThan: Date): Promise<number>;
}
