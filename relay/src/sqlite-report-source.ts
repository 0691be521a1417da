// The SQLite store's ReportSource (board/report-rows.ts): SQL over event_log, one agent at a time.
// There is no index on `at` (one would cost every webhook's insert more pages to fsync), but seqs
// grow with the time events were stored, and an event is stored after it happens (give or take
// CLOCK_SKEW_MS): a binary search over seq finds where the period's events can start, and each
// agent's rows are read from there through the agent's index (sqlite-schema.ts:
// event_log_agent_report, which carries what feed() reads), without a sort in SQLite nor the agent's
// name on each row; rows() sorts them by `at` here, nearly sorted already. The status in force at the start may be older than that: it
// is looked for backwards from there, only as far back as an event could still have happened later.
// Between agents the event loop is let go once a few milliseconds have passed, so webhooks and
// websockets are served while a report is read; no statement is left open meanwhile, so the
// writer's connection serves.
import type Database from 'better-sqlite3';
import { AGENT_STATUS_KIND } from '@switchboard/protocol/event-kinds';
import {
  ASSIGNMENT_LOOKBACK_MS,
  feedRow,
  type ReportRow,
  type ReportRowsQuery,
  type ReportSource,
  type ReportTallySink,
} from './board/report-rows';
import { CONVERSATION_KINDS_SQL, makeRow, RowCollector, rowBounds } from './board/stored-rows';
import { PSEUDO_AGENT } from './store';

// The WHERE is stored-rows.ts's `wanted`; text comparisons on `at` (see RowBounds). A row stored with
// the r_* columns (sqlite-schema.ts) is read from them; one from before them (r_at is null) through
// its JSON. The common kinds come back as numbers (KINDS): a string per row costs more than the rest.
const KINDS = ['agent_status', 'assigned', 'responded', 'closed', 'transferred', 'queued'] as const;
const KIND_SQL = `CASE kind ${KINDS.map((k, i) => `WHEN '${k}' THEN ${i}`).join(' ')} ELSE kind END`;
const field = (column: string, kinds: string, path: string) =>
  `CASE WHEN r_at IS NOT NULL THEN ${column} WHEN kind IN (${kinds}) THEN data ->> '${path}' END`;
const ROWS_SQL = `
SELECT seq, ${KIND_SQL}, r_at, CASE WHEN r_at IS NULL THEN at END,
  ${field('r_cid', CONVERSATION_KINDS_SQL, '$.conversationId')},
  ${field('r_created', CONVERSATION_KINDS_SQL, '$.createdAt')},
  ${field('r_closed', CONVERSATION_KINDS_SQL, '$.closedAt')},
  ${field('r_status', `'${AGENT_STATUS_KIND}'`, '$.status')},
  ${field('r_sub', `'${AGENT_STATUS_KIND}'`, '$.substatus')},
  ${field('r_alias', CONVERSATION_KINDS_SQL, '$.agentAlias')},
  ${field('r_from', "'transferred'", '$.transfer.fromAgentId')},
  ${field('r_to', "'transferred'", '$.transfer.toAgentId')}
FROM event_log
WHERE agent = :agent AND seq >= :floor AND (
  (at >= :start AND at < :end)
  OR (at < :start AND kind = '${AGENT_STATUS_KIND}')
  OR (at >= :lookback AND at < :start AND kind IN ('assigned', 'transferred')))`;
/**
 * feed()'s rows: those with the r_* columns, from the agent's index alone (sqlite-schema.ts:
 * event_log_agent_report), read as they are: no JSON, no object per row. Times compared as ms (r_at),
 * as the rows' text is (every writer's `at` is Date#toISOString()). The rows without the columns are
 * few or none: UNREPORTED_SQL reads them through event_log_unreported, a partial index no insert with
 * the columns touches.
 */
export const FEED_SQL = `
SELECT ${KIND_SQL}, r_at, r_cid, r_created, r_closed, r_status, r_sub, seq
FROM event_log
WHERE agent = :agent AND seq >= :floor AND r_at < :end
  AND (r_at >= :start OR kind = '${AGENT_STATUS_KIND}' OR (r_at >= :lookback AND kind IN ('assigned', 'transferred')))`;
const UNREPORTED_SQL = ROWS_SQL.replace('WHERE agent = :agent AND', 'WHERE r_at IS NULL AND agent = :agent AND');
/** The agent's status events stored before the floor, newest stored first: the status in force may be among them. */
const EARLIER_STATUS_SQL = ROWS_SQL.replace(/^SELECT /m, 'SELECT stored_at, ').replace(
  /WHERE[\s\S]*$/,
  `WHERE agent = :agent AND seq < :floor AND kind = '${AGENT_STATUS_KIND}' ORDER BY seq DESC`,
);
/** In SQLite's order of text (UTF-8 bytes), as the rows must come. */
const AGENTS_SQL = 'SELECT DISTINCT agent FROM event_log ORDER BY agent';
const FIRST_FROM_SQL = 'SELECT seq, stored_at FROM event_log WHERE seq >= ? ORDER BY seq LIMIT 1';
const BOUNDS_SQL = 'SELECT MIN(seq) AS lo, MAX(seq) AS hi FROM event_log';

/**
 * How far ahead of the relay's clock an event's `at` may be (SnapEngage's clock, the `timestamp` it
 * sends): an event stored at T happened before T + this. One further ahead than that, stored more than
 * this before the period, is not in the period's report.
 */
const CLOCK_SKEW_MS = 24 * 3_600_000;

/** How long reading holds the event loop before it lets go (ms). */
const SLICE_MS = 8;

type RawRow = [
  number,
  number | string,
  number | null,
  string | null,
  unknown,
  unknown,
  unknown,
  unknown,
  unknown,
  unknown,
  unknown,
  unknown,
];

const byTime = (a: ReportRow, b: ReportRow) => a.at - b.at || a.seq - b.seq;

function toRow(agent: string, r: RawRow): ReportRow | undefined {
  const kind = typeof r[1] === 'number' ? KINDS[r[1]]! : r[1];
  return makeRow(r[0], agent, kind, r[2] ?? Date.parse(r[3]!), r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11]);
}

type FeedRow = [number | string, number, string | null, number | null, number | null, string | null, string | null, number];

interface Statements {
  rows: Database.Statement;
  feed: Database.Statement;
  unreported: Database.Statement;
  earlier: Database.Statement;
  agents: Database.Statement;
  firstFrom: Database.Statement;
  bounds: Database.Statement;
}

export class SqliteReportSource implements ReportSource {
  private stmts: Statements | undefined;
  private closed = false;

  constructor(private readonly db: Database.Database) {}

  private statements(): Statements {
    this.stmts ??= {
      rows: this.db.prepare(ROWS_SQL).raw(true),
      feed: this.db.prepare(FEED_SQL).raw(true),
      unreported: this.db.prepare(UNREPORTED_SQL).raw(true),
      earlier: this.db.prepare(EARLIER_STATUS_SQL).raw(true),
      agents: this.db.prepare(AGENTS_SQL).pluck(),
      firstFrom: this.db.prepare(FIRST_FROM_SQL),
      bounds: this.db.prepare(BOUNDS_SQL),
    };
    return this.stmts;
  }

  /** The first seq stored at or after `ms` (as SqliteEventStore.prune searches; a clock that stepped back only reads more). */
  private firstSeqStoredFrom(ms: number): number {
    const { firstFrom, bounds } = this.statements();
    const { lo, hi } = bounds.get() as { lo: number | null; hi: number | null };
    if (lo === null || hi === null) return 0;
    const first = (from: number) => firstFrom.get(from) as { seq: number; stored_at: number } | undefined;
    if (first(lo)!.stored_at >= ms) return lo;
    // Invariant: the event at `old` was stored before ms; none from `young` on was.
    let old = lo;
    let young = hi + 1;
    while (young - old > 1) {
      const mid = Math.floor((old + young) / 2);
      const row = first(mid);
      if (row && row.seq < young && row.stored_at < ms) old = row.seq;
      else young = mid;
    }
    return young;
  }

  /** Of the agent's status events stored before `floor`, the one that happened last (it happened before the period). */
  private earlierStatus(agent: string, floor: number): ReportRow | undefined {
    // Nobody's status is kept under the pseudo-agent: its history need not be read back.
    if (agent === PSEUDO_AGENT) return undefined;
    let best: ReportRow | undefined;
    for (const r of this.statements().earlier.iterate({ agent, floor }) as IterableIterator<[number, ...RawRow]>) {
      // Stored at r[0], it happened before r[0] + CLOCK_SKEW_MS: nothing stored earlier can beat `best`.
      if (best && r[0] + CLOCK_SKEW_MS < best.at) break;
      const row = toRow(agent, r.slice(1) as RawRow);
      if (row && (!best || row.at > best.at)) best = row;
    }
    return best;
  }

  async rows(query: ReportRowsQuery): Promise<ReportRow[]> {
    if (this.closed) throw new Error('store is closed');
    const bounds = rowBounds(query);
    const { lookback, start, end } = bounds;
    const stmts = this.statements();
    const agents = stmts.agents.all() as string[];
    const floor = this.firstSeqStoredFrom(query.start - ASSIGNMENT_LOOKBACK_MS - CLOCK_SKEW_MS);
    const out = new RowCollector(bounds);
    let sliceStart = performance.now();
    for (const agent of agents) {
      const raw = stmts.rows.all({ agent, floor, lookback, start, end }) as RawRow[];
      const rows: ReportRow[] = [];
      for (const r of raw) {
        const row = toRow(agent, r);
        if (row) rows.push(row);
      }
      const earlier = this.earlierStatus(agent, floor);
      if (earlier) rows.push(earlier);
      // In seq order from the index; mostly in order of `at` already (events arrive as they happen).
      rows.sort(byTime);
      for (const row of rows) out.add(row);
      if (performance.now() - sliceStart > SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        if (this.closed) throw new Error('store is closed');
        sliceStart = performance.now();
      }
    }
    return out.finish();
  }

  async feed(query: ReportRowsQuery, sink: ReportTallySink): Promise<void> {
    if (this.closed) throw new Error('store is closed');
    const bounds = rowBounds(query);
    const stmts = this.statements();
    const agents = stmts.agents.all() as string[];
    const floor = this.firstSeqStoredFrom(query.start - ASSIGNMENT_LOOKBACK_MS - CLOCK_SKEW_MS);
    // Clamped as the text bounds are (rowBounds).
    const ms = { start: bounds.startMs, end: Date.parse(bounds.end), lookback: Date.parse(bounds.lookback) };
    const params = { agent: '', floor, ...ms };
    const textParams = { agent: '', floor, lookback: bounds.lookback, start: bounds.start, end: bounds.end };
    let sliceStart = performance.now();
    for (const agent of agents) {
      params.agent = agent;
      const tally = sink.agent(agent);
      for (const r of stmts.feed.all(params) as FeedRow[]) {
        const kind = typeof r[0] === 'number' ? KINDS[r[0]]! : r[0];
        tally.add(kind, r[1], r[7], r[2] ?? undefined, r[3] ?? undefined, r[4] ?? undefined, r[5] ?? undefined, r[6] ?? undefined);
      }
      textParams.agent = agent;
      for (const r of stmts.unreported.all(textParams) as RawRow[]) {
        const row = toRow(agent, r);
        if (row) feedRow(sink, row);
      }
      const earlier = this.earlierStatus(agent, floor);
      if (earlier) feedRow(sink, earlier);
      if (performance.now() - sliceStart > SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        if (this.closed) throw new Error('store is closed');
        sliceStart = performance.now();
      }
    }
  }

  /** A read under way stops at its next agent. */
  close(): void {
    this.closed = true;
  }
}
