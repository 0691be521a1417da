import { describe, expect, it } from 'vitest';
import type { StatusCallResult } from '../src/agent-status-request';
import { outcomeHttpStatus, outcomeOf, resultOf, StatusApiOutcome, StatusApiRequest } from '../src/status-api';

describe('POST /api/status', () => {
  it("asks for online or pause with an optional reason, nothing else (the agent is the token's)", () => {
    expect(StatusApiRequest.safeParse({ status: 'pause', substatus: 'Lunch' }).success).toBe(true);
    expect(StatusApiRequest.safeParse({ status: 'online' }).success).toBe(true);
    for (const bad of [
      { status: 'offline' },
      { status: 'pause', substatus: '' },
      { status: 'pause', substatus: 'x'.repeat(61) },
      { status: 'online', agentId: 'bob@example.com' },
    ]) {
      expect(StatusApiRequest.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it("carries every class of SnapEngage's answer to the extension and back unchanged, with its HTTP status", () => {
    const results: [StatusCallResult, number][] = [
      [{ kind: 'ok' }, 200],
      [{ kind: 'rejected', httpStatus: 401 }, 502],
      [{ kind: 'invalid', httpStatus: 404, detail: 'unknown agent' }, 422],
      [{ kind: 'invalid', httpStatus: 400 }, 422],
      [{ kind: 'retry', reason: 'throttled', httpStatus: 429, retryAfterMs: 7000 }, 429],
      [{ kind: 'retry', reason: 'server', httpStatus: 503 }, 503],
      [{ kind: 'retry', reason: 'timeout' }, 503],
      [{ kind: 'retry', reason: 'network' }, 503],
    ];
    for (const [result, http] of results) {
      const outcome = outcomeOf(result);
      expect(StatusApiOutcome.parse(JSON.parse(JSON.stringify(outcome)))).toEqual(outcome);
      expect(resultOf(outcome)).toEqual(result);
      expect(outcomeHttpStatus(outcome)).toBe(http);
    }
    // Retry-After travels in whole seconds, rounded up.
    expect(outcomeOf({ kind: 'retry', reason: 'throttled', retryAfterMs: 1500 })).toEqual({
      outcome: 'retry',
      reason: 'throttled',
      retryAfterSeconds: 2,
    });
  });
});
