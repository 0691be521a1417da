// The stores' ReportSource (board/report-rows.ts): one fixture through SQLite (a file, and in memory)
// and Redis, each expected to give exactly the rows written out below by hand: the period's events,
// each agent's latest status before it, the assignments of the day before it, nothing else, ordered
// by (agent, at, seq), agents by their UTF-8 bytes as SQLite orders text.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ReportRow } from '../../src/board/report-rows';
import { RelayRedisStore } from '../../src/redis-store';
import { REPORT_COLUMNS } from '../../src/sqlite-schema';
import { SqliteEventStore } from '../../src/sqlite-store';
import type { EventStore, NewEvent } from '../../src/store';
import { startRedis, type RedisUnderTest } from '../redis-server';

// Not ../helpers: these tests need a folder, not a relay.
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'report-rows-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const A = 'alice@example.com';
const B = 'bob@example.com';
/** U+FF5A (fullwidth z): before the emoji in UTF-8 (EF… < F0…), after it in UTF-16 (FF5A > D83D). */
const W = '\uFF5A@example.com';
const E = '\u{1F600}@example.com';
const t = (iso: string) => Date.parse(iso);
const START = t('2026-03-10T00:00:00.000Z');
const END = t('2026-03-11T00:00:00.000Z');

const ev = (agent: string, id: string, kind: string, at: string, data: Record<string, unknown>): NewEvent => ({
  id,
  agent,
  kind,
  at,
  data,
});
const status = (agent: string, id: string, at: string, s: string, substatus?: string) =>
  ev(agent, id, 'agent_status', at, { agentId: agent, status: s, ...(substatus && { substatus }) });
const transfer = { fromAgentId: 'Alice@Example.com', toAgentId: 'bob@example.com' };

/** Appended one call each, in this order: seq n is the n-th event stored (the duplicate takes none). */
const FIXTURE: NewEvent[][] = [
  [status(A, 's1', '2026-03-08T09:00:00.000Z', 'online')], // 1: before start, not the latest: out
  [status(A, 's2', '2026-03-09T23:00:00.000Z', 'pause', 'Lunch')], // 2: the latest before start: in
  [ev(A, 'a0', 'assigned', '2026-03-08T23:59:59.999Z', { conversationId: 'c0', agentAlias: 'Alice' })], // 3: before the lookback: out
  [
    ev(A, 'a1', 'assigned', '2026-03-09T22:00:00.000Z', {
      conversationId: 'c1',
      agentAlias: 'Alice',
      createdAt: t('2026-03-09T21:59:00Z'),
    }),
  ], // 4
  [ev(A, 'r1', 'responded', '2026-03-09T22:05:00.000Z', { conversationId: 'c1' })], // 5: before start, not an assignment: out
  [status(A, 's3', '2026-03-10T08:00:00.000Z', 'online')], // 6
  [
    ev(A, 'x1', 'closed', '2026-03-10T08:30:00.000Z', {
      conversationId: 'c1',
      agentAlias: 'Alice',
      createdAt: t('2026-03-09T21:59:00Z'),
      closedAt: t('2026-03-10T08:29:00Z'),
    }),
  ], // 7
  [status(A, 's4', '2026-03-10T07:00:00.000Z', 'pause', 'Break')], // 8: arrived late, happened before 6
  [ev(A, 'x1', 'closed', '2026-03-10T08:30:00.000Z', { conversationId: 'c1' })], // a redelivery of 7: no seq, no row
  [
    ev(B, 't2', 'transferred', '2026-03-10T09:00:00.000Z', { conversationId: 'c2', transfer }), // 9
    ev(A, 't2', 'transferred', '2026-03-10T09:00:00.000Z', { conversationId: 'c2', transfer }), // 10
  ],
  [ev(A, 'k1', 'call', '2026-03-10T09:00:00.000Z', { conversationId: 'c9', status: 'ringing' })], // 11: same ms as 10, after it by seq
  [status(A, 's5', '2026-03-10T23:59:59.999Z', 'offline')], // 12: the period's last ms
  [status(A, 's6', '2026-03-11T00:00:00.000Z', 'online')], // 13: at the end: out
  [status(B, 's7', '2026-03-01T12:00:00.000Z', 'online')], // 14: B's latest before start, however old
  [ev('*', 'q3', 'queued', '2026-03-10T10:00:00.000Z', { conversationId: 'c3', createdAt: t('2026-03-10T09:59:30Z') })], // 15
  [ev(W, 'w1', 'assigned', '2026-03-10T11:00:00.000Z', { conversationId: 'c4' })], // 16
  [ev(E, 'e1', 'assigned', '2026-03-10T11:00:00.000Z', { conversationId: 'c5' })], // 17
  [ev(B, 'b0', 'closed', '2026-03-09T12:00:00.000Z', { conversationId: 'c6' })], // 18: before start, not an assignment: out
  [
    ev(B, 'bt', 'transferred', '2026-03-09T23:30:00.000Z', {
      conversationId: 'c7',
      transfer: { fromAgentId: 'carol@example.com', toAgentId: 'bob@example.com' },
    }),
  ], // 19: in the lookback
];

const row = (seq: number, agent: string, kind: string, at: string, more: Partial<ReportRow> = {}): ReportRow => ({
  seq,
  agent,
  kind,
  at: t(at),
  ...more,
});
const EXPECTED: ReportRow[] = [
  row(15, '*', 'queued', '2026-03-10T10:00:00.000Z', { conversationId: 'c3', createdAt: t('2026-03-10T09:59:30Z') }),
  row(4, A, 'assigned', '2026-03-09T22:00:00.000Z', { conversationId: 'c1', alias: 'Alice', createdAt: t('2026-03-09T21:59:00Z') }),
  row(2, A, 'agent_status', '2026-03-09T23:00:00.000Z', { status: 'pause', substatus: 'Lunch' }),
  row(8, A, 'agent_status', '2026-03-10T07:00:00.000Z', { status: 'pause', substatus: 'Break' }),
  row(6, A, 'agent_status', '2026-03-10T08:00:00.000Z', { status: 'online' }),
  row(7, A, 'closed', '2026-03-10T08:30:00.000Z', {
    conversationId: 'c1',
    alias: 'Alice',
    createdAt: t('2026-03-09T21:59:00Z'),
    closedAt: t('2026-03-10T08:29:00Z'),
  }),
  row(10, A, 'transferred', '2026-03-10T09:00:00.000Z', { conversationId: 'c2', transferFrom: A, transferTo: B }),
  row(11, A, 'call', '2026-03-10T09:00:00.000Z'),
  row(12, A, 'agent_status', '2026-03-10T23:59:59.999Z', { status: 'offline' }),
  row(14, B, 'agent_status', '2026-03-01T12:00:00.000Z', { status: 'online' }),
  row(19, B, 'transferred', '2026-03-09T23:30:00.000Z', { conversationId: 'c7', transferFrom: 'carol@example.com', transferTo: B }),
  row(9, B, 'transferred', '2026-03-10T09:00:00.000Z', { conversationId: 'c2', transferFrom: A, transferTo: B }),
  row(16, W, 'assigned', '2026-03-10T11:00:00.000Z', { conversationId: 'c4' }),
  row(17, E, 'assigned', '2026-03-10T11:00:00.000Z', { conversationId: 'c5' }),
];

async function fill(store: EventStore): Promise<void> {
  for (const events of FIXTURE) await store.append(events);
}

function reportSourceSuite(label: string, open: () => Promise<EventStore>) {
  describe(`ReportSource: ${label}`, () => {
    it('gives the hand-written rows: the period, the latest status before it, the day-before assignments, in (agent, at, seq) order', async () => {
      const store = await open();
      await fill(store);
      const rows = await store.reportSource!.rows({ start: START, end: END });
      // A field the event did not carry is undefined (every row has every key: one shape).
      expect(rows).toEqual(EXPECTED);
      await store.close();
    });

    it('an end beyond any date (the board reads up to now and later) takes every later event', async () => {
      const store = await open();
      await fill(store);
      const rows = await store.reportSource!.rows({ start: START, end: Number.MAX_SAFE_INTEGER });
      expect(rows.filter((r) => r.agent === A).map((r) => r.seq)).toEqual([4, 2, 8, 6, 7, 10, 11, 12, 13]);
      await store.close();
    });

    it('a period with nothing in it still has each agent’s status in force', async () => {
      const store = await open();
      await fill(store);
      const rows = await store.reportSource!.rows({ start: t('2026-04-01T00:00:00Z'), end: t('2026-04-02T00:00:00Z') });
      expect(rows.map((r) => [r.agent, r.seq])).toEqual([
        [A, 13],
        [B, 14],
      ]);
      await store.close();
    });
  });
}

reportSourceSuite('SQLite file', async () => new SqliteEventStore(join(tempDir(), 'rows.db')));
reportSourceSuite('SQLite in memory', async () => new SqliteEventStore(':memory:'));

let redis: RedisUnderTest | undefined;
let prefixes = 0;
describe('with Redis', () => {
  beforeAll(async () => {
    redis = await startRedis();
  }, 60_000);
  afterAll(async () => {
    await redis?.stop();
  });
  reportSourceSuite('Redis', () => RelayRedisStore.open(redis!.url, { prefix: `rows-${process.pid}-${++prefixes}:` }));
});

describe('SQLite: events stored before the report columns', () => {
  it('are read through their JSON, to the same rows, beside events stored with them', async () => {
    const path = join(tempDir(), 'legacy.db');
    let store = new SqliteEventStore(path);
    await fill(store);
    await store.close();
    // As a relay from before the columns left them (an older relay writing to this file does too): empty on every other event.
    const db = new Database(path);
    db.prepare(`UPDATE event_log SET ${REPORT_COLUMNS.map((c) => `${c} = NULL`).join(', ')} WHERE seq % 2 = 1`).run();
    expect(db.prepare('SELECT count(*) AS n FROM event_log WHERE r_at IS NULL').get()).toEqual({ n: 10 });
    db.close();
    store = new SqliteEventStore(path);
    expect(await store.reportSource.rows({ start: START, end: END })).toEqual(EXPECTED);
    await store.close();
  });

  it('a database from before them gains them when opened; its events read the same', async () => {
    const path = join(tempDir(), 'before.db');
    let store = new SqliteEventStore(path);
    await fill(store);
    await store.close();
    const db = new Database(path);
    for (const c of REPORT_COLUMNS) db.exec(`ALTER TABLE event_log DROP COLUMN ${c}`);
    db.close();
    store = new SqliteEventStore(path);
    expect(await store.reportSource.rows({ start: START, end: END })).toEqual(EXPECTED);
    await store.close();
    const reopened = new Database(path, { readonly: true });
    const columns = (reopened.prepare('PRAGMA table_info(event_log)').all() as Array<{ name: string }>).map((c) => c.name);
    reopened.close();
    expect(columns).toEqual(expect.arrayContaining([...REPORT_COLUMNS]));
  });
});

describe('SQLite: a period long after most of the log', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads from where the period can start, and still finds the status in force, stored long before, by when it happened', async () => {
    const store = new SqliteEventStore(join(tempDir(), 'long.db'));
    // Each event stored at a time of its own (the store stamps stored_at with Date.now()).
    vi.useFakeTimers({ toFake: ['Date'] });
    const storedAt = async (stored: string, e: NewEvent) => {
      vi.setSystemTime(t(stored));
      await store.append([e]);
    };
    await storedAt('2026-03-01T08:00:00Z', status(A, 'o0', '2026-03-01T08:00:00.000Z', 'online')); // 1
    await storedAt('2026-03-02T08:00:00Z', status(B, 'b0', '2026-03-02T08:00:00.000Z', 'pause', 'Training')); // 2: B's only status
    await storedAt('2026-03-05T12:00:00Z', status(A, 'o1', '2026-03-05T12:00:00.000Z', 'pause', 'Lunch')); // 3: the latest before the period
    await storedAt('2026-03-06T10:00:00Z', status(A, 'o2', '2026-03-04T09:00:00.000Z', 'online')); // 4: stored later, happened earlier
    await storedAt('2026-03-10T10:00:00Z', ev(A, 'x0', 'assigned', '2026-03-10T10:00:00.000Z', { conversationId: 'old' })); // 5
    for (let i = 0; i < 20; i++)
      await storedAt(
        `2026-03-${String(11 + (i % 7)).padStart(2, '0')}T10:00:00Z`,
        ev(B, `b${i + 1}`, 'responded', `2026-03-${11 + (i % 7)}T10:00:00.000Z`, { conversationId: `b${i}` }),
      ); // 6–25
    // Assignments of the day before the period: one stored before that day began (SnapEngage's clock 14 h ahead).
    await storedAt('2026-03-18T20:00:00Z', ev(A, 'a-1', 'assigned', '2026-03-19T10:00:00.000Z', { conversationId: 'c-1' })); // 26
    await storedAt('2026-03-19T20:00:00Z', ev(A, 'a0', 'assigned', '2026-03-19T20:00:00.000Z', { conversationId: 'c0' })); // 27
    await storedAt('2026-03-20T09:00:00Z', ev(A, 'a1', 'assigned', '2026-03-20T09:00:00.000Z', { conversationId: 'c1' })); // 28
    await storedAt('2026-03-20T09:31:00Z', ev(A, 'x1', 'closed', '2026-03-20T09:30:00.000Z', { conversationId: 'c1' })); // 29: a minute late
    await storedAt('2026-03-20T10:00:00Z', status(A, 'o3', '2026-03-20T23:00:00.000Z', 'offline')); // 30: SnapEngage's clock 13 h ahead
    vi.useRealTimers();
    const rows = await store.reportSource.rows({ start: t('2026-03-20T00:00:00.000Z'), end: t('2026-03-21T00:00:00.000Z') });
    expect(rows.map((r) => [r.agent, r.seq, r.kind, r.status])).toEqual([
      [A, 3, 'agent_status', 'pause'],
      [A, 26, 'assigned', undefined],
      [A, 27, 'assigned', undefined],
      [A, 28, 'assigned', undefined],
      [A, 29, 'closed', undefined],
      [A, 30, 'agent_status', 'offline'],
      [B, 2, 'agent_status', 'pause'],
    ]);
    await store.close();
  });
});

describe('SQLite: a long read lets the relay work', () => {
  it('an append made while a report reads 50,000 events is committed before the rows are in: the read lets go of the event loop', async () => {
    const store = new SqliteEventStore(join(tempDir(), 'big.db'));
    for (let b = 0; b < 50; b++)
      await store.append(
        Array.from({ length: 1000 }, (_, i) =>
          ev(`agent${i % 50}@example.com`, `e${b}-${i}`, 'assigned', new Date(START + b * 60_000 + i).toISOString(), {
            conversationId: `c${b}-${i}`,
          }),
        ),
      );
    let committed = false;
    const read = store.reportSource.rows({ start: START, end: END }).then((found) => ({ rows: found, committedFirst: committed }));
    const appended = store.append([ev(A, 'during', 'assigned', '2026-03-12T00:00:00.000Z', { conversationId: 'd' })], () => {
      committed = true;
    });
    const { rows, committedFirst } = await read;
    await appended;
    expect(rows).toHaveLength(50_000);
    expect(committedFirst).toBe(true);
    await store.close();
  });
});
