// How a stored event becomes a ReportRow, and which events a report reads: one place for both stores
// (SQL over SQLite in sqlite-report-source.ts, a scan of Redis streams in redis-report-source.ts) and the
// board's live state, so that they agree row for row (relay/test/board/report-source.test.ts).
import { normalizeAgentId } from '@switchboard/protocol/agent-id';
import { AGENT_STATUS_KIND, CONVERSATION_KINDS, isConversationKind } from '@switchboard/protocol/event-kinds';
import { isObject } from '../json';
import { ASSIGNMENT_LOOKBACK_MS, type ReportRow, type ReportRowsQuery } from './report-rows';

/**
 * The period's bounds as stored `at` text, and in ms. Every writer stores `at` as Date#toISOString()
 * (the webhook adapter, call sync, phone events), whose text sorts as its time does for years
 * 0000–9999, so the SQL compares text and needs no index nor conversion. Clamped to that range.
 */
export interface RowBounds {
  lookback: string;
  start: string;
  end: string;
  startMs: number;
}

const FIRST_ISO = '0000-01-01T00:00:00.000Z';
const LAST_ISO = '9999-12-31T23:59:59.999Z';
const MIN_MS = Date.parse(FIRST_ISO);
const MAX_MS = Date.parse(LAST_ISO);
const isoOf = (ms: number) => (ms <= MIN_MS ? FIRST_ISO : ms >= MAX_MS ? LAST_ISO : new Date(ms).toISOString());

export function rowBounds(q: ReportRowsQuery): RowBounds {
  return {
    lookback: isoOf(q.start - ASSIGNMENT_LOOKBACK_MS),
    start: isoOf(q.start),
    end: isoOf(q.end),
    startMs: Date.parse(isoOf(q.start)),
  };
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
 * What a report reads of an event besides seq, agent and kind, each checked: at (ms), conversationId,
 * createdAt, closedAt, status, substatus, alias, transferFrom, transferTo. The SQLite store keeps them
 * beside each event it stores (sqlite-schema.ts: the r_* columns), so a report parses no JSON; rows
 * read from Redis and the events the board receives go through the same function.
 */
export type ReportFields = [
  at: number | null,
  conversationId: string | null,
  createdAt: number | null,
  closedAt: number | null,
  status: string | null,
  substatus: string | null,
  alias: string | null,
  transferFrom: string | null,
  transferTo: string | null,
];

export function reportFields(kind: string, atText: string, data: unknown): ReportFields {
  const at = Date.parse(atText);
  const d = isObject(data) ? data : undefined;
  const conv = d !== undefined && isConversationKind(kind);
  const status = d !== undefined && kind === AGENT_STATUS_KIND;
  const transfer = kind === 'transferred' && d && isObject(d.transfer) ? d.transfer : undefined;
  return [
    Number.isNaN(at) ? null : at,
    conv ? (text(d.conversationId) ?? null) : null,
    conv ? (time(d.createdAt) ?? null) : null,
    conv ? (time(d.closedAt) ?? null) : null,
    status ? (text(d.status) ?? null) : null,
    status ? (text(d.substatus) ?? null) : null,
    conv ? (text(d.agentAlias) ?? null) : null,
    agentOf(transfer?.fromAgentId) ?? null,
    agentOf(transfer?.toAgentId) ?? null,
  ];
}

/**
 * A row from the values a store read, each checked the same way whichever way they were read (the
 * r_* columns, SQLite's JSON functions giving null where JSON has nothing, a parsed object). `at`:
 * ms, NaN when the event's `at` is no time (then there is no row).
 */
export function makeRow(
  seq: number,
  agent: string,
  kind: string,
  at: number,
  conversationId: unknown,
  createdAt: unknown,
  closedAt: unknown,
  status: unknown,
  substatus: unknown,
  alias: unknown,
  transferFrom: unknown,
  transferTo: unknown,
): ReportRow | undefined {
  if (Number.isNaN(at)) return undefined;
  // Every row has every field (undefined when absent): one shape for all 600,000 rows of a month, made
  // in one step, read fast by the report.
  return {
    seq,
    agent,
    kind,
    at,
    conversationId: text(conversationId),
    createdAt: time(createdAt),
    closedAt: time(closedAt),
    status: text(status),
    substatus: text(substatus),
    alias: text(alias),
    // Normalized when written (reportFields) or here (SQLite's JSON fallback for rows from before the columns).
    transferFrom: transferFrom === null || transferFrom === undefined ? undefined : agentOf(transferFrom),
    transferTo: transferTo === null || transferTo === undefined ? undefined : agentOf(transferTo),
  };
}

/** The row of an event whose data is parsed (Redis streams, the events the relay forwards). */
export function rowOfData(seq: number, agent: string, kind: string, atText: string, data: unknown): ReportRow | undefined {
  const f = reportFields(kind, atText, data);
  return makeRow(seq, agent, kind, f[0] ?? Number.NaN, f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]);
}

/** SQL text of the conversation kinds, for `kind IN (…)`. */
export const CONVERSATION_KINDS_SQL = CONVERSATION_KINDS.map((k) => `'${k}'`).join(', ');

const before = (a: ReportRow, b: ReportRow) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/**
 * Takes the rows `wanted` let through, in (agent, at, seq) order, and gives the ReportSource's rows:
 * of the `agent_status` rows before the period only each agent's latest is kept (the status in force
 * at its start), placed in order among the agent's early assignments.
 */
export class RowCollector {
  readonly rows: ReportRow[] = [];
  private agent: string | undefined;
  private early: ReportRow[] = [];
  private status: ReportRow | undefined;

  constructor(private readonly bounds: RowBounds) {}

  add(row: ReportRow): void {
    if (row.agent !== this.agent) {
      this.flush();
      this.agent = row.agent;
    }
    if (row.at >= this.bounds.startMs) {
      if (this.early.length || this.status) this.flush();
      this.rows.push(row);
    } else if (row.kind === AGENT_STATUS_KIND) this.status = row;
    else this.early.push(row);
  }

  finish(): ReportRow[] {
    this.flush();
    return this.rows;
  }

  private flush(): void {
    const s = this.status;
    let placed = !s;
    for (const e of this.early) {
      if (!placed && before(s!, e)) {
        this.rows.push(s!);
        placed = true;
      }
      this.rows.push(e);
    }
    if (!placed) this.rows.push(s!);
    this.early = [];
    this.status = undefined;
  }
}
