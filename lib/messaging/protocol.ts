// Popup/options -> background messages. One schema per message; the background validates
// every message it receives, and callers get typed answers. Errors cross as { error } and
// are rethrown on the caller's side.
import * as z from 'zod/mini';
import { SettableStatus, StatusSource } from '../status/state';
import type { TodayStats } from '../stats/today';

export const Messages = {
  setStatus: z.object({
    status: SettableStatus,
    substatus: z.optional(z.string().check(z.maxLength(60))),
    source: z._default(StatusSource, 'popup'),
  }),
  retryNow: z.object({}),
  /** Checks org id + token against SnapEngage without changing the agent's status. */
  testConnection: z.object({ apiBaseUrl: z.string(), orgId: z.string(), apiToken: z.optional(z.string()) }),
  /** Opens a websocket to the relay with these values and reports whether the hello is accepted. */
  testRelay: z.object({ relayUrl: z.string(), relayToken: z.optional(z.string()) }),
  /** A setup code pasted on the options page: checked by connecting, then saved as relay mode (lib/background/setup-code.ts). */
  setupCode: z.object({ code: z.string().check(z.maxLength(20_000)) }),
  /** Settings were saved: reconnect the relay, refresh the badge. */
  settingsChanged: z.object({}),
  /** "Pause after this chat": the status to apply when the last open chat closes (null clears it). */
  setNextStatus: z.object({
    next: z.nullable(z.object({ status: SettableStatus, substatus: z.optional(z.string().check(z.maxLength(60))) })),
  }),
  /** The popup opened: wakes a stopped worker so it reconnects to the relay now, not at the next alarm. */
  wake: z.object({}),
  /** Today's numbers for the popup. */
  todayStats: z.object({}),
};
export type MessageName = keyof typeof Messages;
export type MessagePayload<K extends MessageName> = z.input<(typeof Messages)[K]>;

export interface TestResult {
  ok: boolean;
  message: string;
}

export interface MessageAnswers {
  setNextStatus: null;
  wake: null;
  todayStats: TodayStats;
  setStatus: { id: string };
  retryNow: null;
  testConnection: TestResult;
  testRelay: TestResult;
  setupCode: TestResult;
  settingsChanged: null;
}

export const Envelope = z.object({ name: z.enum(Object.keys(Messages) as [MessageName, ...MessageName[]]), payload: z.unknown() });

export type Reply<T> = { ok: true; value: T } | { ok: false; error: string };
