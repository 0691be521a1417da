// What a report reads of the stored events. The store's side (SQL over SQLite, a scan in Redis mode)
// produces ReportRows; report.ts computes every figure from them, so both stores answer alike.

/** One stored event, reduced to what the figures need. */
export interface ReportRow {
  seq: number;
  /** The agent it was stored for (normalized email), or PSEUDO_AGENT ('*') for an event nobody received. */
  agent: string;
  kind: string;
  /** Epoch ms when it happened (the event's `at`, not when it arrived). */
  at: number;
  /** Conversation kinds: the chat's id. */
  conversationId?: string;
  /** Conversation kinds: epoch ms the chat was created / closed, when SnapEngage said so. */
  createdAt?: number;
  closedAt?: number;
  /** `agent_status`: the status and its pause reason. */
  status?: string;
  substatus?: string;
  /** The agent's alias, when the event carried one. */
  alias?: string;
  /**
   * `transferred` (stored for both agents): the agents it went from and to, normalized, when
   * SnapEngage said so. A row stored for its `transferFrom` agent (and not its `transferTo`) is the
   * chat leaving that agent, not reaching it.
   */
  transferFrom?: string;
  transferTo?: string;
}

/** The period a report covers, epoch ms, [start, end). */
export interface ReportRowsQuery {
  start: number;
  end: number;
}

/** How far before the period a chat's assignment is looked for (a chat that reached the agent before the period and closed in it). */
export const ASSIGNMENT_LOOKBACK_MS = 24 * 3_600_000;

/** Takes one agent's rows for a report (board/report.ts: AgentTally), in any order. */
export interface ReportRowSink {
  add(
    kind: string,
    at: number,
    seq: number,
    conversationId: string | undefined,
    createdAt: number | undefined,
    closedAt: number | undefined,
    status: string | undefined,
    substatus: string | undefined,
  ): void;
}

/** Takes a report's rows agent by agent (board/report.ts: ReportTally). */
export interface ReportTallySink {
  agent(name: string): ReportRowSink;
}

/** Hands a row over to a sink. */
export function feedRow(sink: ReportTallySink, r: ReportRow): void {
  sink.agent(r.agent).add(r.kind, r.at, r.seq, r.conversationId, r.createdAt, r.closedAt, r.status, r.substatus);
}

export interface ReportSource {
  /**
   * The rows a report over [start, end) needs, ordered by (agent, at, seq): every event with
   * start <= at < end; per agent, the latest `agent_status` event before start (the status in force
   * when the period begins); and `assigned`/`transferred` events from ASSIGNMENT_LOOKBACK_MS before start.
   */
  rows(query: ReportRowsQuery): Promise<ReportRow[]>;
  /**
   * The same rows a report reads, each handed to the sink as it is read, in any order, and none kept:
   * how the report route reads them. Rows before the period other than the status in force may come
   * too, as long as they change no figure: earlier status changes (each ends before the period starts).
   */
  feed(query: ReportRowsQuery, sink: ReportTallySink): Promise<void>;
}
