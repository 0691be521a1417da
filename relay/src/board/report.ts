// The team's report (issue 18) computed from the stored events a ReportSource hands over, so the
// SQLite and the Redis store answer alike. docs/board.md defines every figure in plain words; the
// tests (relay/test/board/report.test.ts) check each against hand-computed numbers.
import { AGENT_STATUS_KIND } from '@switchboard/protocol/event-kinds';
import { REPORT_MAX_DAYS, type AgentReport, type HourReport, type ReasonReport, type Report } from '@switchboard/protocol/board';
import { PSEUDO_AGENT } from '../store';
import type { ReportRow } from './report-rows';
import { HourGrid, Zone } from './zoned-time';

const DAY = 86_400_000;

interface PeriodQuery {
  from: string;
  to: string;
  tz: string;
}

interface Period {
  zone: Zone;
  start: number;
  end: number;
}

/** Code-unit order, as SQLite's BINARY collation sorts ASCII e-mails and reasons. */
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date as the day number since 1970-01-01 (its UTC midnight / DAY), checked to exist. */
function dayNumber(name: 'from' | 'to', value: string): number {
  const m = DATE.exec(value);
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  // Date.UTC rolls 2026-02-30 over to March 2: a real date reads back as itself.
  if (!(m && t >= 0 && new Date(t).toISOString().slice(0, 10) === value)) {
    throw new RangeError(`${name} must be a date as YYYY-MM-DD, from 1970 on: ${JSON.stringify(value.slice(0, 40))}`);
  }
  return t / DAY;
}

function period(query: PeriodQuery): Period {
  const zone = new Zone(query.tz);
  const first = dayNumber('from', query.from);
  const last = dayNumber('to', query.to);
  if (last < first) throw new RangeError(`to (${query.to}) is before from (${query.from})`);
  const days = last - first + 1;
  if (days > REPORT_MAX_DAYS)
    throw new RangeError(`a report covers at most ${REPORT_MAX_DAYS} days; ${query.from} to ${query.to} is ${days}`);
  const startOf = (dayNo: number) => {
    const d = new Date(dayNo * DAY);
    return zone.startOfDay(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
  };
  return { zone, start: startOf(first), end: startOf(last + 1) };
}

/**
 * The period a report covers, [start, end) in epoch ms: from the local start of `from` to the local
 * start of the day after `to`. Throws a RangeError with a message for the caller (the route answers
 * 400 with it) for an unknown time zone, a date that does not exist, `to` before `from`, or more than
 * REPORT_MAX_DAYS days.
 */
export function periodOf(query: PeriodQuery): { start: number; end: number } {
  const { start, end } = period(query);
  return { start, end };
}

/** The rows as the source promises them, (agent, at, seq); another source's order is sorted here, once. */
function inReportOrder(rows: readonly ReportRow[]): readonly ReportRow[] {
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1]!;
    const b = rows[i]!;
    if (a.agent < b.agent || (a.agent === b.agent && (a.at < b.at || (a.at === b.at && a.seq <= b.seq)))) continue;
    return [...rows].sort((x, y) => byName(x.agent, y.agent) || x.at - y.at || x.seq - y.seq);
  }
  return rows;
}

/** What makes a chat's start, over every agent's rows (and the unaddressed ones). */
interface ChatStart {
  /** Earliest createdAt any of its events carried; Infinity when none did. */
  createdAt: number;
  /** Earliest queued/assigned/transferred at; Infinity when none was seen. */
  firstAt: number;
}

/** What one agent's rows say about one chat (and, merged over agents, about its start). */
interface AgentChat extends ChatStart {
  /** Earliest assigned/transferred at for this agent; Infinity when none was seen. */
  reached: number;
  /** Earliest close time (closedAt, else the event's at) among the agent's closes in the period; Infinity when none. */
  closedAt: number;
  /** Earliest createdAt on those close events; Infinity when none. */
  closeCreatedAt: number;
}

const NONE = Number.POSITIVE_INFINITY;

interface Counting {
  start: number;
  end: number;
  /** The period's end, or now when the period reaches past it: statuses are counted up to here. */
  upTo: number;
  grid: HourGrid;
  onlineByHour: number[];
  chats: Map<string, ChatStart>;
}

/**
 * Notes one conversation row in the agent's own map of chats. A small map per agent, merged into
 * the report's once per chat (mergeStarts), costs about a third less than updating the large one
 * on every row (600,000 rows: bench/team-report.ts).
 */
function noteChat(r: ReportRow, id: string, chats: Map<string, AgentChat>, c: Counting): void {
  let chat = chats.get(id);
  if (!chat) {
    chat = { createdAt: NONE, firstAt: NONE, reached: NONE, closedAt: NONE, closeCreatedAt: NONE };
    chats.set(id, chat);
  }
  const createdAt = r.createdAt ?? NONE;
  if (createdAt < chat.createdAt) chat.createdAt = createdAt;
  switch (r.kind) {
    case 'assigned':
    case 'transferred':
      if (r.at < chat.reached) chat.reached = r.at;
      if (r.at < chat.firstAt) chat.firstAt = r.at;
      break;
    case 'queued':
      if (r.at < chat.firstAt) chat.firstAt = r.at;
      break;
    case 'closed': {
      const at = r.closedAt ?? r.at;
      if (!(at >= c.start && at < c.end)) break;
      if (at < chat.closedAt) chat.closedAt = at;
      if (createdAt < chat.closeCreatedAt) chat.closeCreatedAt = createdAt;
      break;
    }
  }
}

/** The agent's chats into the report's chat starts; the agent is done with them, so its records are kept as they are. */
function mergeStarts(chats: Map<string, AgentChat>, into: Map<string, ChatStart>): void {
  for (const [id, chat] of chats) {
    const seen = into.get(id);
    if (!seen) into.set(id, chat);
    else {
      if (chat.createdAt < seen.createdAt) seen.createdAt = chat.createdAt;
      if (chat.firstAt < seen.firstAt) seen.firstAt = chat.firstAt;
    }
  }
}

function median(sorted: readonly number[]): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest rank: the value at rank ceil(0.9 n), 1-based (integer arithmetic: 0.9 * 70 is 63.00000000000001). */
const p90 = (sorted: readonly number[]): number | null => (sorted.length === 0 ? null : sorted[Math.ceil((9 * sorted.length) / 10) - 1]!);

/**
 * One agent's figures from its rows [from, to) of `rows` (in report order); undefined when it has
 * none in the period, and for PSEUDO_AGENT, whose rows only tell when chats started.
 */
function agentReport(rows: readonly ReportRow[], from: number, to: number, c: Counting): AgentReport | undefined {
  const agent = rows[from]!.agent;
  const pseudo = agent === PSEUDO_AGENT;
  let first: number | null = null;
  let last: number | null = null;
  const chats = new Map<string, AgentChat>();
  let onlineMs = 0;
  const pausedByReason = new Map<string, number>();
  let status: ReportRow | undefined;
  /** The status in force since status.at holds until `until`; only its part inside [start, upTo) counts. */
  const hold = (until: number) => {
    if (!status) return;
    const a = Math.max(status.at, c.start);
    const b = Math.min(until, c.upTo);
    if (b <= a) return;
    if (status.status === 'online') {
      onlineMs += b - a;
      c.grid.addSpan(a, b, c.onlineByHour);
    } else if (status.status === 'pause') {
      const reason = status.substatus ?? '';
      pausedByReason.set(reason, (pausedByReason.get(reason) ?? 0) + b - a);
    }
  };
  for (let k = from; k < to; k++) {
    const r = rows[k]!;
    if (r.at >= c.start && r.at < c.end) {
      first ??= r.at;
      last = r.at;
    }
    if (r.conversationId !== undefined) noteChat(r, r.conversationId, chats, c);
    else if (r.kind === AGENT_STATUS_KIND && !pseudo) {
      hold(r.at);
      status = r;
    }
  }
  hold(c.upTo);
  mergeStarts(chats, c.chats);
  if (pseudo) return undefined;

  let handled = 0;
  const durations: number[] = [];
  for (const chat of chats.values()) {
    if (chat.closedAt === NONE) continue;
    handled++;
    // An assignment after the close (a clock off, an id reused) is no start; then the chat's creation is.
    const startedAt = chat.reached <= chat.closedAt ? chat.reached : chat.closeCreatedAt <= chat.closedAt ? chat.closeCreatedAt : NONE;
    if (startedAt !== NONE) durations.push(chat.closedAt - startedAt);
  }
  durations.sort((x, y) => x - y);
  let pausedMs = 0;
  for (const ms of pausedByReason.values()) pausedMs += ms;
  if (first === null && handled === 0 && onlineMs === 0 && pausedMs === 0) return undefined;
  return {
    agent,
    chatsHandled: handled,
    medianHandlingMs: median(durations),
    p90HandlingMs: p90(durations),
    onlineMs,
    pausedMs,
    pausedByReason: Object.fromEntries([...pausedByReason].sort(([a], [b]) => byName(a, b))),
    firstActivity: first,
    lastActivity: last,
  };
}

function reasonsOf(agents: readonly AgentReport[]): ReasonReport[] {
  const byReason = new Map<string, { totalMs: number; byAgent: [string, number][] }>();
  // Agents come sorted, so each reason's byAgent does too.
  for (const a of agents) {
    for (const [reason, ms] of Object.entries(a.pausedByReason)) {
      let r = byReason.get(reason);
      if (!r) {
        r = { totalMs: 0, byAgent: [] };
        byReason.set(reason, r);
      }
      r.totalMs += ms;
      r.byAgent.push([a.agent, ms]);
    }
  }
  return [...byReason]
    .map(([reason, r]) => ({ reason, totalMs: r.totalMs, byAgent: Object.fromEntries(r.byAgent) }))
    .sort((x, y) => y.totalMs - x.totalMs || byName(x.reason, y.reason));
}

/**
 * Every figure of the report over query's period, from the rows a ReportSource gave for it (ordered
 * by agent, at, seq; duplicates and late arrivals are fine: the order that counts is `at`). `now`
 * ends a period that reaches past it; `retentionDays` says what the store still keeps.
 */
export function computeReport(rows: readonly ReportRow[], query: PeriodQuery, opts: { now: number; retentionDays: number }): Report {
  const { zone, start, end } = period(query);
  const c: Counting = {
    start,
    end,
    upTo: Math.min(end, Math.max(start, opts.now)),
    grid: new HourGrid(zone, start, end),
    onlineByHour: new Array<number>(24).fill(0),
    chats: new Map(),
  };
  const ordered = inReportOrder(rows);
  const agents: AgentReport[] = [];
  let i = 0;
  while (i < ordered.length) {
    const agent = ordered[i]!.agent;
    let j = i + 1;
    while (j < ordered.length && ordered[j]!.agent === agent) j++;
    const a = agentReport(ordered, i, j, c);
    if (a) agents.push(a);
    i = j;
  }

  const started = new Array<number>(24).fill(0);
  for (const chat of c.chats.values()) {
    const hour = c.grid.hourOf(Number.isFinite(chat.createdAt) ? chat.createdAt : chat.firstAt);
    if (hour >= 0) started[hour]!++;
  }
  const lengths = c.grid.lengths(c.upTo);
  const hours: HourReport[] = started.map((chatsStarted, hour) => ({
    hour,
    chatsStarted,
    agentsOnline: lengths[hour]! > 0 ? c.onlineByHour[hour]! / lengths[hour]! : 0,
  }));
  const keptSince = opts.now - opts.retentionDays * DAY;
  return {
    from: query.from,
    to: query.to,
    tz: query.tz,
    start,
    end,
    now: opts.now,
    retention: { days: opts.retentionDays, keptSince, cut: start < keptSince },
    agents,
    reasons: reasonsOf(agents),
    hours,
  };
}
