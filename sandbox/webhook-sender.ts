// Delivers webhooks the way SnapEngage does (docs/snapengage-contract.md): JSON POST, token in a
// header, success only on HTTP 200, anything else retried with backoff. Duplicates and reordering are real-world
// consequences of that retrying, so they are available on purpose.

export type TokenHeader = 'Authorization' | 'Authentication';

export interface DeliveryOptions {
  token?: string;
  /** default Authorization */
  header?: TokenHeader;
  /** bare token (SnapEngage) or "Bearer <token>" (to test tolerant receivers) */
  scheme?: 'bare' | 'bearer';
  /** default 20 */
  maxAttempts?: number;
  /** default 200 ms; doubles each retry */
  initialDelayMs?: number;
  /** default 5000 ms */
  maxDelayMs?: number;
  /** per attempt; default 10 s */
  timeoutMs?: number;
  signal?: AbortSignal;
  onAttempt?: (attempt: AttemptReport) => void;
}

interface AttemptReport {
  url: string;
  attempt: number;
  status: number | null;
  error?: string;
}

export interface DeliveryResult {
  url: string;
  /** the last answer's status; null when no answer came (network error, timeout, aborted) */
  status: number | null;
  ok: boolean;
  attempts: number;
  /** what was sent */
  body: unknown;
  /** the last answer's text */
  response: string;
  error?: string;
  /** the second delivery when sent twice */
  duplicate?: DeliveryResult;
}

export const DEFAULT_RETRY = { maxAttempts: 20, initialDelayMs: 200, maxDelayMs: 5000 } as const;

export function backoffDelay(attempt: number, initialDelayMs: number, maxDelayMs: number): number {
  return Math.min(initialDelayMs * 2 ** (attempt - 1), maxDelayMs);
}

export async function deliverWebhook(url: string, body: unknown, opts: DeliveryOptions = {}): Promise<DeliveryResult> {
  const maxAttempts = Math.max(1, opts.maxAttempts ?? DEFAULT_RETRY.maxAttempts);
  const initialDelayMs = opts.initialDelayMs ?? DEFAULT_RETRY.initialDelayMs;
  const maxDelayMs = opts.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'User-Agent': 'SnapEngage-Sandbox/1' };
  if (opts.token) headers[opts.header ?? 'Authorization'] = opts.scheme === 'bearer' ? `Bearer ${opts.token}` : opts.token;
  const payload = JSON.stringify(body);

  let result: DeliveryResult = { url, status: null, ok: false, attempts: 0, body, response: '' };
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (opts.signal?.aborted) return { ...result, error: 'aborted' };
    result = { ...result, attempts: attempt, ...(await attemptOnce(url, headers, payload, opts)) };
    opts.onAttempt?.({ url, attempt, status: result.status, ...(result.error && { error: result.error }) });
    if (result.ok) return result;
    if (attempt < maxAttempts) {
      const waited = await sleep(backoffDelay(attempt, initialDelayMs, maxDelayMs), opts.signal);
      if (!waited) return { ...result, error: 'aborted' };
    }
  }
  return result;
}

/** Sends the same body twice, one after the other, as a retried-after-timeout delivery would. */
export async function deliverTwice(url: string, body: unknown, opts: DeliveryOptions = {}): Promise<DeliveryResult> {
  const first = await deliverWebhook(url, body, opts);
  const second = await deliverWebhook(url, body, opts);
  return { ...first, duplicate: second };
}

export type BatchOrder = 'in-order' | 'reverse' | 'shuffle';

export function reorder<T>(items: readonly T[], order: BatchOrder): T[] {
  if (order === 'reverse') return [...items].reverse();
  if (order === 'in-order') return [...items];
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

async function attemptOnce(
  url: string,
  headers: Record<string, string>,
  payload: string,
  opts: DeliveryOptions,
): Promise<Pick<DeliveryResult, 'status' | 'ok' | 'response' | 'error'>> {
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 10_000);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  try {
    const res = await fetch(url, { method: 'POST', headers, body: payload, signal });
    const response = await res.text();
    // SnapEngage wants exactly 200; a 201/204 is retried like a failure.
    return { status: res.status, ok: res.status === 200, response };
  } catch (err) {
    return { status: null, ok: false, response: '', error: describeError(err) };
  }
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    if (err.name === 'TimeoutError') return 'timeout';
    if (err.name === 'AbortError') return 'aborted';
    if (cause instanceof Error) return `${err.message}: ${cause.message}`;
    return err.message;
  }
  return String(err);
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
