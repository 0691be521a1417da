// The agent's status as the extension knows it. Lives in storage.local so that a pending
// change survives the browser stopping the worker (or the browser itself).
import * as z from 'zod/mini';
import { t, type MessageKey } from '../i18n';

export const StatusValue = z.enum(['online', 'pause', 'offline']);
export type StatusValue = z.infer<typeof StatusValue>;
export const SettableStatus = z.enum(['online', 'pause']);

export const StatusSource = z.enum(['popup', 'shortcut', 'snapengage', 'phone', 'idle', 'next-status', 'options', 'notification']);

/** How the popup names a change's source. */
export const sourceWords = (source: StatusSource): string => t(`source_${source.replace('-', '_')}` as MessageKey);
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

export const Failure = z.object({
  ...Target.shape,
  code: z.enum(['token-rejected', 'invalid', 'setup']),
  message: z.string(),
  at: z.number(),
});
export type Failure = z.infer<typeof Failure>;

export const HISTORY_LIMIT = 200;

export const StatusState = z.object({
  confirmed: z.nullable(Confirmed),
  intent: z.nullable(Intent),
  failure: z.nullable(Failure),
  /** Every confirmed change with its source, oldest first (bounded): "today" in the popup, time paused by reason. */
  history: z._default(z.array(Confirmed), []),
});
export type StatusState = z.infer<typeof StatusState>;

export const EMPTY_STATUS: StatusState = { confirmed: null, intent: null, failure: null, history: [] };

/** The new state with `confirmed` as current and recorded in the history. */
export function withConfirmed(state: StatusState, confirmed: Confirmed): StatusState {
  return { ...state, confirmed, history: [...state.history, confirmed].slice(-HISTORY_LIMIT) };
}

export function parseStatusState(raw: unknown): StatusState {
  const parsed = StatusState.safeParse(raw);
  return parsed.success ? parsed.data : EMPTY_STATUS;
}

/** What the popup and badge show: one phase, derived, never stored. */
export type StatusPhase = 'unknown' | 'confirmed' | 'pending' | 'failed';
export interface StatusView {
  phase: StatusPhase;
  status: StatusValue | null;
  substatus?: string;
  since?: number;
  message?: string;
}

export function viewStatus(state: StatusState): StatusView {
  const { confirmed, intent, failure } = state;
  if (intent) return { phase: 'pending', status: intent.status, substatus: intent.substatus, since: intent.createdAt, message: intent.lastError };
  if (failure) return { phase: 'failed', status: failure.status, substatus: failure.substatus, since: failure.at, message: failure.message };
  if (confirmed) return { phase: 'confirmed', status: confirmed.status, substatus: confirmed.substatus, since: confirmed.since };
  return { phase: 'unknown', status: null };
}

export function describeStatus(status: StatusValue | null, substatus?: string): string {
  if (status === 'online') return t('statusOnline');
  if (status === 'pause') return substatus ? t('statusPausedReason', [substatus]) : t('statusPaused');
  if (status === 'offline') return t('statusOffline');
  return t('statusUnknown');
}
