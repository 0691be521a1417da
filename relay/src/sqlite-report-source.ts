// The SQLite store's ReportSource (board/report-rows.ts): SQL over event_log, one agent at a time. A
// report over a month reads every event of it (there is no index on `at`: one would cost every
// webhook's insert more pages to fsync). Agent by agent, through the (agent, seq) index, the rows
// come without a sort in SQLite nor the agent's name on each (together half the time of one ordered
// SELECT over the month); they are sorted by `at` here, nearly sorted already. Between agents the
// event loop is let go once a few milliseconds have passed, so webhooks and websockets are served
// while a report is read, and no statement is left open meanwhile: the writer's connection serves.
import type Database from 'better-sqlite3';
import { AGENT_STATUS_KIND } from '@switchboard/protocol/event-kinds';
import type { ReportRow, ReportRowsQuery, ReportSource } from './board/report-rows';
import { CONVERSATION_KINDS_SQL, makeRow, RowCollector, rowBounds } from './board/stored-rows';

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
WHERE agent = :agent AND (
  (at >= :start AND at < :end)
  OR (at < :start AND kind = '${AGENT_STATUS_KIND}')
  OR (at >= :lookback AND at < :start AND kind IN ('assigned', 'transferred')))`;
/** In SQLite's order of text (UTF-8 bytes), as the rows must come. */
const AGENTS_SQL = 'SELECT DISTINCT agent FROM event_log ORDER BY agent';

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

export class SqliteReportSource implements ReportSource {
  private stmts: { rows: Database.Statement; agents: Database.Statement } | undefined;
  private closed = false;

  constructor(private readonly db: Database.Database) {}

  private statements() {
    this.stmts ??= { rows: this.db.prepare(ROWS_SQL).raw(true), agents: this.db.prepare(AGENTS_SQL).pluck() };
    return this.stmts;
  }

  async rows(query: ReportRowsQuery): Promise<ReportRow[]> {
    if (this.closed) throw new Error('store is closed');
    const bounds = rowBounds(query);
    const { lookback, start, end } = bounds;
    const stmts = this.statements();
    const agents = stmts.agents.all() as string[];
    const out = new RowCollector(bounds);
    let sliceStart = performance.now();
    for (const agent of agents) {
      const raw = stmts.rows.all({ agent, lookback, start, end }) as RawRow[];
      const rows: ReportRow[] = [];
      for (const r of raw) {
        const kind = typeof r[1] === 'number' ? KINDS[r[1]]! : r[1];
        const row = makeRow(r[0], agent, kind, r[2] ?? Date.parse(r[3]!), r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11]);
        if (row) rows.push(row);
      }
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

  /** A read under way stops at its next agent. */
  close(): void {
    this.closed = true;
  }
}
