// The team's report (issue 18) computed from the stored events a ReportSource hands over, so the
// SQLite and the Redis store answer alike. docs/board.md defines every figure in plain words; the
// tests (relay/test/board/report.test.ts) check each against hand-computed numbers.
import { AGENT_STATUS_KIND } from '@switchboard/protocol/event-kinds';
import { REPORT_MAX_DAYS, type AgentReport, type HourReport, type ReasonReport, type Report } from '@switchboard/protocol/board';
import { PSEUDO_AGENT } from '../store';
import { feedRow, type ReportRow, type ReportRowSink, type ReportTallySink } from './report-rows';
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

/** What one agent's rows say about one chat (and, merged over agents, about its start). */
interface AgentChat {
  /** Earliest createdAt any of its events carried; Infinity when none did. */
  createdAt: number;
  /** Earliest queued/assigned/transferred at; Infinity when none was seen. */
  firstAt: number;
  /** Earliest assigned/transferred at for this agent; Infinity when none was seen. */
  reached: number;
  /** Earliest close time (closedAt, else the event's at) among the agent's closes in the period; Infinity when none. */
  closedAt: number;
  /** Earliest createdAt on those close events; Infinity when none. */
  closeCreatedAt: number;
}

/** What makes a chat's start, over every agent's rows (and the unaddressed ones). */
type ChatStart = Pick<AgentChat, 'createdAt' | 'firstAt'>;

const NONE = Number.POSITIVE_INFINITY;

interface StatusRow {
  at: number;
  seq: number;
  status: string | undefined;
  substatus: string | undefined;
}

const byTime = (a: StatusRow, b: StatusRow) => a.at - b.at || a.seq - b.seq;

function median(sorted: readonly number[]): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest rank: the value at rank ceil(0.9 n), 1-based (integer arithmetic: 0.9 * 70 is 63.00000000000001). */
const p90 = (sorted: readonly number[]): number | null => (sorted.length === 0 ? null : sorted[Math.ceil((9 * sorted.length) / 10) - 1]!);

/**
 * One agent's rows, taken in any order: every figure but the status times is a least or greatest
 * value, and the status changes are put in order of (at, seq) at the end. So a store hands its rows
 * over as it reads them, without making, sorting or keeping an object per row (600,000 rows:
 * bench/team-report.ts).
 */
export class AgentTally implements ReportRowSink {
  private first = NONE;
  private last = Number.NEGATIVE_INFINITY;
  readonly chats = new Map<string, AgentChat>();
  private readonly statuses: StatusRow[] = [];
  /** A chat's events mostly come one after another: the last one's record, without a lookup. */
  private lastId: string | undefined;
  private lastChat: AgentChat | undefined;

  constructor(
    readonly agent: string,
    private readonly p: Period,
  ) {}

  add(
    kind: string,
    at: number,
    seq: number,
    conversationId: string | undefined,
    createdAt: number | undefined,
    closedAt: number | undefined,
    status: string | undefined,
    substatus: string | undefined,
  ): void {
    const { start, end } = this.p;
    if (at >= start && at < end) {
      if (at < this.first) this.first = at;
      if (at > this.last) this.last = at;
    }
    if (conversationId !== undefined) this.noteChat(kind, at, conversationId, createdAt ?? NONE, closedAt);
    else if (kind === AGENT_STATUS_KIND && this.agent !== PSEUDO_AGENT) this.statuses.push({ at, seq, status, substatus });
  }

  private noteChat(kind: string, at: number, id: string, createdAt: number, closedAt: number | undefined): void {
    const chat = id === this.lastId ? this.lastChat! : this.chat(id);
    this.lastId = id;
    this.lastChat = chat;
    if (createdAt < chat.createdAt) chat.createdAt = createdAt;
    switch (kind) {
      case 'assigned':
      case 'transferred':
        if (at < chat.reached) chat.reached = at;
        if (at < chat.firstAt) chat.firstAt = at;
        break;
      case 'queued':
        if (at < chat.firstAt) chat.firstAt = at;
        break;
      case 'closed': {
        const closed = closedAt ?? at;
        if (!(closed >= this.p.start && closed < this.p.end)) break;
        if (closed < chat.closedAt) chat.closedAt = closed;
        if (createdAt < chat.closeCreatedAt) chat.closeCreatedAt = createdAt;
        break;
      }
    }
  }

  private chat(id: string): AgentChat {
    let chat = this.chats.get(id);
    if (!chat) {
      chat = { createdAt: NONE, firstAt: NONE, reached: NONE, closedAt: NONE, closeCreatedAt: NONE };
      this.chats.set(id, chat);
    }
    return chat;
  }

  /**
   * The agent's figures, its online time added to onlineByHour; undefined when it has nothing in the
   * period, and for PSEUDO_AGENT, whose rows only tell when chats started.
   */
  report(upTo: number, grid: HourGrid, onlineByHour: number[]): AgentReport | undefined {
    if (this.agent === PSEUDO_AGENT) return undefined;
    const { start } = this.p;
    let onlineMs = 0;
    const pausedByReason = new Map<string, number>();
    this.statuses.sort(byTime);
    for (let i = 0; i < this.statuses.length; i++) {
      // The status in force from its at until the next change; only its part inside [start, upTo) counts.
      const s = this.statuses[i]!;
      const a = Math.max(s.at, start);
      const b = Math.min(this.statuses[i + 1]?.at ?? upTo, upTo);
      if (b <= a) continue;
      if (s.status === 'online') {
        onlineMs += b - a;
        grid.addSpan(a, b, onlineByHour);
      } else if (s.status === 'pause') {
        const reason = s.substatus ?? '';
        pausedByReason.set(reason, (pausedByReason.get(reason) ?? 0) + b - a);
      }
    }

    let handled = 0;
    const durations: number[] = [];
    for (const chat of this.chats.values()) {
      if (chat.closedAt === NONE) continue;
      handled++;
      // An assignment after the close (a clock off, an id reused) is no start; then the chat's creation is.
      const startedAt = chat.reached <= chat.closedAt ? chat.reached : chat.closeCreatedAt <= chat.closedAt ? chat.closeCreatedAt : NONE;
      if (startedAt !== NONE) durations.push(chat.closedAt - startedAt);
    }
    durations.sort((x, y) => x - y);
    let pausedMs = 0;
    for (const ms of pausedByReason.values()) pausedMs += ms;
    const active = this.first !== NONE;
    if (!active && handled === 0 && onlineMs === 0 && pausedMs === 0) return undefined;
    return {
      agent: this.agent,
      chatsHandled: handled,
      medianHandlingMs: median(durations),
      p90HandlingMs: p90(durations),
      onlineMs,
      pausedMs,
      pausedByReason: Object.fromEntries([...pausedByReason].sort(([a], [b]) => byName(a, b))),
      firstActivity: active ? this.first : null,
      lastActivity: active ? this.last : null,
    };
  }
}

/** Agents in the order SQLite sorts text (UTF-8 bytes; JS compares UTF-16 units, which differs beyond U+FFFF). */
const byBytes = (a: AgentTally, b: AgentTally) => Buffer.compare(Buffer.from(a.agent, 'utf8'), Buffer.from(b.agent, 'utf8'));

/**
 * The report over a period, counted from rows as a ReportSource feeds them (board/report-rows.ts:
 * ReportTallySink), in any order. docs/board.md defines every figure.
 */
export class ReportTally implements ReportTallySink {
  private readonly p: Period;
  /** The period it counts, [start, end) in epoch ms: what to ask a ReportSource for. */
  readonly range: { start: number; end: number };
  private readonly agents = new Map<string, AgentTally>();

  /** Throws a RangeError for a query periodOf refuses. */
  constructor(private readonly query: PeriodQuery) {
    this.p = period(query);
    this.range = { start: this.p.start, end: this.p.end };
  }

  agent(name: string): AgentTally {
    let tally = this.agents.get(name);
    if (!tally) {
      tally = new AgentTally(name, this.p);
      this.agents.set(name, tally);
    }
    return tally;
  }

  /** Every figure; `now` ends a period that reaches past it, `retentionDays` says what the store still keeps. */
  report(opts: { now: number; retentionDays: number }): Report {
    const { zone, start, end } = this.p;
    const upTo = Math.min(end, Math.max(start, opts.now));
    const grid = new HourGrid(zone, start, end);
    const onlineByHour = new Array<number>(24).fill(0);
    const agents: AgentReport[] = [];
    const starts = new Map<string, ChatStart>();
    for (const tally of [...this.agents.values()].sort(byBytes)) {
      const a = tally.report(upTo, grid, onlineByHour);
      if (a) agents.push(a);
      // The agent is done with its chats: their records become the starts as they are.
      tally.chats.forEach((chat, id) => {
        const seen = starts.get(id);
        if (!seen) starts.set(id, chat);
        else {
          if (chat.createdAt < seen.createdAt) seen.createdAt = chat.createdAt;
          if (chat.firstAt < seen.firstAt) seen.firstAt = chat.firstAt;
        }
      });
    }

    // A chat started when it was created, as the earliest of its events says; else when it was first queued or reached anyone.
    const started = new Array<number>(24).fill(0);
    for (const chat of starts.values()) {
      const hour = grid.hourOf(chat.createdAt !== NONE ? chat.createdAt : chat.firstAt);
      if (hour >= 0) started[hour]!++;
    }
    const lengths = grid.lengths(upTo);
    const hours: HourReport[] = started.map((chatsStarted, hour) => ({
      hour,
      chatsStarted,
      agentsOnline: lengths[hour]! > 0 ? onlineByHour[hour]! / lengths[hour]! : 0,
    }));
    const keptSince = opts.now - opts.retentionDays * DAY;
    return {
      from: this.query.from,
      to: this.query.to,
      tz: this.query.tz,
      start,
      end,
      now: opts.now,
      retention: { days: opts.retentionDays, keptSince, cut: start < keptSince },
      agents,
      reasons: reasonsOf(agents),
      hours,
    };
  }
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
 * Every figure of the report over query's period, from the rows a ReportSource gave for it (in any
 * order; duplicates and late arrivals are fine: the order that counts is `at`). `now` ends a period
 * that reaches past it; `retentionDays` says what the store still keeps.
 */
export function computeReport(rows: readonly ReportRow[], query: PeriodQuery, opts: { now: number; retentionDays: number }): Report {
  const tally = new ReportTally(query);
  for (const r of rows) feedRow(tally, r);
  return tally.report(opts);
}
