// The team lead's view (issue 18): the live board and the reports the relay serves to a supervisor
// token. The relay builds these answers (relay/src/board/), the board page (relay/board/) reads them;
// both import this file, so the contract lives once. docs/board.md explains every figure.
import * as z from 'zod/mini';
import { AGENT_STATUSES } from './status';

/** The page itself (HTML, script, style); it holds no data and needs no token. */
export const BOARD_PAGE_PATH = '/board';
/** GET: a BoardSnapshot. `Authorization: Bearer <supervisor token>`. */
export const BOARD_API_PATH = '/api/board';
/**
 * GET: `text/event-stream` read with fetch (so the token goes in the Authorization header, never
 * in a URL): first `event: snapshot` (a BoardSnapshot), then `event: agent` (a BoardAgent that
 * replaces the row with the same `agent`), and `: keep-alive` comments. A reconnect starts over
 * with a new snapshot.
 */
export const BOARD_STREAM_PATH = '/api/board/stream';
/** GET with ReportQuery's fields as search params: a Report, or CSV with `format=csv`. */
export const REPORTS_API_PATH = '/api/reports';

/** `unknown`: no status event kept for this agent (retention, or SnapEngage never sent one). */
export const BOARD_STATUSES = [...AGENT_STATUSES, 'unknown'] as const;
export type BoardStatus = (typeof BOARD_STATUSES)[number];

export const BoardAgent = z.object({
  /** Agent email, normalized as in relay tokens. */
  agent: z.string(),
  /** The agent's alias, when an event carried one. */
  name: z.optional(z.string()),
  status: z.enum(BOARD_STATUSES),
  /** The pause reason, with `pause` only. */
  substatus: z.optional(z.string()),
  /** Epoch ms of the status event in force (its `at`, not when it arrived). */
  since: z.optional(z.number()),
  /** Conversations assigned or transferred to the agent and not closed yet. */
  openChats: z.int().check(z.nonnegative()),
  /** Whether the agent's extension holds a websocket to the relay now. */
  connected: z.boolean(),
  /** Epoch ms of the agent's latest event of any kind. */
  lastActivity: z.optional(z.number()),
});
export type BoardAgent = z.infer<typeof BoardAgent>;

export const BoardSnapshot = z.object({
  /** Server time (epoch ms) when it was taken: the page counts "for how long" from its own clock offset to this. */
  now: z.number(),
  agents: z.array(BoardAgent),
  /** RELAY_RETENTION_DAYS: the board and reports see only events this recent. */
  retentionDays: z.int().check(z.positive()),
});
export type BoardSnapshot = z.infer<typeof BoardSnapshot>;

/** `YYYY-MM-DD`, a calendar date in the report's time zone. */
const LocalDate = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'dates are YYYY-MM-DD'));

/** The longest period one report covers. */
export const REPORT_MAX_DAYS = 92;

export const REPORT_SECTIONS = ['agents', 'reasons', 'hours'] as const;
export type ReportSection = (typeof REPORT_SECTIONS)[number];

/** The search params of GET /api/reports. `from` and `to` are both included, whole days in `tz`. */
export const ReportQuery = z.object({
  from: LocalDate,
  to: LocalDate,
  /** An IANA time zone (`Europe/Berlin`); days and hours of day are counted in it, DST included. */
  tz: z.string().check(z.minLength(1)),
  /** `csv`: one section as CSV (`section`, default `agents`); absent: the whole Report as JSON. */
  format: z.optional(z.enum(['json', 'csv'])),
  section: z.optional(z.enum(REPORT_SECTIONS)),
});
export type ReportQuery = z.infer<typeof ReportQuery>;

const Ms = z.number().check(z.nonnegative());

export const AgentReport = z.object({
  agent: z.string(),
  /** Distinct conversations the agent closed in the period. */
  chatsHandled: z.int().check(z.nonnegative()),
  /** From the chat reaching the agent to its close; null when no handled chat has a known start. */
  medianHandlingMs: z.nullable(Ms),
  /** Nearest-rank 90th percentile of the same durations. */
  p90HandlingMs: z.nullable(Ms),
  onlineMs: Ms,
  pausedMs: Ms,
  /** Pause reason ('' for none) → ms paused with it. */
  pausedByReason: z.record(z.string(), Ms),
  /** Epoch ms of the agent's first and last event in the period. */
  firstActivity: z.nullable(z.number()),
  lastActivity: z.nullable(z.number()),
});
export type AgentReport = z.infer<typeof AgentReport>;

export const ReasonReport = z.object({
  /** '' for a pause without a reason. */
  reason: z.string(),
  totalMs: Ms,
  /** Agent → ms paused with this reason. */
  byAgent: z.record(z.string(), Ms),
});
export type ReasonReport = z.infer<typeof ReasonReport>;

export const HourReport = z.object({
  /** Hour of day in the report's time zone, 0–23. */
  hour: z.int().check(z.gte(0), z.lte(23)),
  /** Conversations that started in this hour of any day in the period. */
  chatsStarted: z.int().check(z.nonnegative()),
  /** Average number of agents online during this hour (online ms in it ÷ its length in the period). */
  agentsOnline: z.number().check(z.nonnegative()),
});
export type HourReport = z.infer<typeof HourReport>;

export const Report = z.object({
  from: z.string(),
  to: z.string(),
  tz: z.string(),
  /** The period as epoch ms, [start, end): local midnight of `from` to local midnight after `to`. */
  start: z.number(),
  end: z.number(),
  /** Server time it was computed; a period reaching past it is counted up to now. */
  now: z.number(),
  retention: z.object({
    days: z.int().check(z.positive()),
    /** Epoch ms before which events are no longer kept. */
    keptSince: z.number(),
    /** true when the period starts before keptSince: its early part is missing, and the page says so. */
    cut: z.boolean(),
  }),
  agents: z.array(AgentReport),
  reasons: z.array(ReasonReport),
  /** Always 24 rows, hour 0 to 23. */
  hours: z.array(HourReport),
});
export type Report = z.infer<typeof Report>;
