// How a stored event becomes a ReportRow, and which events a report reads: one place for both stores
// (SQL over SQLite in sqlite-report-source.ts, a scan of Redis streams in redis-report-source.ts) and the
// board's live state, so that they agree row for row (relay/test/board/report-source.test.ts).
import { normalizeAgentId } from '@switchboard/protocol/agent-id';
import { AGENT_STATUS_KIND, CONVERSATION_KINDS, isConversationKind } from '@switchboard/protocol/event-kinds';
import { isObject } from '../json';
import { ASSIGNMENT_LOOKBACK_MS, type ReportRow, type ReportRowsQuery } from './report-rows';

/**
 * The period's bounds as stored `at` text. Every writer stores `at` as Date#toISOString() (the
 * webhook adapter, call sync, phone events), whose text sorts as its time does for years 0000–9999,
 * so the SQL compares text and needs no index nor conversion. Bounds are clamped to that range.
 */
export interface RowBounds {
  lookback: string;
  start: string;
  end: string;
}

const FIRST_ISO = '0000-01-01T00:00:00.000Z';
const LAST_ISO = '9999-12-31T23:59:59.999Z';
const MIN_MS = Date.parse(FIRST_ISO);
const MAX_MS = Date.parse(LAST_ISO);
const isoOf = (ms: number) => (ms <= MIN_MS ? FIRST_ISO : ms >= MAX_MS ? LAST_ISO : new Date(ms).toISOString());

export function rowBounds(q: ReportRowsQuery): RowBounds {
  return { lookback: isoOf(q.start - ASSIGNMENT_LOOKBACK_MS), start: isoOf(q.start), end: isoOf(q.end) };
}

/** The SQL's WHERE (sqlite-report-source.ts) for a scan: whether a report over the bounds reads this event. */
export function wanted(kind: string, at: string, b: RowBounds): boolean {
  if (at < b.start) return kind === AGENT_STATUS_KIND || (at >= b.lookback && (kind === 'assigned' || kind === 'transferred'));
  return at < b.end;
}

/** Kinds whose data the rows read fields of; any other kind's row is seq, agent, kind and at only. */
export const readsData = (kind: string) => kind === AGENT_STATUS_KIND || isConversationKind(kind);

const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
const time = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const agentOf = (v: unknown) => (typeof v === 'string' ? normalizeAgentId(v) || undefined : undefined);

/**
 * A row from the values a store read, each checked the same way whichever store read it (SQLite
 * gives null where JSON has nothing, a parsed object undefined). undefined when `at` is no time.
 */
export function makeRow(
  seq: number,
  agent: string,
  kind: string,
  atText: string,
  conversationId: unknown,
  createdAt: unknown,
  closedAt: unknown,
  status: unknown,
  substatus: unknown,
  alias: unknown,
  transferFrom: unknown,
  transferTo: unknown,
): ReportRow | undefined {
  const at = Date.parse(atText);
  if (Number.isNaN(at)) return undefined;
  const row: ReportRow = { seq, agent, kind, at };
  // Only what is there: rows from either store compare equal, and a row costs no more than it says.
  const c = text(conversationId);
  if (c !== undefined) row.conversationId = c;
  const created = time(createdAt);
  if (created !== undefined) row.createdAt = created;
  const closed = time(closedAt);
  if (closed !== undefined) row.closedAt = closed;
  const st = text(status);
  if (st !== undefined) row.status = st;
  const sub = text(substatus);
  if (sub !== undefined) row.substatus = sub;
  const name = text(alias);
  if (name !== undefined) row.alias = name;
  const from = agentOf(transferFrom);
  if (from !== undefined) row.transferFrom = from;
  const to = agentOf(transferTo);
  if (to !== undefined) row.transferTo = to;
  return row;
}

/** The row of an event whose data is parsed (Redis streams, the events the relay forwards). */
export function rowOfData(seq: number, agent: string, kind: string, atText: string, data: unknown): ReportRow | undefined {
  const d = isObject(data) ? data : {};
  const conv = isConversationKind(kind);
  const status = kind === AGENT_STATUS_KIND;
  const transfer: Record<string, unknown> = kind === 'transferred' && isObject(d.transfer) ? d.transfer : {};
  return makeRow(
    seq,
    agent,
    kind,
    atText,
    conv ? d.conversationId : undefined,
    conv ? d.createdAt : undefined,
    conv ? d.closedAt : undefined,
    status ? d.status : undefined,
    status ? d.substatus : undefined,
    conv ? d.agentAlias : undefined,
    transfer.fromAgentId,
    transfer.toAgentId,
  );
}

/** SQL text of the conversation kinds, for `kind IN (…)`. */
export const CONVERSATION_KINDS_SQL = CONVERSATION_KINDS.map((k) => `'${k}'`).join(', ');

const before = (a: ReportRow, aAt: string, b: ReportRow, bAt: string) => aAt < bAt || (aAt === bAt && a.seq < b.seq);

/**
 * Takes the rows `wanted` let through, in (agent, at text, seq) order, and gives the ReportSource's
 * rows: of the `agent_status` rows before the period only each agent's latest is kept (the status
 * in force at its start), placed in order among the agent's early assignments.
 */
export class RowCollector {
  readonly rows: ReportRow[] = [];
  private agent: string | undefined;
  private early: Array<{ row: ReportRow; at: string }> = [];
  private status: { row: ReportRow; at: string } | undefined;

  constructor(private readonly bounds: RowBounds) {}

  add(row: ReportRow, atText: string): void {
    if (row.agent !== this.agent) {
      this.flush();
      this.agent = row.agent;
    }
    if (atText >= this.bounds.start) {
      if (this.early.length || this.status) this.flush();
      this.rows.push(row);
    } else if (row.kind === AGENT_STATUS_KIND) this.status = { row, at: atText };
    else this.early.push({ row, at: atText });
  }

  finish(): ReportRow[] {
    this.flush();
    return this.rows;
  }

  private flush(): void {
    const s = this.status;
    let placed = !s;
    for (const e of this.early) {
      if (!placed && before(s!.row, s!.at, e.row, e.at)) {
        this.rows.push(s!.row);
        placed = true;
      }
      this.rows.push(e.row);
    }
    if (!placed) this.rows.push(s!.row);
    this.early = [];
    this.status = undefined;
  }
}
