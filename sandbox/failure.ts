import * as z from 'zod/mini';

const FailureMode = z.enum(['401', '403', '429', '500', '503', 'hang', 'none']);
type FailureMode = z.infer<typeof FailureMode>;

export const Failure = z.object({
  mode: FailureMode,
  /** seconds, sent as Retry-After: with 429 always (default 2, short so tests and demos move on), with 503 only when given */
  retryAfter: z.optional(z.int().check(z.nonnegative())),
  /** how many requests fail before it heals; unlimited when absent */
  times: z.optional(z.int().check(z.positive())),
});
export type Failure = z.infer<typeof Failure>;

export interface FailureState {
  mode: Exclude<FailureMode, 'none'>;
  retryAfter?: number;
  remaining: number | null;
}

/** The failure switch for the SnapEngage-facing API; each failing request uses up one `times`. */
export class FailureSwitch {
  private state: FailureState | null = null;

  set(failure: Failure | null): void {
    if (!failure || failure.mode === 'none') {
      this.state = null;
      return;
    }
    this.state = {
      mode: failure.mode,
      ...(failure.retryAfter !== undefined && { retryAfter: failure.retryAfter }),
      remaining: failure.times ?? null,
    };
  }

  current(): FailureState | null {
    return this.state && { ...this.state };
  }

  /** The failure to apply to this request, if any. */
  take(): FailureState | null {
    const state = this.state;
    if (!state) return null;
    if (state.remaining !== null) {
      state.remaining -= 1;
      if (state.remaining <= 0) this.state = null;
    }
    return { ...state };
  }
}
