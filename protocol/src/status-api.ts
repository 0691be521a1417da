// Relay mode: the account's SnapEngage API token stays on the relay, and an extension asks the relay
// to set ITS OWN agent's status: `POST /api/status` with `Authorization: Bearer <relay token>`. The
// agent is the token's, never the body's, so one agent cannot change another. The answer carries
// the same outcome classes the extension handles when it calls SnapEngage itself (direct mode).
// docs/relay-protocol.md documents exactly this file.
import * as z from 'zod/mini';
import { RETRY_REASONS, type StatusCallResult } from './agent-status-request';
import { SETTABLE_STATUSES } from './status';

export const STATUS_API_PATH = '/api/status';

/** Longest pause reason accepted (the options page allows 60 characters). */
export const MAX_SUBSTATUS_LENGTH = 60;

export const StatusApiRequest = z.strictObject({
  status: z.enum(SETTABLE_STATUSES),
  substatus: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_SUBSTATUS_LENGTH))),
});
export type StatusApiRequest = z.infer<typeof StatusApiRequest>;

const httpStatus = z.int().check(z.minimum(100), z.maximum(599));

/**
 * The relay's answer. HTTP status: 200 confirmed; 502 rejected (SnapEngage refused the relay's API
 * token — IT must fix the relay, the agent cannot); 422 invalid; 429 (the relay's own per-agent
 * limit) or 503 retry, with `Retry-After`. A 401 (the relay token) or 404 (relay mode is off) answer
 * is `{ "error": "…" }`, not an outcome.
 */
export const StatusApiOutcome = z.discriminatedUnion('outcome', [
  z.strictObject({ outcome: z.literal('confirmed') }),
  z.strictObject({ outcome: z.literal('rejected'), httpStatus }),
  z.strictObject({ outcome: z.literal('invalid'), httpStatus, detail: z.optional(z.string().check(z.maxLength(200))) }),
  z.strictObject({
    outcome: z.literal('retry'),
    reason: z.enum(RETRY_REASONS),
    httpStatus: z.optional(httpStatus),
    retryAfterSeconds: z.optional(z.int().check(z.nonnegative())),
  }),
]);
export type StatusApiOutcome = z.infer<typeof StatusApiOutcome>;

/** The HTTP status the relay answers an outcome with. */
export function outcomeHttpStatus(outcome: StatusApiOutcome): number {
  switch (outcome.outcome) {
    case 'confirmed':
      return 200;
    case 'rejected':
      return 502;
    case 'invalid':
      return 422;
    case 'retry':
      return outcome.reason === 'throttled' ? 429 : 503;
  }
}

/** The relay's side: what SnapEngage's answer means, as an outcome for the extension. */
export function outcomeOf(result: StatusCallResult): StatusApiOutcome {
  switch (result.kind) {
    case 'ok':
      return { outcome: 'confirmed' };
    case 'rejected':
      return { outcome: 'rejected', httpStatus: result.httpStatus };
    case 'invalid':
      return result.detail === undefined
        ? { outcome: 'invalid', httpStatus: result.httpStatus }
        : { outcome: 'invalid', httpStatus: result.httpStatus, detail: result.detail };
    case 'retry': {
      const out: StatusApiOutcome = { outcome: 'retry', reason: result.reason };
      if (result.httpStatus !== undefined) out.httpStatus = result.httpStatus;
      if (result.retryAfterMs !== undefined) out.retryAfterSeconds = Math.ceil(result.retryAfterMs / 1000);
      return out;
    }
  }
}

/** The extension's side: back to the classes it handles in direct mode. */
export function resultOf(outcome: StatusApiOutcome): StatusCallResult {
  switch (outcome.outcome) {
    case 'confirmed':
      return { kind: 'ok' };
    case 'rejected':
      return { kind: 'rejected', httpStatus: outcome.httpStatus };
    case 'invalid':
      return outcome.detail === undefined
        ? { kind: 'invalid', httpStatus: outcome.httpStatus }
        : { kind: 'invalid', httpStatus: outcome.httpStatus, detail: outcome.detail };
    case 'retry': {
      const out: StatusCallResult = { kind: 'retry', reason: outcome.reason };
      if (outcome.httpStatus !== undefined) out.httpStatus = outcome.httpStatus;
      if (outcome.retryAfterSeconds !== undefined) out.retryAfterMs = outcome.retryAfterSeconds * 1000;
      return out;
    }
  }
}
