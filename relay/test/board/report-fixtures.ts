// Rows for the report tests, and a stand-in for a ReportSource over them: what report-rows.ts says a
// source hands over for [start, end), in its order. Times are written in local Berlin time (CET, UTC+1
// in January) so each expectation's arithmetic reads off the clock.
import { computeReport, periodOf } from '../../src/board/report';
import { ASSIGNMENT_LOOKBACK_MS, type ReportRow } from '../../src/board/report-rows';

let nextSeq = 1;

/** A row stored now (the next seq), for an event at `at` (ISO 8601 with an offset). */
export function row(agent: string, kind: string, at: string, fields: Partial<ReportRow> = {}): ReportRow {
  return { seq: nextSeq++, agent, kind, at: Date.parse(at), ...fields };
}

/** `2026-01-15T08:00` in Berlin (CET). */
const cet = (local: string) => `${local}:00+01:00`;

export const status = (agent: string, local: string, value: string, substatus?: string) =>
  row(agent, 'agent_status', cet(local), substatus === undefined ? { status: value } : { status: value, substatus });

export const chatEvent = (agent: string, kind: string, local: string, conversationId: string, fields: Partial<ReportRow> = {}) =>
  row(agent, kind, cet(local), { conversationId, ...fields });

const inOrder = (a: ReportRow, b: ReportRow) => (a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : a.at - b.at || a.seq - b.seq);

/**
 * What a ReportSource returns for [start, end) out of everything stored: every row in it, per agent the
 * latest agent_status before start, and assigned/transferred rows from ASSIGNMENT_LOOKBACK_MS before
 * start; ordered by (agent, at, seq). `keptSince`: rows before it were pruned.
 */
export function sourceRows(stored: readonly ReportRow[], start: number, end: number, keptSince = 0): ReportRow[] {
  const kept = stored.filter((r) => r.at >= keptSince);
  const out = kept.filter(
    (r) =>
      (r.at >= start && r.at < end) ||
      ((r.kind === 'assigned' || r.kind === 'transferred') && r.at >= start - ASSIGNMENT_LOOKBACK_MS && r.at < start),
  );
  const inForce = new Map<string, ReportRow>();
  for (const r of kept) {
    if (r.kind !== 'agent_status' || r.at >= start) continue;
    const seen = inForce.get(r.agent);
    if (!seen || inOrder(seen, r) < 0) inForce.set(r.agent, r);
  }
  return [...out, ...inForce.values()].sort(inOrder);
}

export const NOW = Date.parse('2026-01-20T12:00:00Z');

/** The report over from..to as the relay's route computes it from the stand-in source. */
export function reportOver(
  stored: readonly ReportRow[],
  query: { from: string; to: string; tz?: string },
  opts: { now?: number; retentionDays?: number } = {},
) {
  const q = { from: query.from, to: query.to, tz: query.tz ?? 'Europe/Berlin' };
  const now = opts.now ?? NOW;
  const retentionDays = opts.retentionDays ?? 30;
  const { start, end } = periodOf(q);
  return computeReport(sourceRows(stored, start, end, now - retentionDays * 86_400_000), q, { now, retentionDays });
}
