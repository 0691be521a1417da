// What the relay did to an agent's status on its own, server to server: in relay mode with
// PHONE_CALL_SYNC on, a phone call pauses the agent and its end puts them back online without the
// agent's browser. Each change the relay made (or gave up on) reaches the agent's extension as an
// event of kind STATUS_CHANGE_KIND, stored and replayed like any event, so a browser that was closed
// still shows it, once, with its source; the extension never makes that change again itself.
// docs/relay-protocol.md documents this file (a test checks its example).
import * as z from 'zod/mini';
import { SETTABLE_STATUSES } from './status';

export const STATUS_CHANGE_KIND = 'status_change' as const;

/** Why the relay changed the status: `phone-call`, a call of the agent started or ended. */
const STATUS_CHANGE_SOURCES = ['phone-call'] as const;

/**
 * How SnapEngage answered, in the classes of StatusApiOutcome: `confirmed` (the status is set);
 * `rejected` (SnapEngage refused the relay's API token: IT must fix the relay); `invalid` (another
 * 4xx, `detail` says why); `dropped` (it could not be reached for too long, the relay gave up).
 * Retries are the relay's business and are not sent.
 */
const STATUS_CHANGE_RESULTS = ['confirmed', 'rejected', 'invalid', 'dropped'] as const;
export type StatusChangeResult = (typeof STATUS_CHANGE_RESULTS)[number];

/** `data` of a `status_change` event. */
export const StatusChangeData = z.looseObject({
  agent: z.string(),
  status: z.enum(SETTABLE_STATUSES),
  /** The pause reason, with `pause` only. */
  substatus: z.optional(z.string()),
  source: z.enum(STATUS_CHANGE_SOURCES),
  /** The phone system's id of the call that made the change (`source: 'phone-call'`). */
  callId: z.optional(z.string()),
  result: z.enum(STATUS_CHANGE_RESULTS),
  /** SnapEngage's HTTP status, for `rejected` and `invalid`. */
  httpStatus: z.optional(z.int()),
  /** SnapEngage's message, for `invalid`. */
  detail: z.optional(z.string()),
});
export type StatusChangeData = z.infer<typeof StatusChangeData>;
