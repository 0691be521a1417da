// Websocket Origin allow-list and the rate limits (webhooks per source IP, websocket connections per token).
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '@switchboard/protocol/frames';
import { RateLimiter } from '../src/rate-limit';
import WebSocket from 'ws';
import { issueAdminToken } from '../src/auth';
import { assigned, cleanup, connect, requestFrom, SECRET, startRelay, WEBHOOK_TOKEN, webhookFrom } from './helpers';

afterEach(cleanup);

// The buckets refill by the clock: frozen in the rate-limit tests, so the time their requests take
// (a slow machine, a slow fsync) cannot refill a bucket mid-test. Refilling has its own test with its own clock.
const FROZEN = () => 0;
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
  it('authenticated webhooks have their own limit per endpoint, whatever address they come from: 429 + Retry-After beyond it, counted in /metrics', async () => {
    const t = await startRelay({ webhookRateLimit: 2, rateLimitClock: FROZEN }); // burst 10
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 15; i++) {
      // Alternating source addresses share the limit: it is SnapEngage's, not an address's.
      const res = await webhookFrom(t.relay.url, i % 2 ? '127.0.0.2' : '127.0.0.1', WEBHOOK_TOKEN);
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers['retry-after'] as string;
    }
    // a burst of 10, then nothing: the clock does not move
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    const limited = statuses.filter((s) => s === 429).length;
    expect(limited).toBeGreaterThanOrEqual(2);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await t.get('/metrics')).text).toContain(`relay_webhooks_rejected_total{reason="rate_limited"} ${limited}`);
    // The other endpoint has its own bucket.
    expect((await t.post('/snapengage/agent-status', { agentId: 'alice@example.com', status: 'online' })).status).toBe(200);
  });

  it("a flood of wrong tokens from one address does not delay or 429 SnapEngage's valid webhooks from the same address", async () => {
    // Behind a TLS proxy (without RELAY_TRUST_PROXY) every caller has the proxy's address: here, 127.0.0.1 for all.
    // A webhook limit of 50/s (bursts of 250): when the limit was taken per address before the
    // token was checked, these 600 wrong tokens used it up and SnapEngage's webhooks got 429.
    const t = await startRelay({ webhookRateLimit: 50, rateLimitClock: FROZEN });
    const agent = await connect(t.relay.wsUrl, hello(t.tokenFor('alice@example.com')));
    expect((await agent.next()).type).toBe('welcome');
    const FLOOD = 600;
    const VALID = 40;
    const floodStatuses = new Map<number, number>();
    let flooded = 0;
    const flood = async () => {
      while (flooded < FLOOD) {
        flooded++;
        const res = await webhookFrom(t.relay.url, '127.0.0.1', 'not-the-token');
        floodStatuses.set(res.status, (floodStatuses.get(res.status) ?? 0) + 1);
      }
    };
    const validStatuses: number[] = [];
    const validIds: string[] = [];
    let answeredDuringFlood = 0;
    const valid = async () => {
      for (let i = 0; i < VALID; i++) {
        const body = assigned('alice@example.com');
        validIds.push(body.eventId as string);
        validStatuses.push((await webhookFrom(t.relay.url, '127.0.0.1', WEBHOOK_TOKEN, body)).status);
        if (flooded < FLOOD) answeredDuringFlood++;
      }
    };
    await Promise.all([flood(), flood(), flood(), flood(), flood(), flood(), flood(), flood(), valid()]);
    // Every valid webhook, sent in the middle of the flood, was stored and answered 200 at once (no 429 to retry later), and delivered …
    expect(validStatuses).toEqual(new Array(VALID).fill(200));
    expect(answeredDuringFlood).toBeGreaterThan(0);
    expect((await agent.events(VALID)).map((e) => e.id)).toEqual(validIds);
    // … while the flood ran out its failed-attempt allowance (60/min) and was answered 429 from then on.
    expect(floodStatuses.get(401)).toBeGreaterThanOrEqual(60);
    expect(floodStatuses.get(429)).toBeGreaterThan(FLOOD / 2);
    expect([...floodStatuses.keys()].sort()).toEqual([401, 429]);
    expect((await t.get('/metrics')).text).toContain(`relay_webhooks_rejected_total{reason="unauthorized"} ${FLOOD}`);
  });

  it('failed attempts from one address: 429 + Retry-After once its allowance is spent, for webhooks, the phone endpoint and the events API; a valid token still passes', async () => {
    const t = await startRelay({
      authFailureLimit: 4,
      phoneWebhookToken: 'phone-token-for-tests-0123456789abcdef',
      rateLimitClock: FROZEN,
    });
    const from = '127.0.0.2';
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await webhookFrom(t.relay.url, from, 'wrong')).status);
    statuses.push(
      (
        await requestFrom(t.relay.url, '/api/events', {
          method: 'GET',
          localAddress: from,
          headers: { authorization: 'Bearer sb1.e30.AAAA' },
        })
      ).status,
    );
    expect(statuses).toEqual([401, 401, 401, 401]);
    const limited = await webhookFrom(t.relay.url, from, 'wrong');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.json).toEqual({ error: 'too many failed attempts from this address, retry later' });
    expect(
      (
        await requestFrom(t.relay.url, '/api/events', {
          method: 'GET',
          localAddress: from,
          headers: { authorization: 'Bearer sb1.e30.AAAA' },
        })
      ).status,
    ).toBe(429);
    const phone = await requestFrom(t.relay.url, '/phone/call-events', {
      localAddress: from,
      headers: { authorization: 'wrong', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(phone.status).toBe(429);
    expect(Number(phone.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Valid credentials from the same address are not held back; other addresses are untouched;
    // and the agents' websockets from that address are not locked out by HTTP failures.
    const agent = await connect(t.relay.wsUrl, hello(t.tokenFor('alice@example.com')));
    expect((await agent.next()).type).toBe('welcome');
    expect((await webhookFrom(t.relay.url, from, WEBHOOK_TOKEN)).status).toBe(200);
    expect(
      (
        await requestFrom(t.relay.url, '/api/events', {
          method: 'GET',
          localAddress: from,
          headers: { authorization: `Bearer ${t.tokenFor('alice@example.com')}` },
        })
      ).status,
    ).toBe(200);
    expect((await webhookFrom(t.relay.url, '127.0.0.3', 'wrong')).status).toBe(401);
  });

  it('the admin API takes failed attempts like every other route: a missing, wrong or agent token spends the allowance, then 429 + Retry-After', async () => {
    const t = await startRelay({ authFailureLimit: 3, rateLimitClock: FROZEN });
    const from = '127.0.0.2';
    const admin = (authorization?: string) =>
      requestFrom(t.relay.url, '/admin/quarantine', { method: 'GET', localAddress: from, headers: authorization ? { authorization } : {} });
    const statuses = [
      (await admin()).status,
      (await admin('Bearer sba1.e30.AAAA')).status,
      (await admin(`Bearer ${t.tokenFor('alice@example.com')}`)).status,
    ];
    expect(statuses).toEqual([401, 401, 403]);
    const limited = await admin(`Bearer ${issueAdminToken('another-secret-0123456789abcdef0123456789').token}`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.json).toEqual({ error: 'too many failed attempts from this address, retry later' });
    // The allowance is the address's, whatever route spent it: its webhooks with a wrong token are held back too.
    expect((await webhookFrom(t.relay.url, from, 'wrong')).status).toBe(429);
    // A valid admin token still passes; another address is untouched.
    expect((await admin(`Bearer ${issueAdminToken(SECRET).token}`)).status).toBe(200);
    const other = await requestFrom(t.relay.url, '/admin/quarantine', { method: 'GET', localAddress: '127.0.0.3' });
    expect(other.status).toBe(401);
  });

  it("websockets that fail their hello, never send one, or upgrade to an unknown path spend their address's allowance: then its upgrades get 429 + Retry-After", async () => {
    const t = await startRelay({ authFailureLimit: 3, helloTimeoutMs: 200, rateLimitClock: FROZEN });
    const from = { localAddress: '127.0.0.2' };
    const bad = new WebSocket(t.relay.wsUrl, from);
    bad.on('open', () => bad.send(JSON.stringify(hello('sb1.e30.AAAA'))));
    expect(await new Promise((r) => bad.on('close', (code) => r(code)))).toBe(CloseCode.unauthorized);
    const silent = new WebSocket(t.relay.wsUrl, from);
    expect(await new Promise((r) => silent.on('close', (code) => r(code)))).toBe(CloseCode.helloTimeout);
    const unknown = new WebSocket(`${t.relay.url.replace('http', 'ws')}/elsewhere`, from);
    unknown.on('error', () => undefined);
    expect(await new Promise((r) => unknown.on('unexpected-response', (_req, res) => r(res.statusCode)))).toBe(404);
    const refused = await new Promise<{ status: number; retryAfter?: string }>((resolve) => {
      const ws = new WebSocket(t.relay.wsUrl, from);
      ws.on('unexpected-response', (_req, res) => {
        resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] });
        res.resume();
      });
      ws.on('error', () => undefined);
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await t.get('/metrics')).text).toContain('relay_connections_refused_total{reason="failed_attempts"} 1');
    // Another address's agents are not affected.
    const agent = await connect(t.relay.wsUrl, hello(t.tokenFor('alice@example.com')));
    expect((await agent.next()).type).toBe('welcome');
  });

  it('phone call events have their own authenticated limit: 429 + Retry-After beyond it', async () => {
    const phoneToken = 'phone-token-for-tests-0123456789abcdef';
    const t = await startRelay({ webhookRateLimit: 1, phoneWebhookToken: phoneToken, rateLimitClock: FROZEN }); // burst 5
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${t.relay.url}/phone/call-events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${phoneToken}`, 'content-type': 'application/json' },
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
    const t = await startRelay({ wsRateLimit: 3, rateLimitClock: FROZEN });
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
