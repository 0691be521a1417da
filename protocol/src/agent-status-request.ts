// How SnapEngage's Agent Status API is called: the one place that knows. The path, the body's field
// names and how the token is sent are inferred, not published (docs/snapengage-contract.md), so each
// can be overridden — by the team's policy or the options in direct mode, by the relay's
// configuration in relay mode — without a new release. Pure: callers do the fetch, both the
// extension (direct mode) and the relay (relay mode), and classify the answer here.
import * as z from 'zod/mini';
import type { SettableStatus } from './status';

/** A field name in the request body. */
const fieldName = z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, 'must be a plain field name'));

/** What may be overridden; every part is optional and falls back to today's inference. */
export const StatusRequestOverride = z.strictObject({
  /** Path below the API base, `{orgId}` replaced by the org id (URL-encoded). */
  path: z.optional(
    z.string().check(
      // One leading slash only: `//host/…` would be another host, with the account's token.
      z.regex(/^\/(?!\/)[A-Za-z0-9_\-./{}~%]*$/, 'must be a path starting with one /'),
      z.refine((p) => p.includes('{orgId}'), 'must contain {orgId}'),
      z.maxLength(200),
    ),
  ),
  agentField: z.optional(fieldName),
  statusField: z.optional(fieldName),
  substatusField: z.optional(fieldName),
  /** `bare`: `Authorization: <token>` (what SnapEngage documents); `bearer`: `Authorization: Bearer <token>`. */
  auth: z.optional(z.enum(['bare', 'bearer'])),
});
export type StatusRequestOverride = z.infer<typeof StatusRequestOverride>;

export type StatusRequestShape = Required<StatusRequestOverride>;

export const DEFAULT_STATUS_REQUEST: Readonly<StatusRequestShape> = {
  path: '/api/v2/{orgId}/agent/status',
  agentField: 'agentId',
  statusField: 'status',
  substatusField: 'substatus',
  auth: 'bare',
};

export const statusRequestShape = (override: StatusRequestOverride | undefined): StatusRequestShape => ({
  ...DEFAULT_STATUS_REQUEST,
  ...Object.fromEntries(Object.entries(override ?? {}).filter(([, v]) => v !== undefined)),
});

export interface ApiTarget {
  /** `https://www.snapengage.com`, or the sandbox. */
  apiBaseUrl: string;
  orgId: string;
  apiToken: string;
}

export interface StatusChange {
  /** The agent's email, as SnapEngage knows them. */
  agentId: string;
  status: SettableStatus;
  /** The pause reason; sent only with `pause`. */
  substatus?: string;
}

export interface HttpRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

export function buildStatusRequest(target: ApiTarget, change: StatusChange, override?: StatusRequestOverride): HttpRequest {
  const shape = statusRequestShape(override);
  const body: Record<string, string> = { [shape.agentField]: change.agentId, [shape.statusField]: change.status };
  if (change.status === 'pause' && change.substatus) body[shape.substatusField] = change.substatus;
  const url = new URL(shape.path.replaceAll('{orgId}', encodeURIComponent(target.orgId)), target.apiBaseUrl);
  // The token goes to the API's own host, whatever a path or an org id says.
  if (url.origin !== new URL(target.apiBaseUrl).origin) throw new Error('the status request would leave the API host');
  return {
    url: url.href,
    method: 'POST',
    headers: {
      authorization: shape.auth === 'bearer' ? `Bearer ${target.apiToken}` : target.apiToken,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify(body),
  };
}

/** What an answer (or its absence) means for the agent's change; the same classes in both modes. */
export type StatusCallResult =
  | { kind: 'ok' }
  /** 401/403: the API token is wrong; retrying cannot help. */
  | { kind: 'rejected'; httpStatus: number }
  /** Other 4xx: the request itself is wrong (unknown agent, bad body); retrying cannot help. */
  | { kind: 'invalid'; httpStatus: number; detail?: string }
  /** 429, 5xx, network error, timeout: worth retrying, after retryAfterMs when the server said. */
  | { kind: 'retry'; reason: RetryReason; httpStatus?: number; retryAfterMs?: number };

export const RETRY_REASONS = ['throttled', 'server', 'network', 'timeout'] as const;
export type RetryReason = (typeof RETRY_REASONS)[number];

/**
 * Classifies an HTTP answer. `detail` is the server's `message`, when it sent one (shown to a
 * person, never parsed further).
 */
export function classifyStatusAnswer(httpStatus: number, retryAfter: string | null, detail?: string, now = Date.now()): StatusCallResult {
  if (httpStatus >= 200 && httpStatus < 300) return { kind: 'ok' };
  if (httpStatus === 401 || httpStatus === 403) return { kind: 'rejected', httpStatus };
  if (httpStatus === 429) return retry('throttled', httpStatus, retryAfterMs(retryAfter, now));
  if (httpStatus >= 500) return retry('server', httpStatus, retryAfterMs(retryAfter, now));
  return detail ? { kind: 'invalid', httpStatus, detail } : { kind: 'invalid', httpStatus };
}

function retry(reason: RetryReason, httpStatus: number, after: number | undefined): StatusCallResult {
  return after === undefined ? { kind: 'retry', reason, httpStatus } : { kind: 'retry', reason, httpStatus, retryAfterMs: after };
}

/** SnapEngage's error body (`{"message": "…"}`), cut to what a person reads. */
const ErrorBody = z.looseObject({ message: z.optional(z.string()) });
export const errorDetail = (json: unknown): string | undefined => {
  const parsed = ErrorBody.safeParse(json);
  return parsed.success ? parsed.data.message?.slice(0, 200) : undefined;
};

const MAX_RETRY_AFTER_MS = 3_600_000;

/** `Retry-After` is either delta-seconds or an HTTP date; capped at an hour. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.min(date - now, MAX_RETRY_AFTER_MS));
}
