// Token buckets keyed by client address (failed authentications), webhook endpoint (authenticated
// webhooks) or relay token id (websocket connections).
// Memory is bounded: idle buckets (full again) are dropped by a periodic sweep, and the map is
// capped, so a flood of distinct keys cannot grow it without limit.

export interface RateLimitDecision {
  ok: boolean;
  /** Seconds until one more request would be allowed (when !ok). */
  retryAfterSeconds: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly sweepTimer: NodeJS.Timeout | undefined;

  /**
   * @param ratePerSecond refill rate; 0 disables the limiter
   * @param burst bucket size (requests allowed at once)
   */
  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (ratePerSecond > 0) this.sweepTimer = setInterval(() => this.sweep(), 60_000).unref();
  }

  get enabled(): boolean {
    return this.ratePerSecond > 0;
  }

  take(key: string): RateLimitDecision {
    if (!this.enabled) return { ok: true, retryAfterSeconds: 0 };
    const b = this.refill(key, true)!;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true, retryAfterSeconds: 0 };
    }
    return this.refused(b.tokens);
  }

  /** Whether `take` would allow one more now, without taking it (and without adding a bucket). */
  peek(key: string): RateLimitDecision {
    if (!this.enabled) return { ok: true, retryAfterSeconds: 0 };
    const b = this.refill(key, false);
    return !b || b.tokens >= 1 ? { ok: true, retryAfterSeconds: 0 } : this.refused(b.tokens);
  }

  private refused(tokens: number): RateLimitDecision {
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.ratePerSecond)) };
  }

  private refill(key: string, create: boolean): { tokens: number; at: number } | undefined {
    const t = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      if (!create) return undefined;
      if (this.buckets.size >= this.maxKeys) this.sweep();
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
      b = { tokens: this.burst, at: t };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.ratePerSecond);
      b.at = t;
    }
    return b;
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, b] of this.buckets) if (b.tokens + ((t - b.at) / 1000) * this.ratePerSecond >= this.burst) this.buckets.delete(k);
  }

  get size(): number {
    return this.buckets.size;
  }

  stop(): void {
    clearInterval(this.sweepTimer);
  }
}
