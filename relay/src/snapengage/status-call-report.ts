// What the relay says about SnapEngage's answers to its Agent Status calls, wherever it makes one:
// POST /api/status for an agent (status-api-routes.ts), or call sync on its own (call-sync.ts).
// One reporter per relay, shared by both, so a wrong account token is one error line a minute and
// one counter, however many agents click and however many calls come in.
import type { StatusCallResult } from '@switchboard/protocol/agent-status-request';
import type { Logger } from '../logger';
import type { RelayMetrics } from '../metrics';

/** One line a minute per kind of trouble: enough to be seen, never one per agent's click or call. */
const LOG_EVERY_MS = 60_000;

export interface StatusCallReporter {
  /** Logs at most once a minute per key; the next line says how many were left out. */
  logThrottled(key: string, level: 'error' | 'warn', fields: Record<string, unknown>, message: string): void;
  /**
   * Counts and logs an answer that is not a success: `rejected` at error (every agent is stuck
   * until IT fixes SNAPENGAGE_API_TOKEN), `invalid` and `retry` at warn. `retriedBy` ends the retry
   * line: who tries again.
   */
  report(result: StatusCallResult, retriedBy: string): void;
}

export function createStatusCallReporter(deps: {
  logger: Logger;
  metrics: RelayMetrics;
  /** The API's origin, for the lines (never the token). */
  apiBase: string;
  /** The throttle's clock (ms). */
  now?: () => number;
}): StatusCallReporter {
  const { logger, metrics, apiBase } = deps;
  const now = deps.now ?? Date.now;
  const lastLogged = new Map<string, { at: number; suppressed: number }>();

  function logThrottled(key: string, level: 'error' | 'warn', fields: Record<string, unknown>, message: string): void {
    const t = now();
    const last = lastLogged.get(key);
    if (last && t - last.at < LOG_EVERY_MS) {
      last.suppressed++;
      return;
    }
    lastLogged.set(key, { at: t, suppressed: 0 });
    logger[level]({ ...fields, ...(last?.suppressed ? { sameSinceLastLine: last.suppressed } : {}) }, message);
  }

  function report(result: StatusCallResult, retriedBy: string): void {
    switch (result.kind) {
      case 'ok':
        return;
      case 'rejected':
        metrics.snapengageRejected++;
        logThrottled(
          'rejected',
          'error',
          { httpStatus: result.httpStatus, apiBase },
          "SnapEngage refused the relay's API token: check SNAPENGAGE_API_TOKEN (and SNAPENGAGE_STATUS_REQUEST's auth); no agent can change their status until it is fixed",
        );
        return;
      case 'invalid':
        // Every agent's call answered 404 would mean the inferred request is wrong: SNAPENGAGE_STATUS_REQUEST is the way out.
        logThrottled(
          `invalid-${result.httpStatus}`,
          'warn',
          { httpStatus: result.httpStatus, detail: result.detail },
          'SnapEngage refused a status change as invalid (an unknown agent, or a request shape it does not take: see SNAPENGAGE_STATUS_REQUEST)',
        );
        return;
      case 'retry':
        logThrottled(
          `retry-${result.reason}`,
          'warn',
          { reason: result.reason, httpStatus: result.httpStatus, apiBase },
          `a status change could not reach SnapEngage; ${retriedBy}`,
        );
        return;
    }
  }

  return { logThrottled, report };
}
