// The one module that knows how the Agent Status API is called. Path and field names are
// inferred (docs/snapengage-contract.md): if the real service differs, only this file changes.
import type { SettableStatus } from '@switchboard/protocol/status';
import * as z from 'zod/mini';
import { t } from '../i18n';

const agentStatusApiPath = (orgId: string) => `/api/v2/${encodeURIComponent(orgId)}/agent/status`;
const logsApiPath = (orgId: string) => `/api/v2/${encodeURIComponent(orgId)}/logs`;
const REQUEST_TIMEOUT_MS = 10_000;

export interface ApiTarget {
  apiBaseUrl: string;
  orgId: string;
  apiToken: string;
}

export interface StatusChange {
  agentId: string;
  status: SettableStatus;
  substatus?: string;
}

export type CallResult =
  | { kind: 'ok' }
  /** 401/403: the token is wrong; retrying cannot help. */
  | { kind: 'rejected'; httpStatus: number; message: string }
  /** Other 4xx: the request itself is wrong (unknown agent, bad body); retrying cannot help. */
  | { kind: 'invalid'; httpStatus: number; message: string }
  /** 429, 5xx, network error, timeout: worth retrying. */
  | { kind: 'retry'; reason: 'throttled' | 'server' | 'network' | 'timeout'; message: string; retryAfterMs?: number; httpStatus?: number };

const ErrorBody = z.looseObject({ message: z.optional(z.string()) });

export async function setAgentStatus(target: ApiTarget, change: StatusChange, signal?: AbortSignal): Promise<CallResult> {
  const body: Record<string, string> = { agentId: change.agentId, status: change.status };
  if (change.status === 'pause' && change.substatus) body.substatus = change.substatus;
  return call(target, agentStatusApiPath(target.orgId), { method: 'POST', body: JSON.stringify(body) }, signal);
}

/**
 * Checks org id and token without changing the agent's status: SnapEngage has no read of
 * status, so we ask the Logs API for today's (possibly empty) page.
 */
export async function checkConnection(target: ApiTarget, signal?: AbortSignal): Promise<CallResult> {
  const day = new Date().toISOString().slice(0, 10);
  return call(target, `${logsApiPath(target.orgId)}?start=${day}&end=${day}`, { method: 'GET' }, signal);
}

async function call(target: ApiTarget, path: string, init: RequestInit, outer?: AbortSignal): Promise<CallResult> {
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(new URL(path, target.apiBaseUrl), {
      ...init,
      signal,
      headers: { Authorization: target.apiToken, 'Content-Type': 'application/json', Accept: 'application/json' },
    });
  } catch (error) {
    if (outer?.aborted) throw error;
    if (timeout.aborted) return retry('timeout');
    return retry('network');
  }
  if (response.ok) {
    await response.body?.cancel();
    return { kind: 'ok' };
  }
  const detail = await errorMessage(response);
  const status = response.status;
  if (status === 401 || status === 403) {
    return { kind: 'rejected', httpStatus: status, message: t('seTokenRejected') };
  }
  if (status === 429) {
    return retry('throttled', status, retryAfterMs(response.headers.get('Retry-After')));
  }
  if (status >= 500) {
    return retry('server', status, retryAfterMs(response.headers.get('Retry-After')));
  }
  if (status === 404) {
    return { kind: 'invalid', httpStatus: status, message: withDetail(t('seUnknownAgent'), detail) };
  }
  return { kind: 'invalid', httpStatus: status, message: withDetail(t('seRefused', [String(status)]), detail) };
}

type RetryReason = Extract<CallResult, { kind: 'retry' }>['reason'];

function retry(reason: RetryReason, httpStatus?: number, retryAfter?: number): CallResult {
  const message = t('willRetry', [retryProblem(reason, httpStatus)]);
  return httpStatus === undefined
    ? { kind: 'retry', reason, message }
    : { kind: 'retry', reason, message, httpStatus, retryAfterMs: retryAfter };
}

/** What went wrong with a call worth retrying, in the agent's language, without the "will retry". */
export function retryProblem(reason: RetryReason, httpStatus?: number): string {
  if (reason === 'timeout') return t('seTimeout');
  if (reason === 'network') return t('seUnreachable');
  if (reason === 'throttled') return t('seBusy');
  return t('seTrouble', [String(httpStatus ?? '?')]);
}

const withDetail = (message: string, detail: string | undefined) => (detail ? `${message}: ${detail}` : message);

async function errorMessage(response: Response): Promise<string | undefined> {
  try {
    const parsed = ErrorBody.safeParse(await response.json());
    return parsed.success ? parsed.data.message?.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}

/** `Retry-After` is either delta-seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 3_600_000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.min(date - now, 3_600_000));
}
