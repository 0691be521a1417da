// Relay mode's status change: the account's API token stays on the relay, so the extension asks the
// relay to set its own agent's status (`POST /api/status`, its relay token as Bearer). The relay
// answers with the classes direct mode handles (protocol/src/status-api.ts); this says what each
// means for the agent. docs/relay-protocol.md documents the route.
import { STATUS_API_PATH, StatusApiOutcome, resultOf, type StatusApiRequest } from '@switchboard/protocol/status-api';
import type { StatusChange } from '@switchboard/protocol/agent-status-request';
import * as z from 'zod/mini';
import { t } from '../i18n';
import { describeSnapEngage, timedFetch, type CallResult } from '../snapengage/agent-status-client';
import { relayHttpBase } from './url';

const ErrorAnswer = z.object({ error: z.string() });

export interface RelayTarget {
  relayUrl: string;
  relayToken: string;
}

export async function setStatusViaRelay(
  target: RelayTarget,
  change: Omit<StatusChange, 'agentId'>,
  signal?: AbortSignal,
): Promise<CallResult> {
  const base = relayHttpBase(target.relayUrl);
  // The agent is the relay token's: the body names only the status.
  const body: StatusApiRequest =
    change.status === 'pause' && change.substatus ? { status: 'pause', substatus: change.substatus } : { status: change.status };
  const response = await timedFetch(
    `${base}${STATUS_API_PATH}`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${target.relayToken}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    },
    signal,
  );
  if (response === 'timeout') return retry('timeout', t('relayNoAnswerRetry'));
  if (response === 'network') return retry('network', t('relayUnreachable', [base]));
  const json: unknown = await response.json().catch(() => undefined);
  const outcome = StatusApiOutcome.safeParse(json);
  if (outcome.success) {
    const result = resultOf(outcome.data);
    // SnapEngage refused the relay's own token: IT must fix the relay; the agent cannot.
    if (result.kind === 'rejected') return { ...result, message: t('relayApiTokenRejected') };
    return describeSnapEngage(result);
  }
  const error = ErrorAnswer.safeParse(json);
  const why = error.success ? error.data.error.slice(0, 200) : '';
  if (response.status === 401 || response.status === 403)
    return { kind: 'rejected', httpStatus: response.status, message: why ? t('relayTokenRefusedWhy', [why]) : t('relayTokenRejected') };
  if (response.status === 404) return { kind: 'invalid', httpStatus: 404, message: t('relayModeOff') };
  // Not an outcome (a proxy in front of the relay answering for it): a 5xx or 429 is worth retrying.
  if (response.status === 429 || response.status >= 500)
    return retry('server', t('relayHttpStatus', [String(response.status)]), response.status);
  return {
    kind: 'invalid',
    httpStatus: response.status,
    message: why ? `${t('relayHttpStatus', [String(response.status)])}: ${why}` : t('relayNotARelay'),
  };
}

function retry(reason: 'timeout' | 'network' | 'server', problem: string, httpStatus?: number): CallResult {
  const message = t('willRetry', [problem]);
  return httpStatus === undefined ? { kind: 'retry', reason, message } : { kind: 'retry', reason, httpStatus, message };
}
