// The agent's status as the extension knows it. Lives in storage.local so that a pending
// change survives the browser stopping the worker (or the browser itself).
import { AGENT_STATUSES, SETTABLE_STATUSES } from '@switchboard/protocol/status';
import * as z from 'zod/mini';
import { EMPTY_STATUS } from './view';

export const StatusValue = z.enum(AGENT_STATUSES);
export type StatusValue = z.infer<typeof StatusValue>;
export const SettableStatus = z.enum(SETTABLE_STATUSES);

export const StatusSource = z.enum(['popup', 'shortcut', 'snapengage', 'phone', 'idle', 'next-status', 'options', 'notification']);

export type StatusSource = z.infer<typeof StatusSource>;

const Target = z.object({ status: SettableStatus, substatus: z.optional(z.string()) });

export const Confirmed = z.object({
  status: StatusValue,
  substatus: z.optional(z.string()),
  since: z.number(),
  source: StatusSource,
});
export type Confirmed = z.infer<typeof Confirmed>;

/** A change the agent asked for that SnapEngage has not confirmed yet. Only the newest is kept. */
export const Intent = z.object({
  ...Target.shape,
  id: z.string(),
  source: StatusSource,
  createdAt: z.number(),
  attempts: z.number(),
  nextAttemptAt: z.number(),
  /** Why the last attempt did not land, in words for the agent. */
  lastError: z.optional(z.string()),
});
export type Intent = z.infer<typeof Intent>;

const Failure = z.object({
  ...Target.shape,
  code: z.enum(['token-rejected', 'invalid', 'setup']),
  message: z.string(),
  at: z.number(),
});
export type Failure = z.infer<typeof Failure>;

/** Confirmed changes kept: more than a day's, which is what the popup and the day's figures read. */
export const HISTORY_LIMIT = 200;

export const StatusState = z.object({
  confirmed: z.nullable(Confirmed),
  intent: z.nullable(Intent),
  failure: z.nullable(Failure),
  /** Every confirmed change with its source, oldest first (bounded): "today" in the popup, time paused by reason. */
  history: z._default(z.array(Confirmed), []),
});
export type StatusState = z.infer<typeof StatusState>;

/** The new state with `confirmed` as current and recorded in the history. */
export function withConfirmed(state: StatusState, confirmed: Confirmed): StatusState {
  return { ...state, confirmed, history: [...state.history, confirmed].slice(-HISTORY_LIMIT) };
}

export function parseStatusState(raw: unknown): StatusState {
  const parsed = StatusState.safeParse(raw);
  return parsed.success ? parsed.data : EMPTY_STATUS;
}
