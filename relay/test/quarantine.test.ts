// Quarantine, never loss: an authenticated JSON body the adapter cannot read is kept (202) and can
// be replayed through a newer adapter or field map, or dropped, by the operator's admin API.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { issueAdminToken, issueRelayToken } from '../src/auth';
import { RelayRedisStore } from '../src/redis-store';
import { startRedis, type RedisUnderTest } from './redis-server';
import { assigned, cleanup, connect, SECRET, startRelay, tempDir, type TestRelay } from './helpers';

afterEach(cleanup);

const CONV = '/snapengage/conversation-events';
const STATUS = '/snapengage/agent-status';

// A shape the built-in spellings do not cover (the event type is under `name`, the rest nested),
// with visitor data that must never show in a log line or a preview.
const VISITOR = { name: 'Zelda Visitor', email: 'zelda@example.org', question: 'Where is my parcel 4711?' };
const VISITOR_VALUES = [VISITOR.name, VISITOR.email, VISITOR.question, 'parcel 4711'];
function v2(n: number, operators: Array<{ mail: string; nick: string }> = [{ mail: 'alice@example.com', nick: 'Alice' }]) {
  return {
    name: 'CONVERSATION_ASSIGNED',
    uuid: `v2-${n}`,
    occurred: new Date(1_764_000_000_000 + n * 1000).toISOString(),
    payload: { chat: { uuid: `c-${n}`, link: `https://www.snapengage.com/viewcase?c=c-${n}`, visitor: VISITOR }, operators },
  };
}
const MAP = {
  $comment: 'v2 bodies',
  conversationEvents: {
    kind: 'name',
    eventId: 'uuid',
    at: 'occurred',
    conversationId: '/payload/chat/uuid',
    agentId: '/payload/operators/0/mail',
    agentAlias: 'payload.operators.0.nick',
    requesterName: '/payload/chat/visitor/name',
    requesterEmail: '/payload/chat/visitor/email',
    description: '/payload/chat/visitor/question',
    url: '/payload/chat/link',
  },
};

function writeMap(dir: string, map: unknown = MAP): string {
  const path = join(dir, 'adapter-map.json');
  writeFileSync(path, JSON.stringify(map));
  return path;
}

const admin = (t: TestRelay, token = issueAdminToken(SECRET).token) => ({
  list: (query = '') => t.get(`/admin/quarantine${query}`, { authorization: `Bearer ${token}` }),
  replay: (selection: unknown) => t.post('/admin/quarantine/replay', selection, { authorization: `Bearer ${token}` }),
  drop: (selection: unknown) => t.post('/admin/quarantine/drop', selection, { authorization: `Bearer ${token}` }),
});

const warnLines = (t: TestRelay) =>
  t.logs.map((l) => JSON.parse(l)).filter((l) => l.level === 40 && String(l.msg).startsWith('webhook quarantined'));

describe('quarantine', () => {
  it('a JSON body the adapter cannot read: 202 once stored, one entry per body however often redelivered, counted by reason, warned once per reason without its values', async () => {
    const t = await startRelay();
    const alice = await connect(t.relay.wsUrl, { type: 'hello', token: t.tokenFor('alice@example.com'), after: 0 });
    expect((await alice.next()).type).toBe('welcome');

    const first = await t.post(CONV, v2(1));
    expect(first).toEqual({
      status: 202,
      json: { quarantined: expect.stringMatching(/^q-[0-9a-f]{32}$/), reason: 'missing_kind', duplicate: false },
    });
    expect(await t.post(CONV, v2(1))).toEqual({ status: 202, json: { ...first.json, duplicate: true } });
    const second = await t.post(CONV, v2(2));
    expect(second.json.quarantined).not.toBe(first.json.quarantined);
    // The same bytes at the other endpoint are another entry.
    const status = await t.post(STATUS, v2(1));
    expect(status.json).toMatchObject({ reason: 'missing_agent', duplicate: false });
    expect(status.json.quarantined).not.toBe(first.json.quarantined);
    expect((await t.post(STATUS, { agentId: 'alice@example.com', status: 'busy' })).json.reason).toBe('unknown_status');

    const entries = await t.relay.store.listQuarantine({ limit: 10 });
    expect(entries.map((e) => [e.id, e.endpoint, e.reason])).toEqual([
      [first.json.quarantined, 'conversation-events', 'missing_kind'],
      [second.json.quarantined, 'conversation-events', 'missing_kind'],
      [status.json.quarantined, 'agent-status', 'missing_agent'],
      [expect.any(String), 'agent-status', 'unknown_status'],
    ]);
    expect(JSON.parse(entries[0]!.body)).toEqual(v2(1));

    const metrics = (await t.get('/metrics')).text;
    expect(metrics).toContain('relay_webhooks_quarantined_total{reason="missing_kind"} 3');
    expect(metrics).toContain('relay_webhooks_quarantined_total{reason="missing_agent"} 1');
    expect(metrics).toContain('relay_webhooks_quarantined_total{reason="unknown_status"} 1');
    expect(metrics).not.toContain('relay_webhooks_accepted_total{');

    const warned = warnLines(t);
    expect(warned.map((l) => l.reason)).toEqual(['missing_kind', 'missing_agent', 'unknown_status']);
    expect(warned[0]).toMatchObject({ endpoint: 'conversation-events', quarantineId: first.json.quarantined });
    const logs = t.logs.join('');
    for (const value of [...VISITOR_VALUES, 'busy']) expect(logs).not.toContain(value);

    // Nothing reached the agent: a marker event is the next thing it sees.
    const marker = assigned('alice@example.com');
    expect((await t.post(CONV, marker)).status).toBe(200);
    expect((await alice.events(1)).map((e) => e.id)).toEqual([marker.eventId]);
  });

  it('non-JSON stays 400, and a wrong token, a wrong type or an oversized body are refused as before: none is quarantined', async () => {
    const t = await startRelay();
    expect((await t.post(CONV, '{"name": "CONVERSATION_ASSIGNED",')).status).toBe(400);
    expect((await t.post(CONV, v2(1), { authorization: 'wrong-token' })).status).toBe(401);
    expect((await t.post(CONV, v2(1), { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await t.post(CONV, { ...v2(1), pad: 'x'.repeat(1024 * 1024) })).status).toBe(413);
    expect(await t.relay.store.listQuarantine({ limit: 10 })).toEqual([]);
  });

  it('what was answered 202 is still there after the relay stops and starts again', async () => {
    const dir = tempDir();
    const a = await startRelay({ dir });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await a.post(CONV, v2(i))).json.quarantined);
    await a.close();
    const b = await startRelay({ dir });
    expect((await b.relay.store.listQuarantine({ limit: 10 })).map((e) => e.id)).toEqual(ids);
  });

  it('list: id, time, endpoint, reason and the body shape (keys and types, no values), in order of receipt, a page at a time', async () => {
    const t = await startRelay();
    const before = Date.now();
    const ids = [
      (await t.post(CONV, v2(1))).json.quarantined,
      (await t.post(STATUS, { agent: { '@weird.key@example.org': 1 }, status: ['x', 'y', 'z'], n: null, ok: true })).json.quarantined,
    ];
    const res = await admin(t).list();
    expect(res.status).toBe(200);
    expect(res.json.next).toBeNull();
    expect(res.json.entries).toEqual([
      {
        id: ids[0],
        n: expect.any(Number),
        receivedAt: expect.any(String),
        endpoint: 'conversation-events',
        reason: 'missing_kind',
        detail: 'event is missing (the event type, e.g. "conversation_assigned")',
        preview: {
          name: 'string',
          uuid: 'string',
          occurred: 'string',
          payload: {
            chat: { uuid: 'string', link: 'string', visitor: { name: 'string', email: 'string', question: 'string' } },
            operators: [{ mail: 'string', nick: 'string' }],
          },
        },
      },
      {
        id: ids[1],
        n: expect.any(Number),
        receivedAt: expect.any(String),
        endpoint: 'agent-status',
        reason: 'missing_agent',
        detail: expect.any(String),
        preview: { agent: { '<key 1: redacted>': 'number' }, status: ['string', '…2 more'], n: 'null', ok: 'boolean' },
      },
    ]);
    expect(Date.parse(res.json.entries[0].receivedAt)).toBeGreaterThanOrEqual(before - 1000);
    for (const value of [...VISITOR_VALUES, 'alice@example.com', 'CONVERSATION_ASSIGNED', 'weird.key', 'https://'])
      expect(res.text).not.toContain(value);
    const page = await admin(t).list('?limit=1');
    expect(page.json.entries.map((e: { id: string }) => e.id)).toEqual([ids[0]]);
    const rest = await admin(t).list(`?limit=1&after=${page.json.next}`);
    expect(rest.json.entries.map((e: { id: string }) => e.id)).toEqual([ids[1]]);
    expect((await admin(t).list('?limit=x')).status).toBe(400);
  });

  it('the admin API: only a valid, short-lived admin token; agent tokens are refused; nothing is said without one', async () => {
    const t = await startRelay();
    const get = (authorization?: string) => t.get('/admin/quarantine', authorization ? { authorization } : {});
    expect(await get()).toMatchObject({ status: 401, json: { error: expect.stringContaining('missing admin token') } });
    expect(await get(`Bearer ${t.tokenFor('alice@example.com')}`)).toMatchObject({
      status: 403,
      json: { error: 'an agent token cannot use the admin API' },
    });
    expect(await get(`Bearer ${issueAdminToken('another-secret-0123456789abcdef0123456789').token}`)).toMatchObject({
      status: 401,
      json: { error: 'admin token bad signature' },
    });
    expect(await get(`Bearer ${issueAdminToken(SECRET, { now: new Date(Date.now() - 301_000) }).token}`)).toMatchObject({
      status: 401,
      json: { error: 'admin token expired' },
    });
    expect(await get(`Bearer ${issueAdminToken(SECRET, { ttlSeconds: 86_400 }).token}`)).toMatchObject({
      status: 401,
      json: { error: 'admin token expired' },
    });
    // An agent token's signed text under the admin prefix: the prefix is part of what is signed.
    const agent = issueRelayToken(SECRET, 'alice@example.com').token;
    expect(await get(`Bearer sba1.${agent.split('.').slice(1).join('.')}`)).toMatchObject({
      status: 401,
      json: { error: 'admin token bad signature' },
    });
    expect((await get(`Bearer ${issueAdminToken(SECRET).token}`)).status).toBe(200);
    // Unknown paths and methods are only told to a caller with a token.
    expect((await t.get('/admin/nothing')).status).toBe(401);
    expect((await t.post('/admin/quarantine', {}, { authorization: `Bearer ${issueAdminToken(SECRET).token}` })).status).toBe(405);
    expect((await t.get('/admin/nothing', { authorization: `Bearer ${issueAdminToken(SECRET).token}` })).status).toBe(404);
    // Selections are checked.
    for (const bad of [{}, { all: false }, { ids: [] }, { ids: ['q-1'] }, { ids: ['x'], all: true }, [1]])
      expect((await admin(t).replay(bad)).status, JSON.stringify(bad)).toBe(400);
    expect(
      (
        await t.post('/admin/quarantine/drop', '{"all":true}', {
          authorization: `Bearer ${issueAdminToken(SECRET).token}`,
          'content-type': 'text/plain',
        })
      ).status,
    ).toBe(415);
  });

  it('replay after a restart with a field map: delivered to the connected agent once, in order of receipt, and removed; what still cannot be read stays with its new reason', async () => {
    const dir = tempDir();
    const before = await startRelay({ dir });
    const q1 = (await before.post(CONV, v2(1))).json.quarantined;
    const stuck = (await before.post(CONV, v2(2, []))).json.quarantined; // no operator: still unreadable with the map
    const q3 = (await before.post(CONV, v2(3))).json.quarantined;
    const sameEvent = (await before.post(CONV, { ...v2(1), extra: 'another delivery of v2-1' })).json.quarantined;
    await before.close();

    const t = await startRelay({ dir, adapterMap: writeMap(dir) });
    const alice = await connect(t.relay.wsUrl, { type: 'hello', token: t.tokenFor('alice@example.com'), after: 0 });
    expect((await alice.next()).type).toBe('welcome');
    const res = await admin(t).replay({ all: true });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      delivered: [
        { id: q1, endpoint: 'conversation-events', eventId: 'v2-1', kind: 'assigned', seq: 1, duplicate: false },
        { id: q3, endpoint: 'conversation-events', eventId: 'v2-3', kind: 'assigned', seq: 2, duplicate: false },
        { id: sameEvent, endpoint: 'conversation-events', eventId: 'v2-1', kind: 'assigned', seq: 1, duplicate: true },
      ],
      kept: [{ id: stuck, reason: 'missing_agent', detail: expect.stringContaining('agent.id is missing') }],
      missing: [],
    });
    const events = await alice.events(2);
    expect(events.map((e) => e.id)).toEqual(['v2-1', 'v2-3']);
    expect(events[0]).toMatchObject({
      kind: 'assigned',
      at: new Date(1_764_000_001_000).toISOString(),
      data: {
        conversationId: 'c-1',
        url: 'https://www.snapengage.com/viewcase?c=c-1',
        agentId: 'alice@example.com',
        agentAlias: 'Alice',
        requesterName: VISITOR.name,
        requesterEmail: VISITOR.email,
        description: VISITOR.question,
      },
    });
    expect((await t.relay.store.listQuarantine({ limit: 10 })).map((e) => [e.id, e.reason])).toEqual([[stuck, 'missing_agent']]);

    // Again: nothing more is delivered; the agent's next event is a marker.
    expect((await admin(t).replay({ all: true })).json).toMatchObject({ delivered: [], kept: [{ id: stuck }] });
    expect((await admin(t).replay({ ids: [q1] })).json).toEqual({ delivered: [], kept: [], missing: [q1] });
    const marker = assigned('alice@example.com');
    await t.post(CONV, marker);
    expect((await alice.events(3)).map((e) => e.id)).toEqual(['v2-1', 'v2-3', marker.eventId]);
    expect((await t.get('/metrics')).text).toContain('relay_quarantine_replayed_total 3');
    // With the map, the same shape is now simply accepted.
    expect((await t.post(CONV, v2(4))).json).toMatchObject({ ok: true, duplicate: false });
  });

  it('replay --id picks entries, still in order of receipt; drop removes by id or all', async () => {
    const dir = tempDir();
    const before = await startRelay({ dir });
    const ids: string[] = [];
    for (let i = 1; i <= 4; i++) ids.push((await before.post(CONV, v2(i))).json.quarantined);
    await before.close();
    const t = await startRelay({ dir, adapterMap: writeMap(dir) });
    const replayed = await admin(t).replay({ ids: [ids[2], ids[0]] });
    expect(replayed.json.delivered.map((d: { eventId: string }) => d.eventId)).toEqual(['v2-1', 'v2-3']);
    expect(await t.relay.store.readAfter('alice@example.com', 0, 10)).toMatchObject([{ id: 'v2-1' }, { id: 'v2-3' }]);
    const unknown = `q-${'0'.repeat(32)}`;
    expect((await admin(t).drop({ ids: [ids[1], unknown] })).json).toEqual({ dropped: 1, missing: [unknown] });
    expect((await admin(t).drop({ all: true })).json).toEqual({ dropped: 1, missing: [] });
    expect((await admin(t).list()).json.entries).toEqual([]);
    expect(await t.relay.store.readAfter('alice@example.com', 0, 10)).toHaveLength(2);
  });

  it('RELAY_ADAPTER_MAP: a bad file stops the start with an error naming the file and the bad entry', async () => {
    const dir = tempDir();
    await expect(startRelay({ dir, adapterMap: join(dir, 'missing.json') })).rejects.toThrow(
      /RELAY_ADAPTER_MAP \(.*missing\.json\) cannot be read: ENOENT/,
    );
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"conversationEvents": ');
    await expect(startRelay({ dir, adapterMap: broken })).rejects.toThrow(/RELAY_ADAPTER_MAP \(.*broken\.json\) is not valid JSON/);
    await expect(startRelay({ dir, adapterMap: writeMap(dir, { conversationEvents: { agnet: '/a' } }) })).rejects.toThrow(
      /RELAY_ADAPTER_MAP \(.*\) has a bad entry: conversationEvents\.agnet is not a field the adapter reads \(known: kind, eventId/,
    );
    await expect(startRelay({ dir, adapterMap: writeMap(dir, { agentStatus: { status: ['/a', 'b..c'] } }) })).rejects.toThrow(
      /agentStatus\.status\[1\] "b\.\.c" is neither a JSON pointer/,
    );
  });

  it('entries older than the retention are pruned at start, like events', async () => {
    const dir = tempDir();
    const a = await startRelay({ dir });
    const old = (await a.post(CONV, v2(1))).json.quarantined;
    await a.relay.store.quarantine({
      id: `q-${'a'.repeat(32)}`,
      endpoint: 'conversation-events',
      receivedAt: Date.now() - 8 * 86_400_000,
      reason: 'missing_kind',
      detail: '',
      body: '{}',
    });
    await a.close();
    const b = await startRelay({ dir, retentionDays: 7 });
    expect((await b.relay.store.listQuarantine({ limit: 10 })).map((e) => e.id)).toEqual([old]);
  });
});

describe('quarantine with Redis', () => {
  let redis: RedisUnderTest;
  beforeAll(async () => {
    redis = await startRedis();
  }, 60_000);
  afterAll(async () => {
    await redis?.stop();
  });

  it('202 and stored in Redis; a replay reaches the agent through the fan-out', async () => {
    const dir = tempDir();
    const prefix = `q-${process.pid}:`;
    const first = await RelayRedisStore.open(redis.url, { prefix });
    const before = await startRelay({ dir, store: first });
    const id = (await before.post(CONV, v2(1))).json.quarantined;
    await before.close();
    await first.close();
    const store = await RelayRedisStore.open(redis.url, { prefix });
    const t = await startRelay({ dir, store, adapterMap: writeMap(dir) });
    const alice = await connect(t.relay.wsUrl, { type: 'hello', token: t.tokenFor('alice@example.com'), after: 0 });
    expect((await alice.next()).type).toBe('welcome');
    expect((await admin(t).replay({ all: true })).json.delivered).toMatchObject([{ id, eventId: 'v2-1' }]);
    expect((await alice.events(1)).map((e) => e.id)).toEqual(['v2-1']);
    expect(await store.listQuarantine({ limit: 10 })).toEqual([]);
    await t.close();
    await store.close();
  });
});
