import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode, EventFrame, WelcomeFrame } from '@switchboard/protocol/frames';
import { issueRelayToken, verifyRelayToken } from '../src/auth';
import { eventFrameText } from '../src/socket-hub';
import type { EventStore } from '../src/store';
import { assigned, cleanup, connect, postMany, SECRET, sleep, startRelay } from './helpers';

afterEach(cleanup);

const CONV = '/snapengage/conversation-events';
const hello = (token: string, after = 0, generation?: string) => ({ type: 'hello', token, after, ...(generation ? { generation } : {}) });

describe('websocket hub', () => {
  it('welcomes, replays stored events, then streams live ones — all valid frames', async () => {
    const t = await startRelay();
    const stored = [assigned('alice@example.com'), assigned('alice@example.com')];
    for (const b of stored) await t.post(CONV, b);
    const c = await connect(t.relay.wsUrl, hello(t.tokenFor('alice@example.com')));
    const welcome = await c.next();
    expect(WelcomeFrame.parse(welcome)).toEqual({
      type: 'welcome',
      agent: 'alice@example.com',
      latest: 2,
      generation: t.relay.store.generation,
      resumed: true,
    });
    const live = assigned('alice@example.com');
    await t.post(CONV, live);
    const events = await c.events(3);
    for (const e of events) EventFrame.parse(e);
    expect(events.map((e) => e.id)).toEqual([...stored, live].map((b) => b.eventId));
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(events[0]).toMatchObject({ kind: 'assigned', data: { agentId: 'alice@example.com', conversationId: expect.any(String) } });
  });

  it('resumes after a seq', async () => {
    const t = await startRelay();
    for (let i = 0; i < 4; i++) await t.post(CONV, assigned('alice@example.com'));
    const c = await connect(t.relay.wsUrl, hello(t.tokenFor('alice@example.com'), 2, t.relay.store.generation));
    expect(await c.next()).toMatchObject({ type: 'welcome', latest: 4, resumed: true });
    expect((await c.events(2)).map((e) => e.seq)).toEqual([3, 4]);
    await sleep(100);
    expect(c.frames).toHaveLength(3);
  });

  it("Bob's token never receives Alice's events", async () => {
    const t = await startRelay();
    await t.post(CONV, assigned('alice@example.com'));
    const bob = await connect(t.relay.wsUrl, hello(t.tokenFor('bob@example.com')));
    expect(await bob.next()).toMatchObject({ type: 'welcome', agent: 'bob@example.com', latest: 0 });
    await t.post(CONV, assigned('alice@example.com'));
    await t.post(CONV, { agentId: 'alice@example.com', status: 'pause' });
    await t.post('/snapengage/agent-status', { agentId: 'alice@example.com', status: 'pause', timestamp: 1 });
    const mine = assigned('bob@example.com');
    await t.post(CONV, mine);
    const events = await bob.events(1);
    await sleep(100);
    expect(bob.frames.filter((f) => f.type === 'event').map((e) => e.id)).toEqual([mine.eventId]);
    expect(events.every((e) => e.data.agentId === 'bob@example.com')).toBe(true);
  });

  it('several sockets of one agent each get every event', async () => {
    const t = await startRelay();
    const token = t.tokenFor('alice@example.com');
    const a = await connect(t.relay.wsUrl, hello(token));
    const b = await connect(t.relay.wsUrl, hello(token));
    await a.next();
    await b.next();
    const body = assigned('alice@example.com');
    await t.post(CONV, body);
    expect((await a.events(1))[0].id).toBe(body.eventId);
    expect((await b.events(1))[0].id).toBe(body.eventId);
    expect((await t.get('/healthz')).json.connectedAgents).toBe(1);
  });

  it('no gaps or duplicates when events arrive while a client replays', async () => {
    const t = await startRelay({ logLevel: 'info' });
    const bodies = Array.from({ length: 1200 }, () => assigned('alice@example.com'));
    // 1000 stored before the client connects (two replay pages), 200 posted concurrently with the hello
    await postMany(t, CONV, bodies.slice(0, 1000));
    const c = await connect(t.relay.wsUrl, hello(t.tokenFor('alice@example.com')));
    await postMany(t, CONV, bodies.slice(1000));
    const events = await c.events(1200, 15_000);
    await sleep(200);
    const all = c.frames.filter((f) => f.type === 'event');
    expect(all).toHaveLength(1200);
    const seqs = all.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(all.map((e) => e.id))).toEqual(new Set(bodies.map((b) => b.eventId)));
    expect(events).toHaveLength(1200);
  });

  it('generation mismatch → resumed:false and replay from 0', async () => {
    const t = await startRelay();
    for (let i = 0; i < 3; i++) await t.post(CONV, assigned('alice@example.com'));
    const c = await connect(t.relay.wsUrl, hello(t.tokenFor('alice@example.com'), 2, 'some-older-generation'));
    expect(await c.next()).toMatchObject({ type: 'welcome', resumed: false, latest: 3, generation: t.relay.store.generation });
    expect((await c.events(3)).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('an `after` beyond anything stored → resumed:false and replay from 0', async () => {
    const t = await startRelay();
    await t.post(CONV, assigned('alice@example.com'));
    const c = await connect(t.relay.wsUrl, hello(t.tokenFor('alice@example.com'), 99));
    expect(await c.next()).toMatchObject({ type: 'welcome', resumed: false, latest: 1 });
    expect((await c.events(1)).map((e) => e.seq)).toEqual([1]);
  });

  describe('bad hellos close with a 4xxx code and a reason', () => {
    it.each([
      ['not JSON', 'hello?', CloseCode.badFrame, /not valid JSON/],
      ['wrong type', { type: 'hi', token: 'x', after: 0 }, CloseCode.badFrame, /bad hello: type/],
      ['missing after', { type: 'hello', token: 'x' }, CloseCode.badFrame, /bad hello: after/],
      ['negative after', { type: 'hello', token: 'x', after: -1 }, CloseCode.badFrame, /bad hello: after/],
      ['extra field', { type: 'hello', token: 'x', after: 0, admin: true }, CloseCode.badFrame, /bad hello/],
      ['malformed token', { type: 'hello', token: 'x', after: 0 }, CloseCode.unauthorized, /^token malformed$/],
      [
        'wrong signature',
        { type: 'hello', token: issueRelayToken('z'.repeat(40), 'alice@example.com').token, after: 0 },
        CloseCode.unauthorized,
        /^token bad signature$/,
      ],
      [
        'expired token',
        {
          type: 'hello',
          token: issueRelayToken(SECRET, 'alice@example.com', { ttlDays: 1, now: new Date(Date.now() - 3 * 86_400_000) }).token,
          after: 0,
        },
        CloseCode.unauthorized,
        /^token expired$/,
      ],
    ])('%s', async (_n, frame, code, reason) => {
      const t = await startRelay();
      const c = await connect(t.relay.wsUrl, frame as any);
      const closed = await c.closed;
      expect(closed.code).toBe(code);
      expect(closed.reason).toMatch(reason);
      expect(c.frames).toEqual([]);
      expect((await t.get('/healthz')).status).toBe(200);
    });

    it('revoked token', async () => {
      const t = await startRelay();
      const token = t.tokenFor('alice@example.com');
      const v = verifyRelayToken(SECRET, token);
      if (!v.ok) throw new Error('unexpected');
      await t.relay.store.revokeToken(v.jti);
      const c = await connect(t.relay.wsUrl, hello(token));
      expect(await c.closed).toEqual({ code: CloseCode.unauthorized, reason: 'token revoked' });
    });

    it('a revoked token is dropped at the next ping sweep', async () => {
      const t = await startRelay({ pingIntervalMs: 1000 });
      const token = t.tokenFor('alice@example.com');
      const c = await connect(t.relay.wsUrl, hello(token));
      await c.next();
      const v = verifyRelayToken(SECRET, token);
      if (!v.ok) throw new Error('unexpected');
      await t.relay.store.revokeToken(v.jti);
      expect(await c.closed).toEqual({ code: CloseCode.unauthorized, reason: 'token revoked' });
    });

    it('no hello in time → 4408', async () => {
      const t = await startRelay({ helloTimeoutMs: 200 });
      const c = await connect(t.relay.wsUrl);
      expect((await c.closed).code).toBe(CloseCode.helloTimeout);
    });

    it('a second frame after hello → 4400', async () => {
      const t = await startRelay();
      const c = await connect(t.relay.wsUrl, hello(t.tokenFor('alice@example.com')));
      await c.next();
      c.ws.send(JSON.stringify(hello(t.tokenFor('alice@example.com'))));
      expect((await c.closed).code).toBe(CloseCode.badFrame);
    });

    it('origin not in the allow-list → 4403', async () => {
      const t = await startRelay();
      const evil = await connect(t.relay.wsUrl, undefined, { origin: 'https://evil.example' });
      expect(await evil.closed).toEqual({ code: CloseCode.forbiddenOrigin, reason: 'origin not allowed' });
      const ext = await connect(t.relay.wsUrl, hello(t.tokenFor('alice@example.com')), { origin: 'chrome-extension://abcdefghijklmnop' });
      expect((await ext.next()).type).toBe('welcome');
      const ff = await connect(t.relay.wsUrl, hello(t.tokenFor('alice@example.com')), { origin: 'moz-extension://1234-5678' });
      expect((await ff.next()).type).toBe('welcome');
    });

    it('an explicit allow-list replaces the defaults', async () => {
      const t = await startRelay({ allowedOrigins: ['chrome-extension://only-this-one'] });
      const other = await connect(t.relay.wsUrl, undefined, { origin: 'chrome-extension://another' });
      expect((await other.closed).code).toBe(CloseCode.forbiddenOrigin);
      const noOrigin = await connect(t.relay.wsUrl);
      expect((await noOrigin.closed).code).toBe(CloseCode.forbiddenOrigin);
      const ok = await connect(t.relay.wsUrl, hello(t.tokenFor('alice@example.com')), { origin: 'chrome-extension://only-this-one' });
      expect((await ok.next()).type).toBe('welcome');
    });
  });

  it('too many sockets for one agent → 4429', async () => {
    const t = await startRelay({ maxSocketsPerAgent: 2 });
    const token = t.tokenFor('alice@example.com');
    for (let i = 0; i < 2; i++) await (await connect(t.relay.wsUrl, hello(token))).next();
    const third = await connect(t.relay.wsUrl, hello(token));
    expect((await third.closed).code).toBe(CloseCode.tooManyConnections);
  });

  it('a socket that closes while its hello awaits the store is not registered afterwards (no stale 4429)', async () => {
    // Redis answers latest() over the network; a socket can close during that round trip.
    const first = await startRelay();
    const real = first.relay.store;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let waiting = 0;
    const slow: EventStore = Object.create(real);
    slow.latest = async (agent) => {
      waiting++;
      await gate;
      return real.latest(agent);
    };
    const t = await startRelay({ store: slow, dir: first.dir, maxSocketsPerAgent: 2 });
    const token = t.tokenFor('alice@example.com');
    const gone = await Promise.all([0, 1, 2].map(() => connect(t.relay.wsUrl, hello(token))));
    while (waiting < 3) await sleep(5);
    for (const c of gone) c.ws.terminate();
    while (!t.relay.metrics.render().includes('relay_connected_sockets 0')) await sleep(5);
    release();
    const c = await connect(t.relay.wsUrl, hello(token));
    expect((await c.next()).type).toBe('welcome');
    expect((await t.get('/healthz')).json.connectedAgents).toBe(1);
    c.close();
    await c.closed;
    while (!t.relay.metrics.render().includes('relay_connected_sockets 0')) await sleep(5);
    expect((await t.get('/healthz')).json.connectedAgents).toBe(0);
  });

  it('terminates sockets that do not answer pings', async () => {
    const t = await startRelay({ pingIntervalMs: 1000 });
    const c = await connect(t.relay.wsUrl, hello(t.tokenFor('alice@example.com')));
    await c.next();
    // ws answers pings automatically; stop it so the socket looks dead to the relay
    (c.ws as any)._receiver.removeAllListeners('ping');
    (c.ws as any).pong = () => undefined;
    c.ws.on('ping', () => undefined);
    const closed = await c.closed;
    expect(closed.code).toBe(1006);
  });

  it('pings every socket on its own slot: the sockets that stay keep being pinged as others leave', async () => {
    // The exact rhythm (once per interval, two per slot, fixed when others leave) is PingSchedule's,
    // tested with a fake clock in ping-schedule.test.ts; real timers on a busy machine fire late.
    const t = await startRelay({ pingIntervalMs: 1000 });
    const pings: number[] = [];
    const clients: Awaited<ReturnType<typeof connect>>[] = [];
    for (let i = 0; i < 40; i++) {
      const c = await connect(t.relay.wsUrl, hello(t.tokenFor(`agent${i}@example.com`)));
      await c.next();
      clients.push(c);
      const n = i;
      c.ws.on('message', (data) => {
        if (JSON.parse(String(data)).type === 'ping') pings[n] = (pings[n] ?? 0) + 1;
      });
    }
    // Most sockets leave; the ten that stay go on being pinged.
    for (const c of clients.slice(10)) c.ws.close();
    while (!t.relay.metrics.render().includes('relay_connected_sockets 10\n')) await sleep(10);
    const before = clients.slice(0, 10).map((_, i) => pings[i] ?? 0);
    while (!clients.slice(0, 10).every((_, i) => (pings[i] ?? 0) >= before[i]! + 2)) await sleep(50);
    expect(clients.slice(0, 10).every((c) => c.ws.readyState === c.ws.OPEN)).toBe(true);
  });

  it('closing the relay sends 1001 to every client', async () => {
    const t = await startRelay();
    const a = await connect(t.relay.wsUrl, hello(t.tokenFor('alice@example.com')));
    const b = await connect(t.relay.wsUrl, hello(t.tokenFor('bob@example.com')));
    await a.next();
    await b.next();
    await t.close();
    expect(await a.closed).toEqual({ code: 1001, reason: 'relay shutting down' });
    expect((await b.closed).code).toBe(1001);
  });
});

describe('event frames', () => {
  it('are the JSON of { type, seq, id, kind, at, data }, with or without the data serialized beforehand', () => {
    const data = { conversationId: 'c"1', visitor: { name: 'Zoë \u2028' }, n: [1, null] };
    const e = { seq: 7, id: 'ev-"1"', agent: 'a@example.com', kind: 'assigned', at: '2026-01-01T00:00:00.000Z', data };
    const expected = JSON.stringify({ type: 'event', seq: 7, id: e.id, kind: e.kind, at: e.at, data });
    expect(eventFrameText(e)).toBe(expected);
    expect(eventFrameText({ ...e, dataJson: JSON.stringify(data) })).toBe(expected);
    expect(EventFrame.parse(JSON.parse(eventFrameText(e)))).toMatchObject({ type: 'event', seq: 7, data });
  });
});
