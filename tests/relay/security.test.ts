// Websocket Origin allow-list and the rate limits (webhooks per source IP, websocket connections per token).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CloseCode } from '../../lib/protocol/frames';
import { RateLimiter } from '../../relay/rate-limit';
import { assigned, cleanup, connect, startRelay } from './helpers';

afterEach(cleanup);

// The relay's buckets refill by the clock: frozen here, so the time the requests take (a slow
// machine, a slow fsync) cannot refill a bucket mid-test. Refilling has its own test, with its own clock.
vi.mock('../../relay/rate-limit', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../relay/rate-limit')>();
  class FrozenClockRateLimiter extends m.RateLimiter {
    constructor(ratePerSecond: number, burst: number, maxKeys?: number, now: () => number = () => 0) {
      super(ratePerSecond, burst, maxKeys, now);
    }
  }
  return { ...m, RateLimiter: FrozenClockRateLimiter };
});
const hello = (token: string) => ({ type: 'hello', token, after: 0 });

describe('websocket Origin allow-list', () => {
  it('default: extension origins and no-Origin clients pass; web pages are refused with 4403', async () => {
    const t = await startRelay();
    const token = t.tokenFor('alice@example.com');
    for (const origin of ['chrome-extension://abcdefghijklmnop', 'moz-extension://1234-5678', undefined]) {
      const c = await connect(t.relay.wsUrl, hello(token), { origin });
      expect((await c.next()).type, String(origin)).toBe('welcome');
      c.close();
    }
    for (const origin of ['https://evil.example', 'http://localhost:3000', 'null']) {
      const c = await connect(t.relay.wsUrl, hello(token), { origin });
      expect(await c.closed, origin).toEqual({ code: CloseCode.forbiddenOrigin, reason: 'origin not allowed' });
    }
  });

  it('a configured list allows exactly those origins', async () => {
    const t = await startRelay({ allowedOrigins: ['chrome-extension://ourid'] });
    const token = t.tokenFor('alice@example.com');
    const ok = await connect(t.relay.wsUrl, hello(token), { origin: 'chrome-extension://ourid' });
    expect((await ok.next()).type).toBe('welcome');
    const other = await connect(t.relay.wsUrl, hello(token), { origin: 'chrome-extension://otherid' });
    expect((await other.closed).code).toBe(CloseCode.forbiddenOrigin);
  });
});

describe('rate limits', () => {
  it('webhooks over the per-IP limit get 429 + Retry-After, counted in /metrics', async () => {
    const t = await startRelay({ webhookRateLimit: 2 }); // burst 10
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 15; i++) {
      const res = await fetch(t.relay.url + '/snapengage/conversation-events', {
        method: 'POST',
        headers: { authorization: 'snapengage-webhook-token-for-tests', 'content-type': 'application/json' },
        body: JSON.stringify(assigned('alice@example.com')),
      });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
      await res.arrayBuffer();
    }
    // a burst of 10, then nothing: the clock does not move
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    const limited = statuses.filter((s) => s === 429).length;
    expect(limited).toBeGreaterThanOrEqual(2);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await t.get('/metrics')).text).toContain(`relay_webhooks_rejected_total{reason="rate_limited"} ${limited}`);
  });

  it('phone call events share the per-IP limit: 429 + Retry-After beyond it', async () => {
    const t = await startRelay({ webhookRateLimit: 1, phoneWebhookToken: 'phone-token-for-tests' }); // burst 5
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await fetch(t.relay.url + '/phone/call-events', {
        method: 'POST',
        headers: { authorization: 'Bearer phone-token-for-tests', 'content-type': 'application/json' },
        body: JSON.stringify({ agent: 'alice@example.com', state: 'started', callId: `c${i}` }),
      });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      await res.arrayBuffer();
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses).toContain(429);
    expect((await t.get('/metrics')).text).toContain('relay_phone_call_events_rejected_total{reason="rate_limited"}');
  });

  it('websocket connections over the per-token limit are closed with 4429, counted in /metrics; other tokens are not affected', async () => {
    const t = await startRelay({ wsRateLimit: 3 });
    const token = t.tokenFor('alice@example.com');
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const c = await connect(t.relay.wsUrl, hello(token));
      const first = await Promise.race([c.next().then((f) => f.type), c.closed.then((x) => x.code)]);
      codes.push(first === 'welcome' ? 0 : (first as number));
      c.close();
    }
    expect(codes).toEqual([0, 0, 0, CloseCode.tooManyConnections]);
    const bob = await connect(t.relay.wsUrl, hello(t.tokenFor('bob@example.com')));
    expect((await bob.next()).type).toBe('welcome');
    expect((await t.get('/metrics')).text).toContain('relay_websocket_rate_limited_total 1');
  });

  it('0 disables a limiter; buckets refill over time', () => {
    let now = 0;
    const off = new RateLimiter(0, 0);
    expect(Array.from({ length: 1000 }, () => off.take('x').ok).every(Boolean)).toBe(true);
    const l = new RateLimiter(1, 2, 10, () => now);
    expect([l.take('a').ok, l.take('a').ok, l.take('a').ok]).toEqual([true, true, false]);
    expect(l.take('a').retryAfterSeconds).toBe(1);
    now += 1000;
    expect(l.take('a').ok).toBe(true);
    for (let i = 0; i < 50; i++) l.take(`k${i}`);
    expect(l.size).toBeLessThanOrEqual(10);
    l.stop();
  });
});
