// How long to wait before retrying, wherever something is retried: the extension's status changes
// and relay connection, the relay's notices to the phone system. One rule, so both sides of a
// whole team's outage back off the same way.

export interface BackoffOptions {
  /** The first retry's ceiling (ms), doubling per attempt. Default 1 s. */
  baseMs?: number;
  /** The ceiling's cap (ms). Default 60 s. */
  maxMs?: number;
  /** The server's Retry-After (ms): it wins when it asks for longer. */
  retryAfterMs?: number;
  random?: () => number;
}

/**
 * Delay before retry number `attempt` (1-based): exponential with "equal jitter" (half the ceiling
 * fixed, half random), so a whole team coming back after an outage does not retry in lockstep.
 */
export function retryDelay(attempt: number, opts: BackoffOptions = {}): number {
  const { baseMs = 1000, maxMs = 60_000, retryAfterMs, random = Math.random } = opts;
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(0, attempt - 1), 30));
  const jittered = Math.round(ceiling / 2 + random() * (ceiling / 2));
  return retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered);
}
