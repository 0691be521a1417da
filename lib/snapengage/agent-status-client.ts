// Direct mode's calls to SnapEngage: the Agent Status API (built and classified by the protocol's
// agent-status-request, the one place that knows the inferred request, shared with the relay) and
// the Logs API, read by "Test connection". What each answer means is said here, in the agent's language.
import {
  buildStatusRequest,
  classifyStatusAnswer,
  errorDetail,
  type ApiTarget,
  type RetryReason,
  type StatusCallResult,
  type StatusChange,
  type StatusRequestOverride,
} from '@switchboard/protocol/agent-status-request';
import { t } from '../i18n';

const logsApiPath = (orgId: string) => `/api/v2/${encodeURIComponent(orgId)}/logs`;
const REQUEST_TIMEOUT_MS = 10_000;

/** An answer's class, with what to tell the agent when it is not a success. */
export type CallResult = { kind: 'ok' } | (Exclude<StatusCallResult, { kind: 'ok' }> & { message: string });

export async function setAgentStatus(
  target: ApiTarget,
  change: StatusChange,
  override?: StatusRequestOverride,
  signal?: AbortSignal,
): Promise<CallResult> {
  let request: ReturnType<typeof buildStatusRequest>;
  try {
    request = buildStatusRequest(target, change, override);
  } catch (error) {
    return { kind: 'invalid', httpStatus: 0, message: (error as Error).message };
  }
  const { url, ...init } = request;
  return call(url, init, signal);
}

/**
 * Checks org id and token without changing the agent's status: SnapEngage has no read of
 * status, so we ask the Logs API for today's (possibly empty) page.
 */
export async function checkConnection(target: ApiTarget, signal?: AbortSignal): Promise<CallResult> {
  const day = new Date().toISOString().slice(0, 10);
  const url = new URL(`${logsApiPath(target.orgId)}?start=${day}&end=${day}`, target.apiBaseUrl);
  return call(url.href, { method: 'GET', headers: { authorization: target.apiToken, accept: 'application/json' } }, signal);
}

/** One request with a timeout; the caller's abort (a newer change) is thrown, not classified. */
export async function timedFetch(url: string, init: RequestInit, outer?: AbortSignal): Promise<Response | 'timeout' | 'network'> {
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
  try {
    // A redirect would carry the token's request elsewhere: refused, like the relay does.
    return await fetch(url, { ...init, signal, redirect: 'error' });
  } catch (error) {
    if (outer?.aborted) throw error;
    return timeout.aborted ? 'timeout' : 'network';
  }
}

async function call(url: string, init: RequestInit, signal?: AbortSignal): Promise<CallResult> {
  const response = await timedFetch(url, init, signal);
  if (typeof response === 'string') return describeSnapEngage({ kind: 'retry', reason: response });
  let detail: string | undefined;
  if (response.ok) await response.body?.cancel();
  else detail = errorDetail(await response.json().catch(() => undefined));
  return describeSnapEngage(classifyStatusAnswer(response.status, response.headers.get('Retry-After'), detail));
}

/** What SnapEngage's answer means for the agent, in their language. */
export function describeSnapEngage(result: StatusCallResult): CallResult {
  switch (result.kind) {
    case 'ok':
      return { kind: 'ok' };
    case 'rejected':
      return { ...result, message: t('seTokenRejected') };
    case 'invalid': {
      const message = result.httpStatus === 404 ? t('seUnknownAgent') : t('seRefused', [String(result.httpStatus)]);
      return { ...result, message: result.detail ? `${message}: ${result.detail}` : message };
    }
    case 'retry':
      return { ...result, message: t('willRetry', [retryProblem(result.reason, result.httpStatus)]) };
  }
}

/** What went wrong with a call worth retrying, in the agent's language, without the "will retry". */
export function retryProblem(reason: RetryReason, httpStatus?: number): string {
  if (reason === 'timeout') return t('seTimeout');
  if (reason === 'network') return t('seUnreachable');
  if (reason === 'throttled') return t('seBusy');
  return t('seTrouble', [String(httpStatus ?? '?')]);
}
