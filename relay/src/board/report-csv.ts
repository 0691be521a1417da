// One section of a Report as CSV (GET /api/reports?…&format=csv&section=…), for a spreadsheet:
// RFC 4180 (CRLF, fields with a quote, comma or line break quoted, quotes doubled), a header row,
// durations in whole seconds, times in ISO 8601 with the report zone's offset. docs/board.md
// lists the columns.
import type { Report, ReportSection } from '@switchboard/protocol/board';
import { Zone } from './zoned-time';

const CRLF = '\r\n';

/**
 * A cell a spreadsheet could read as a formula (starting with = + - @, a tab or a carriage return)
 * gets a leading apostrophe, so an agent's alias or a pause reason cannot run anything on the team
 * lead's machine (OWASP "CSV injection").
 */
const text = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
const field = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);
const seconds = (ms: number | null) => (ms === null ? '' : String(Math.round(ms / 1000)));

function csv(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return [header, ...rows].map((cells) => `${cells.map(field).join(',')}${CRLF}`).join('');
}

/**
 * `agents`: one row per agent. `reasons`: long form, reason × agent; each reason starts with its
 * total, a row whose agent is empty, then one row per agent (sum the rows with an agent, or take
 * the totals: not both). `hours`: the 24 hours of day.
 */
export function reportCsv(report: Report, section: ReportSection): string {
  switch (section) {
    case 'agents': {
      const zone = new Zone(report.tz);
      const time = (t: number | null) => (t === null ? '' : zone.iso(t));
      return csv(
        [
          'agent',
          'chats_handled',
          'median_handling_seconds',
          'p90_handling_seconds',
          'online_seconds',
          'paused_seconds',
          'first_activity',
          'last_activity',
        ],
        report.agents.map((a) => [
          text(a.agent),
          String(a.chatsHandled),
          seconds(a.medianHandlingMs),
          seconds(a.p90HandlingMs),
          seconds(a.onlineMs),
          seconds(a.pausedMs),
          time(a.firstActivity),
          time(a.lastActivity),
        ]),
      );
    }
    case 'reasons':
      return csv(
        ['reason', 'agent', 'paused_seconds'],
        report.reasons.flatMap((r) => [
          [text(r.reason), '', seconds(r.totalMs)],
          ...Object.entries(r.byAgent).map(([agent, ms]) => [text(r.reason), text(agent), seconds(ms)]),
        ]),
      );
    case 'hours':
      return csv(
        ['hour', 'chats_started', 'agents_online'],
        report.hours.map((h) => [String(h.hour), String(h.chatsStarted), h.agentsOnline.toFixed(2)]),
      );
  }
}
