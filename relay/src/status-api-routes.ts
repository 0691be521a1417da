// POST /api/status, relay mode: an extension holding only its relay token asks the relay to set
// its own agent's status, and the relay, which holds the account's SnapEngage API token, makes the
// call. The agent is the token's, never the body's: one agent cannot change another's status. The
// answer carries the outcome classes the extension already handles in direct mode (status-api.ts).
// Off (404) unless the relay has SNAPENGAGE_API_TOKEN and SNAPENGAGE_ORG_ID.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApiTarget, RETRY_REASONS, type RetryReason } from '@switchboard/protocol/agent-status-request';
import {
  MAX_SUBSTATUS_LENGTH,
  outcomeHttpStatus,
  outcomeOf,
  type StatusApiOutcome,
  StatusApiRequest,
} from '@switchboard/protocol/status-api';
import { SETTABLE_STATUSES } from '@switchboard/protocol/status';
import { authenticateAgent, bearerToken } from './auth';
import type { CallSync } from './call-sync';
import { type FailedAttempts, refusedCredential } from './client-limits';
import type { RelayConfig } from './config';
import { HttpError, readJsonBody, sendJson } from './http';
import type { Logger } from './logger';
import type { RelayMetrics } from './metrics';
import { originAllowed } from './origin-policy';
import type { RateLimiter } from './rate-limit';
import { type AgentStatusClient, createAgentStatusClient, parseStatusRequestOverride } from './snapengage/agent-status-client';
import { createStatusCallReporter, type StatusCallReporter } from './snapengage/status-call-report';
import type { EventStore } from './store';

/** `{"status": "pause", "substatus": "…"}` is a few dozen bytes. */
const MAX_BODY_BYTES = 4 * 1024;
/** The most a status change may burst to before RELAY_STATUS_RATE_LIMIT's pace applies. */
export const STATUS_RATE_BURST = 10;

const retryOutcome = (reason: RetryReason) => `retry_${reason}` as const;

/** How a POST /api/status ended, as `relay_status_requests_total` counts it. */
export const STATUS_REQUEST_OUTCOMES = [
  'confirmed',
  'rejected',
  'invalid',
  ...RETRY_REASONS.map(retryOutcome),
  'limited',
  'unauthorized',
  'bad_request',
  'store_unavailable',
] as const;
type StatusRequestOutcome = (typeof STATUS_REQUEST_OUTCOMES)[number];

export const RELAY_MODE_OFF = 'relay mode is off: this relay holds no SnapEngage API token (SNAPENGAGE_API_TOKEN, SNAPENGAGE_ORG_ID)';

export interface RelayMode {
  target: ApiTarget;
  client: AgentStatusClient;
  /** For the start-up line: what is configured, never the token. */
  summary: { apiBase: string; orgId: string; statusRequest: string };
}

/**
 * Relay mode from the config: on with both the token and the org id, off with neither. One without
 * the other is a mistake the relay refuses to start with, rather than run half-configured.
 */
export function relayModeFrom(config: RelayConfig, opts: { timeoutMs?: number } = {}): RelayMode | undefined {
  const { snapengageApiToken: apiToken, snapengageOrgId: orgId, snapengageApiBase: apiBaseUrl } = config;
  if (!apiToken && !orgId) return undefined;
  if (!apiToken || !orgId)
    throw new Error(
      `invalid relay config: ${apiToken ? 'SNAPENGAGE_API_TOKEN is set but SNAPENGAGE_ORG_ID is not' : 'SNAPENGAGE_ORG_ID is set but SNAPENGAGE_API_TOKEN is not'}: set both for relay mode, or neither`,
    );
  const target: ApiTarget = { apiBaseUrl, orgId, apiToken };
  const override = parseStatusRequestOverride(config.snapengageStatusRequest);
  return {
    target,
    client: createAgentStatusClient(target, override, opts),
    summary: { apiBase: new URL(apiBaseUrl).origin, orgId, statusRequest: override ? JSON.stringify(override) : 'inferred' },
  };
}

export interface StatusApiDeps extends FailedAttempts {
  secret: string;
  store: Pick<EventStore, 'isRevoked'>;
  metrics: RelayMetrics;
  logger: Logger;
  /** Absent: relay mode is off, and the route answers 404. */
  relayMode?: RelayMode;
  /** Status changes per agent (RELAY_STATUS_RATE_LIMIT). */
  limiter?: RateLimiter;
  /** Origins allowed to call from a browser (the extension's); see origin-policy.ts. */
  allowedOrigins?: readonly string[];
  /** Present when the relay applies calls itself: an agent's own change ends a call's claim on their status. */
  callSync?: Pick<CallSync, 'manual' | 'manualConfirmed'>;
  /** Reports SnapEngage's answers; one per relay, shared with call sync. One of its own when absent. */
  reporter?: StatusCallReporter;
  /** The log throttle's clock (ms), for a reporter of its own. */
  now?: () => number;
}

/**
 * The handler for STATUS_API_PATH. It answers every outcome itself and counts every answer; a
 * refusal before SnapEngage is called is thrown as an HttpError (`{"error": …}`), for the router to answer.
 */
export function createStatusApiHandler(deps: StatusApiDeps) {
  const { metrics, logger } = deps;
  const reporter =
    deps.reporter ??
    createStatusCallReporter({ logger, metrics, apiBase: deps.relayMode?.summary.apiBase ?? '', ...(deps.now && { now: deps.now }) });

  function answer(req: IncomingMessage, res: ServerResponse, outcome: StatusApiOutcome, counted: StatusRequestOutcome): void {
    metrics.statusRequest(counted);
    const headers: Record<string, string> =
      outcome.outcome === 'retry' && outcome.retryAfterSeconds !== undefined ? { 'retry-after': String(outcome.retryAfterSeconds) } : {};
    sendJson(res, outcomeHttpStatus(outcome), outcome, req.complete ? headers : { ...headers, connection: 'close' });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The extension calls from a chrome-extension:// or moz-extension:// origin: CORS for allowed origins only.
    if (req.headers.origin && originAllowed(req.headers.origin, deps.allowedOrigins ?? [])) {
      res.setHeader('access-control-allow-origin', req.headers.origin);
      res.setHeader('access-control-expose-headers', 'retry-after');
      res.setHeader('vary', 'origin');
      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': 'authorization, content-type',
          'access-control-max-age': '600',
        });
        res.end();
        return;
      }
    }
    const mode = deps.relayMode;
    if (!mode) throw new HttpError(404, RELAY_MODE_OFF);
    if (req.method !== 'POST') throw new HttpError(405, 'use POST');

    const token = bearerToken(req.headers);
    if (!token) throw refusedCredential(deps, req, 'missing relay token (Authorization: Bearer <token>)');
    let auth: Awaited<ReturnType<typeof authenticateAgent>>;
    try {
      auth = await authenticateAgent(deps.secret, token, (jti) => deps.store.isRevoked(jti));
    } catch (err) {
      reporter.logThrottled('store', 'error', { err: (err as Error).message }, 'POST /api/status: the revocation list cannot be read');
      return answer(req, res, { outcome: 'retry', reason: 'server' }, 'store_unavailable');
    }
    if (!auth.ok && auth.reason === 'supervisor token')
      throw refusedCredential(deps, req, "a supervisor token cannot set an agent's status: use the agent's relay token", { status: 403 });
    if (!auth.ok) throw refusedCredential(deps, req, `relay token ${auth.reason}`);
    const agent = auth.agent;

    // Before the body, so that a flood costs the relay as little as possible; only this agent's own calls count.
    const limit = deps.limiter?.take(agent);
    if (limit && !limit.ok)
      return answer(req, res, { outcome: 'retry', reason: 'throttled', retryAfterSeconds: limit.retryAfterSeconds }, 'limited');

    const { body } = await readJsonBody(req, MAX_BODY_BYTES);
    const parsed = StatusApiRequest.safeParse(body);
    if (!parsed.success) throw new HttpError(400, requestProblem(parsed.error.issues[0]));
    const { status, substatus } = parsed.data;

    // Before SnapEngage is called, as the extension forgets its own claim when the agent asks: a
    // call ending meanwhile must not undo what the agent chose. Not recorded, not sent.
    const { callSync } = deps;
    try {
      await callSync?.manual(agent);
    } catch (err) {
      reporter.logThrottled('call-state', 'error', { err: (err as Error).message }, 'POST /api/status: the call state cannot be written');
      return answer(req, res, { outcome: 'retry', reason: 'server' }, 'store_unavailable');
    }
    const sentAt = Date.now();
    const result = await mode.client.set({ agentId: agent, status, ...(substatus !== undefined && { substatus }) });
    if (result.kind === 'ok')
      await callSync
        ?.manualConfirmed(agent, status, substatus, sentAt)
        .catch((err: unknown) =>
          reporter.logThrottled(
            'call-state',
            'error',
            { err: (err as Error).message },
            'POST /api/status: the call state cannot be written',
          ),
        );
    // A rejected token is never retried here: the extension stops and tells the agent to tell IT.
    reporter.report(result, 'the extension retries it');
    const outcome = outcomeOf(result);
    switch (result.kind) {
      case 'ok':
        if (logger.isLevelEnabled('debug')) logger.debug({ agent, status }, 'status set at SnapEngage');
        return answer(req, res, outcome, 'confirmed');
      case 'rejected':
      case 'invalid':
        return answer(req, res, outcome, result.kind);
      case 'retry':
        return answer(req, res, outcome, retryOutcome(result.reason));
    }
  }

  return async function statusApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await handle(req, res);
    } catch (err) {
      // Counted here, answered by the router like every route's refusal; 404 and 405 are not requests for a status.
      if (err instanceof HttpError && err.status !== 404 && err.status !== 405)
        metrics.statusRequest(err.status === 401 || err.status === 429 ? 'unauthorized' : 'bad_request');
      throw err;
    }
  };
}

/** What is wrong with the body, in words for whoever wrote the client. */
function requestProblem(issue: { code: string; path: PropertyKey[]; message: string; keys?: string[] } | undefined): string {
  if (!issue) return 'body is invalid';
  if (issue.code === 'unrecognized_keys')
    return `body has an unknown field ${(issue.keys ?? []).map((k) => `"${k}"`).join(', ')}: it takes status and substatus only (the agent is the relay token's)`;
  const field = issue.path.join('.');
  if (!field) return 'body must be a JSON object {"status": …, "substatus"?: …}';
  if (field === 'status') return `status must be ${SETTABLE_STATUSES.map((s) => `"${s}"`).join(' or ')}`;
  if (field === 'substatus') return `substatus must be 1 to ${MAX_SUBSTATUS_LENGTH} characters (the pause reason)`;
  return `${field} is invalid: ${issue.message}`;
}
