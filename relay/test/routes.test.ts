import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventStore } from '../src/store';
import { assigned, cleanup, connect, sleep, startRelay, WEBHOOK_TOKEN, type TestRelay } from './helpers';

afterEach(cleanup);

const CONV = '/snapengage/conversation-events';
const STATUS = '/snapengage/agent-status';

/** Raw request, so tests control headers and body framing exactly (fetch would fix them up). */
function raw(
  url: string,
  path: string,
  headers: Record<string, string | number>,
  body: Buffer | string,
): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url + path, { method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode!, json: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function expectStillServing(t: TestRelay, storedIds: string[]) {
  const health = await t.get('/healthz');
  expect(health.status).toBe(200);
  const probe = assigned('alice@example.com');
  expect((await t.post(CONV, probe)).status).toBe(200);
  const events = await t.get('/api/events?limit=1000', { authorization: `Bearer ${t.tokenFor('alice@example.com')}` });
  const ids = events.json.events.map((e: { id: string }) => e.id);
  expect(ids).toEqual([...storedIds, probe.eventId]);
  storedIds.push(probe.eventId as string);
}

describe('webhook endpoints', () => {
  it('stores a conversation event and answers 200 with its seq', async () => {
    const t = await startRelay();
    const res = await t.post(CONV, assigned('alice@example.com'));
    expect(res).toEqual({ status: 200, json: { ok: true, seq: 1, duplicate: false } });
    const status = await t.post(STATUS, {
      agentId: 'alice@example.com',
      status: 'pause',
      substatus: 'Lunch',
      previousStatus: 'online',
      timestamp: 1_764_000_000_123,
    });
    expect(status).toEqual({ status: 200, json: { ok: true, seq: 2, duplicate: false } });
  });

  it.each([
    ['Authorization bare', { authorization: WEBHOOK_TOKEN }],
    ['Authorization Bearer', { authorization: `Bearer ${WEBHOOK_TOKEN}` }],
    ['Authentication', { authorization: '', authentication: WEBHOOK_TOKEN }],
  ])('accepts the token as %s', async (_n, headers) => {
    const t = await startRelay();
    const h: Record<string, string> = { ...headers };
    if (h.authorization === '') delete h.authorization;
    const res = await raw(t.relay.url, CONV, { 'content-type': 'application/json', ...h }, JSON.stringify(assigned('alice@example.com')));
    expect(res.status).toBe(200);
  });

  it('answers each bad input with the right status (JSON the adapter cannot read: 202, quarantined) and keeps serving with stored events intact', async () => {
    const t = await startRelay();
    const stored: string[] = [];
    const first = assigned('alice@example.com');
    await t.post(CONV, first);
    stored.push(first.eventId as string);
    const json = { 'content-type': 'application/json' };

    const cases: [string, () => Promise<{ status: number; json: any }>, number, RegExp][] = [
      ['missing token', () => raw(t.relay.url, CONV, json, JSON.stringify(assigned('alice@example.com'))), 401, /token/],
      ['wrong token', () => t.post(CONV, assigned('alice@example.com'), { authorization: 'nope' }), 401, /token/],
      ['wrong Bearer token', () => t.post(STATUS, {}, { authorization: 'Bearer nope' }), 401, /token/],
      ['text/plain', () => t.post(CONV, assigned('alice@example.com'), { 'content-type': 'text/plain' }), 415, /application\/json/],
      ['no content type', () => raw(t.relay.url, CONV, { authorization: WEBHOOK_TOKEN }, '{}'), 415, /application\/json/],
      ['non-JSON', () => t.post(CONV, '{"event": "conversation_assigned",'), 400, /^body is not valid JSON$/],
      ['empty body', () => t.post(CONV, ''), 400, /^body is not valid JSON$/],
      // Well-formed JSON the adapter cannot read is kept, not refused: the reason says why (see quarantine.test.ts).
      ['JSON array', () => t.post(CONV, [1, 2]), 202, /^not_object$/],
      ['assigned without agent', () => t.post(CONV, { event: 'conversation_assigned', conversation: { id: 'c' } }), 202, /^missing_agent$/],
      [
        'assigned without conversation',
        () => t.post(CONV, { event: 'conversation_assigned', agent: { id: 'a@b.c' } }),
        202,
        /^missing_conversation$/,
      ],
      ['no event type', () => t.post(CONV, { conversation: { id: 'c' } }), 202, /^missing_kind$/],
      ['status not allowed', () => t.post(STATUS, { agentId: 'a@b.c', status: 'busy' }), 202, /^unknown_status$/],
      ['status without agent', () => t.post(STATUS, { status: 'online' }), 202, /^missing_agent$/],
      [
        '> 1 MiB with content-length',
        () => raw(t.relay.url, CONV, { ...json, authorization: WEBHOOK_TOKEN }, Buffer.alloc(1024 * 1024 + 10, 'a')),
        413,
        /larger/,
      ],
      [
        '> 1 MiB chunked',
        () =>
          raw(
            t.relay.url,
            STATUS,
            { ...json, authorization: WEBHOOK_TOKEN, 'transfer-encoding': 'chunked' },
            Buffer.alloc(3 * 1024 * 1024, ' '),
          ),
        413,
        /larger/,
      ],
    ];
    for (const [name, send, status, message] of cases) {
      const res = await send();
      expect(res.status, name).toBe(status);
      expect(res.status === 202 ? res.json.reason : res.json.error, name).toMatch(message);
      await expectStillServing(t, stored);
    }
    const metrics = await t.get('/metrics');
    expect(metrics.text).toContain('relay_webhooks_rejected_total{reason="unauthorized"} 3');
    expect(metrics.text).toContain('relay_webhooks_rejected_total{reason="unsupported_media_type"} 2');
    expect(metrics.text).toContain('relay_webhooks_rejected_total{reason="bad_json"} 2');
    expect(metrics.text).not.toContain('relay_webhooks_rejected_total{reason="bad_payload"}');
    expect(metrics.text).toContain('relay_webhooks_quarantined_total{reason="missing_agent"} 2');
    for (const reason of ['not_object', 'missing_conversation', 'missing_kind', 'unknown_status'])
      expect(metrics.text).toContain(`relay_webhooks_quarantined_total{reason="${reason}"} 1`);
    expect(metrics.text).toContain('relay_webhooks_rejected_total{reason="too_large"} 2');
  });

  it('answers a duplicate 200 with the first seq and forwards it once', async () => {
    const t = await startRelay();
    const token = t.tokenFor('alice@example.com');
    const client = await connect(t.relay.wsUrl, { type: 'hello', token, after: 0 });
    expect((await client.next()).type).toBe('welcome');
    const body = assigned('alice@example.com');
    expect((await t.post(CONV, body)).json).toEqual({ ok: true, seq: 1, duplicate: false });
    expect((await t.post(CONV, body)).json).toEqual({ ok: true, seq: 1, duplicate: true });
    // same event, another spelling: same id, so also a duplicate
    const respelled = { ...body, event: 'CASE_ASSIGNED' };
    expect((await t.post(CONV, respelled)).json).toEqual({ ok: true, seq: 1, duplicate: true });
    const marker = assigned('alice@example.com');
    await t.post(CONV, marker);
    const events = await client.events(2);
    expect(events.map((e) => e.id)).toEqual([body.eventId, marker.eventId]);
  });

  it('a transferred event reaches both agents; one with no agent is stored but not forwarded', async () => {
    const t = await startRelay();
    const alice = await connect(t.relay.wsUrl, { type: 'hello', token: t.tokenFor('alice@example.com'), after: 0 });
    const bob = await connect(t.relay.wsUrl, { type: 'hello', token: t.tokenFor('bob@example.com'), after: 0 });
    await alice.next();
    await bob.next();
    const queued = { event: 'conversation_queued', eventId: 'q1', timestamp: 1_764_000_000_000, conversation: { id: 'c-q' } };
    expect((await t.post(CONV, queued)).json).toMatchObject({ ok: true, duplicate: false });
    const transfer = {
      event: 'conversation_transferred',
      eventId: 't1',
      timestamp: 1_764_000_000_000,
      conversation: { id: 'c-t' },
      agent: { id: 'alice@example.com' },
      transfer: { fromAgentId: 'bob@example.com', toAgentId: 'alice@example.com' },
    };
    expect((await t.post(CONV, transfer)).status).toBe(200);
    expect((await alice.events(1)).map((e) => e.id)).toEqual(['t1']);
    expect((await bob.events(1)).map((e) => e.id)).toEqual(['t1']);
    expect(await t.relay.store.readAfter('*', 0, 10)).toMatchObject([{ id: 'q1', kind: 'queued' }]);
  });

  it('answers 503 when the store fails, and keeps serving', async () => {
    const first = await startRelay();
    const real = first.relay.store;
    let failing = true;
    const flaky: EventStore = {
      get generation() {
        return real.generation;
      },
      append: (e, committed) => (failing ? Promise.reject(new Error('disk full')) : real.append(e, committed)),
      readAfter: (...a) => real.readAfter(...a),
      latest: (a) => real.latest(a),
      prune: (d) => real.prune(d),
      quarantine: (e) => (failing ? Promise.reject(new Error('disk full')) : real.quarantine(e)),
      listQuarantine: (q) => real.listQuarantine(q),
      updateQuarantine: (...a) => real.updateQuarantine(...a),
      dropQuarantine: (ids) => real.dropQuarantine(ids),
      pruneQuarantine: (d) => real.pruneQuarantine(d),
      revokeToken: (j) => real.revokeToken(j),
      isRevoked: (j) => real.isRevoked(j),
      healthy: async () => !failing,
      close: async () => undefined,
    };
    const t = await startRelay({ store: flaky, dir: first.dir });
    const res = await t.post(CONV, assigned('alice@example.com'));
    expect(res).toEqual({ status: 503, json: { error: 'event store unavailable, retry later' } });
    expect((await t.get('/healthz')).status).toBe(503);
    failing = false;
    expect((await t.post(CONV, assigned('alice@example.com'))).status).toBe(200);
    expect((await t.get('/healthz')).json).toMatchObject({ ok: true, generation: real.generation });
  });

  it('answers 500 JSON for an unexpected error and stays up', async () => {
    const first = await startRelay();
    const real = first.relay.store;
    const broken: EventStore = Object.create(real);
    broken.readAfter = () => Promise.reject(new TypeError('boom'));
    const t = await startRelay({ store: broken, dir: first.dir });
    const res = await t.get('/api/events', { authorization: `Bearer ${t.tokenFor('alice@example.com')}` });
    expect(res).toMatchObject({ status: 500, json: { error: 'internal error' } });
    expect((await t.get('/healthz')).status).toBe(200);
  });

  it('a webhook URL with a query string, or sent in absolute form (as through a forward proxy), reaches its route', async () => {
    const t = await startRelay();
    const headers = { 'content-type': 'application/json', authorization: WEBHOOK_TOKEN };
    expect((await raw(t.relay.url, `${CONV}?source=snapengage`, headers, JSON.stringify(assigned('alice@example.com')))).status).toBe(200);
    const absolute = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: t.relay.port, method: 'POST', path: `${t.relay.url}${CONV}`, headers }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end(JSON.stringify(assigned('alice@example.com')));
    });
    expect(absolute).toBe(200);
  });

  it('404 for unknown paths, 405 for wrong methods', async () => {
    const t = await startRelay();
    expect(await t.get('/nope')).toMatchObject({ status: 404, json: { error: 'not found' } });
    expect(await t.get(CONV)).toMatchObject({ status: 405 });
  });
});

describe('GET /api/events', () => {
  it('returns only the caller’s events, after a seq, with a limit', async () => {
    const t = await startRelay();
    const a = [assigned('alice@example.com'), assigned('alice@example.com'), assigned('alice@example.com')];
    for (const [i, body] of a.entries()) {
      await t.post(CONV, body);
      if (i === 0) await t.post(CONV, assigned('bob@example.com'));
    }
    const auth = { authorization: `Bearer ${t.tokenFor('Alice@Example.com')}` };
    const all = await t.get('/api/events', auth);
    expect(all.status).toBe(200);
    expect(all.json.generation).toBe(t.relay.store.generation);
    expect(all.json.events.map((e: any) => e.id)).toEqual(a.map((b) => b.eventId));
    expect(all.json.events.map((e: any) => e.seq)).toEqual([1, 3, 4]);
    expect(Object.keys(all.json.events[0]).sort()).toEqual(['at', 'data', 'id', 'kind', 'seq']);
    expect((await t.get('/api/events?after=1&limit=1', auth)).json.events.map((e: any) => e.seq)).toEqual([3]);
    expect((await t.get('/api/events?after=4', auth)).json.events).toEqual([]);
    expect((await t.get('/api/events?limit=abc', auth)).status).toBe(400);
    expect((await t.get('/api/events?limit=5000', auth)).status).toBe(200);
  });

  it('401 without, with a bad, an expired or a revoked token', async () => {
    const t = await startRelay();
    expect((await t.get('/api/events')).status).toBe(401);
    expect((await t.get('/api/events', { authorization: 'Bearer sb1.x.y' })).status).toBe(401);
    const other = (await import('../src/auth')).issueRelayToken('another-secret-0123456789abcdef0123', 'alice@example.com').token;
    expect((await t.get('/api/events', { authorization: `Bearer ${other}` })).json.error).toBe('relay token bad signature');
    const expired = (await import('../src/auth')).issueRelayToken((await import('./helpers')).SECRET, 'alice@example.com', {
      ttlDays: 1,
      now: new Date(Date.now() - 2 * 86_400_000),
    }).token;
    expect((await t.get('/api/events', { authorization: `Bearer ${expired}` })).json.error).toBe('relay token expired');
    const { verifyRelayToken } = await import('../src/auth');
    const token = t.tokenFor('alice@example.com');
    const v = verifyRelayToken((await import('./helpers')).SECRET, token);
    if (!v.ok) throw new Error('token should verify');
    await t.relay.store.revokeToken(v.jti);
    expect((await t.get('/api/events', { authorization: `Bearer ${token}` })).json.error).toBe('relay token revoked');
  });
});

describe('operational endpoints', () => {
  it('/healthz reports generation and connected agents', async () => {
    const t = await startRelay();
    const c = await connect(t.relay.wsUrl, { type: 'hello', token: t.tokenFor('alice@example.com'), after: 0 });
    await c.next();
    expect(await t.get('/healthz')).toMatchObject({
      status: 200,
      json: { ok: true, generation: t.relay.store.generation, connectedAgents: 1 },
    });
  });

  it('/metrics shows an event-loop stall to every reader: reading resets nothing', async () => {
    const t = await startRelay();
    const maxDelay = async () => Number(/relay_event_loop_delay_seconds\{quantile="1"\} (\S+)/.exec((await t.get('/metrics')).text)?.[1]);
    await t.get('/metrics');
    await sleep(50);
    // The relay runs in this process: hold its event loop as a long synchronous job would.
    const until = performance.now() + 300;
    while (performance.now() < until);
    await sleep(50);
    // A visitor's read, then the real scraper's: both see the stall.
    expect(await maxDelay()).toBeGreaterThanOrEqual(0.25);
    expect(await maxDelay()).toBeGreaterThanOrEqual(0.25);
    await sleep(100);
    expect(await maxDelay()).toBeGreaterThanOrEqual(0.25);
  });

  it('/metrics exposes counters, gauges and the latency histogram', async () => {
    const t = await startRelay();
    const c = await connect(t.relay.wsUrl, { type: 'hello', token: t.tokenFor('alice@example.com'), after: 0 });
    await c.next();
    await t.post(CONV, assigned('alice@example.com'));
    await t.post(STATUS, { agentId: 'alice@example.com', status: 'online', timestamp: 1_764_000_000 });
    await t.post(CONV, assigned('alice@example.com'), { authorization: 'wrong' });
    await c.events(2);
    const m = await t.get('/metrics');
    expect(m.status).toBe(200);
    const text = m.text;
    for (const line of [
      '# TYPE relay_webhooks_accepted_total counter',
      'relay_webhooks_accepted_total{endpoint="conversation-events"} 1',
      'relay_webhooks_accepted_total{endpoint="agent-status"} 1',
      'relay_webhooks_rejected_total{reason="unauthorized"} 1',
      'relay_events_delivered_total 2',
      'relay_connected_agents 1',
      'relay_connected_sockets 1',
      '# TYPE relay_delivery_latency_seconds histogram',
      'relay_delivery_latency_seconds_bucket{le="+Inf"} 2',
      'relay_delivery_latency_seconds_count 2',
    ]) {
      expect(text).toContain(line);
    }
    expect(text).toMatch(/relay_delivery_latency_seconds_sum \d/);
  });
});
