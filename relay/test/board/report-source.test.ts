// The stores' ReportSource (board/report-rows.ts): one fixture through SQLite (a file, and in memory)
// and Redis, each expected to give exactly the rows written out below by hand: the period's events,
// each agent's latest status before it, the assignments of the day before it, nothing else, ordered
// by (agent, at, seq), agents by their UTF-8 bytes as SQLite orders text.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { computeReport, periodOf, ReportTally } from '../../src/board/report';
import type { ReportRow, ReportSource } from '../../src/board/report-rows';
import { RelayRedisStore } from '../../src/redis-store';
import { FEED_SQL } from '../../src/sqlite-report-source';
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

const OPTS = { now: t('2026-03-12T00:00:00Z'), retentionDays: 30 };
const DAY_10 = { from: '2026-03-10', to: '2026-03-10', tz: 'UTC' };

/** The report as the route computes it: the source's rows fed into a ReportTally. */
async function fedReport(source: ReportSource, query: { from: string; to: string; tz: string }, opts = OPTS) {
  const tally = new ReportTally(query);
  await source.feed(tally.range, tally);
  return tally.report(opts);
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

    it('feeds a report the same figures as the hand-written rows give', async () => {
      const store = await open();
      await fill(store);
      const report = await fedReport(store.reportSource!, DAY_10);
      expect(report).toEqual(computeReport(EXPECTED, DAY_10, OPTS));
      // Not a report of nothing: the fixture's agents and figures are in it.
      expect(report.agents.map((a) => [a.agent, a.chatsHandled])).toEqual([
        [A, 1],
        [B, 0],
        [W, 0],
        [E, 0],
      ]);
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

/** The fixture stored, the file then left as an older relay would have left it (`olden`), and opened again. */
async function olderLog(name: string, olden: (db: Database.Database) => void): Promise<{ path: string; store: SqliteEventStore }> {
  const path = join(tempDir(), name);
  const first = new SqliteEventStore(path);
  await fill(first);
  await first.close();
  const db = new Database(path);
  olden(db);
  db.close();
  return { path, store: new SqliteEventStore(path) };
}

/** As a relay from before the columns left them (an older relay writing to this file does too): empty on every other event. */
const columnsEmptyOnOddSeqs = (db: Database.Database) =>
  db.prepare(`UPDATE event_log SET ${REPORT_COLUMNS.map((c) => `${c} = NULL`).join(', ')} WHERE seq % 2 = 1`).run();

describe('SQLite: events stored before the report columns', () => {
  it('are read through their JSON, to the same rows, beside events stored with them', async () => {
    const { store } = await olderLog('legacy.db', (db) => {
      columnsEmptyOnOddSeqs(db);
      expect(db.prepare('SELECT count(*) AS n FROM event_log WHERE r_at IS NULL').get()).toEqual({ n: 10 });
    });
    expect(await store.reportSource.rows({ start: START, end: END })).toEqual(EXPECTED);
    await store.close();
  });

  it('feed reads them through their JSON too: the same report', async () => {
    const { store } = await olderLog('legacy-feed.db', columnsEmptyOnOddSeqs);
    expect(await fedReport(store.reportSource, DAY_10)).toEqual(computeReport(EXPECTED, DAY_10, OPTS));
    await store.close();
  });

  it('a database from before them gains them when opened; its events read the same', async () => {
    const { path, store } = await olderLog('before.db', (db) => {
      // The indexes of then: (agent, seq) alone, nothing on the columns.
      db.exec(
        'DROP INDEX event_log_agent_report; DROP INDEX event_log_unreported; CREATE INDEX event_log_agent_seq ON event_log (agent, seq)',
      );
      for (const c of REPORT_COLUMNS) db.exec(`ALTER TABLE event_log DROP COLUMN ${c}`);
    });
    expect(await store.reportSource.rows({ start: START, end: END })).toEqual(EXPECTED);
    await store.close();
    const reopened = new Database(path, { readonly: true });
    const columns = (reopened.prepare('PRAGMA table_info(event_log)').all() as Array<{ name: string }>).map((c) => c.name);
    reopened.close();
    expect(columns).toEqual(expect.arrayContaining([...REPORT_COLUMNS]));
  });

  it('an older log trades its (agent, seq) index for one a report reads an agent from alone, without the table', async () => {
    const { path, store } = await olderLog('index.db', (db) =>
      db.exec('DROP INDEX event_log_agent_report; CREATE INDEX event_log_agent_seq ON event_log (agent, seq)'),
    );
    expect(await fedReport(store.reportSource, DAY_10)).toEqual(computeReport(EXPECTED, DAY_10, OPTS));
    await store.close();
    const reopened = new Database(path, { readonly: true });
    const indexes = (
      reopened.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'event_log'").all() as Array<{ name: string }>
    ).map((i) => i.name);
    const plan = (
      reopened.prepare(`EXPLAIN QUERY PLAN ${FEED_SQL}`).all({ agent: A, floor: 0, start: 0, end: 1, lookback: 0 }) as Array<{
        detail: string;
      }>
    ).map((p) => p.detail);
    reopened.close();
    expect(indexes).toContain('event_log_agent_report');
    expect(indexes).not.toContain('event_log_agent_seq');
    // A month of an agent read from the table would be one page per event (bench/team-report.ts: 2.6 s, not 0.7 s).
    expect(plan).toEqual(['SEARCH event_log USING COVERING INDEX event_log_agent_report (agent=? AND seq>?)']);
  });
});

/** mulberry32: the same events on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d_2b_79_f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('SQLite: feed and rows agree on anything stored', () => {
  it('600 random events (every kind, out of order, redelivered, fields missing, around the period): the same report both ways, in three zones', async () => {
    const rnd = random(20);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const agents = [A, B, W, E, '*'];
    const kinds = ['agent_status', 'assigned', 'responded', 'closed', 'transferred', 'queued', 'call'];
    const base = t('2026-03-08T00:00:00Z');
    const store = new SqliteEventStore(join(tempDir(), 'random.db'));
    const stored: NewEvent[] = [];
    let batch: NewEvent[] = [];
    for (let i = 0; i < 600; i++) {
      const kind = pick(kinds);
      const agent = pick(agents);
      const at = base + Math.floor(rnd() * 5 * 86_400_000);
      const cid = `c${Math.floor(rnd() * 60)}`;
      const maybe = (v: number) => (rnd() < 0.7 ? v : undefined);
      const data =
        kind === 'agent_status'
          ? { agentId: agent, status: pick(['online', 'pause', 'offline']), substatus: pick(['Lunch', 'Break', undefined]) }
          : {
              conversationId: cid,
              createdAt: maybe(at - Math.floor(rnd() * 3_600_000)),
              closedAt: kind === 'closed' ? maybe(at + Math.floor(rnd() * 7_200_000) - 3_600_000) : undefined,
              transfer: kind === 'transferred' ? { fromAgentId: pick(agents), toAgentId: pick(agents) } : undefined,
            };
      // Some ids come again: a redelivery is stored once.
      const id = rnd() < 0.1 && stored.length > 0 ? pick(stored).id : `e${i}`;
      const e = ev(agent, id, kind, new Date(at).toISOString(), JSON.parse(JSON.stringify(data)));
      stored.push(e);
      // Appended in batches of 1 to 20, as webhooks arriving in one tick are.
      batch.push(e);
      if (rnd() < 0.1) {
        await store.append(batch);
        batch = [];
      }
    }
    await store.append(batch);
    for (const query of [
      { from: '2026-03-10', to: '2026-03-10', tz: 'UTC' },
      { from: '2026-03-09', to: '2026-03-11', tz: 'Europe/Berlin' },
      { from: '2026-03-12', to: '2026-03-20', tz: 'America/New_York' },
    ]) {
      const opts = { now: t('2026-03-12T06:00:00Z'), retentionDays: 30 };
      const fed = await fedReport(store.reportSource, query, opts);
      expect(fed).toEqual(computeReport(await store.reportSource.rows(periodOf(query)), query, opts));
      expect(fed.agents.length).toBeGreaterThan(0);
    }
    await store.close();
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
  it.each(['rows', 'feed'] as const)(
    'an append made while a report reads 50,000 events is committed before the read is done (%s): the read lets go of the event loop',
    async (how) => {
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
      const tally = new ReportTally({ from: '2026-03-10', to: '2026-03-10', tz: 'UTC' });
      const reading =
        how === 'rows' ? store.reportSource.rows({ start: START, end: END }) : store.reportSource.feed({ start: START, end: END }, tally);
      const read = reading.then(() => ({ committedFirst: committed }));
      const appended = store.append([ev(A, 'during', 'assigned', '2026-03-12T00:00:00.000Z', { conversationId: 'd' })], () => {
        committed = true;
      });
      const { committedFirst } = await read;
      await appended;
      const chats = how === 'rows' ? (await reading)!.length : tally.report(OPTS).agents.reduce((n, a) => n + a.chatsHandled, 0);
      // Every event read (rows), or counted: none is a close, so no chat was handled, but the 50 agents are there.
      if (how === 'rows') expect(chats).toBe(50_000);
      else expect(tally.report(OPTS).agents).toHaveLength(50);
      expect(committedFirst).toBe(true);
      await store.close();
    },
  );
});
