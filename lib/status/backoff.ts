const BACKOFF_BASE_MS = 1000;
const BACKOFF_MAX_MS = 60_000;

/**
 * Delay before retry number `attempt` (1-based): exponential with "equal jitter", so a whole
 * team coming back after an outage does not retry in lockstep. A server's Retry-After wins
 * when it asks for longer.
 */
export function retryDelay(attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(ceiling / 2 + random() * (ceiling / 2));
  return retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered);
}
