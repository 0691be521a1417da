// Every report figure against numbers worked out by hand (docs/board.md defines them). Times are
// local Berlin times; in January that is UTC+1, so 08:00 local is 07:00Z.
import { describe, expect, it } from 'vitest';
import { computeReport, periodOf } from '../../src/board/report';
import type { ReportRow } from '../../src/board/report-rows';
import { chatEvent, NOW, reportOver, row, sourceRows, status } from './report-fixtures';

const MIN = 60_000;
const DAY_15 = { from: '2026-01-15', to: '2026-01-15' };
const agentOf = (report: ReturnType<typeof computeReport>, agent: string) => report.agents.find((a) => a.agent === agent);
const onlineByHour = (report: ReturnType<typeof computeReport>) => report.hours.map((h) => h.agentsOnline);

describe('periodOf', () => {
  it('spans local midnight of from to local midnight after to', () => {
    // 2026-01-15 00:00 CET = 2026-01-14T23:00Z; the next midnight 24 h later.
    expect(periodOf({ ...DAY_15, tz: 'Europe/Berlin' })).toEqual({ start: 1_768_431_600_000, end: 1_768_518_000_000 });
    // 2026-01-15T00:00Z .. 2026-01-16T00:00Z
    expect(periodOf({ ...DAY_15, tz: 'UTC' })).toEqual({ start: 1_768_435_200_000, end: 1_768_521_600_000 });
  });

  it('refuses, with a readable RangeError, an unknown zone, a date that does not exist, to before from, and more than 92 days', () => {
    expect(() => periodOf({ ...DAY_15, tz: 'Europe/Atlantis' })).toThrow(/unknown time zone "Europe\/Atlantis"/);
    expect(() => periodOf({ from: '2026-02-30', to: '2026-03-01', tz: 'UTC' })).toThrow(
      'from must be a date as YYYY-MM-DD, from 1970 on: "2026-02-30"',
    );
    expect(() => periodOf({ from: '2026-01-15', to: '2026-01-14', tz: 'UTC' })).toThrow('to (2026-01-14) is before from (2026-01-15)');
    // January 31 + February 28 + March 31 = 90 days, so April 3 is day 93 and April 2 day 92.
    expect(() => periodOf({ from: '2026-01-01', to: '2026-04-03', tz: 'UTC' })).toThrow(
      'a report covers at most 92 days; 2026-01-01 to 2026-04-03 is 93',
    );
    // 2026-01-01 00:00 CET = 2025-12-31T23:00Z .. 2026-04-03 00:00 CEST = 2026-04-02T22:00Z
    expect(periodOf({ from: '2026-01-01', to: '2026-04-02', tz: 'Europe/Berlin' })).toEqual({
      start: 1_767_222_000_000,
      end: 1_775_167_200_000,
    });
    for (const bad of [
      { ...DAY_15, tz: 'Nowhere' },
      { ...DAY_15, from: '15.01.2026', tz: 'UTC' },
    ])
      expect(() => periodOf(bad)).toThrow(RangeError);
  });
});

describe('computeReport', () => {
  it('orders status changes by when they happened, not by when they arrived, and counts offline as neither', () => {
    const a = 'a@example.com';
    const online8 = status(a, '2026-01-15T08:00', 'online');
    // The 10:30 change reached the relay before the 10:00 pause (higher seq for the earlier event).
    const online1030 = status(a, '2026-01-15T10:30', 'online');
    const lunch = status(a, '2026-01-15T10:00', 'pause', 'Lunch');
    const stored = [
      online8,
      online1030,
      lunch,
      status(a, '2026-01-15T12:00', 'pause'),
      status(a, '2026-01-15T12:15', 'offline'),
      status(a, '2026-01-15T13:00', 'online'),
      status(a, '2026-01-15T17:00', 'offline'),
    ];
    expect(lunch.seq).toBeGreaterThan(online1030.seq);
    const report = reportOver(stored, DAY_15);
    const expected = {
      agent: a,
      chatsHandled: 0,
      medianHandlingMs: null,
      p90HandlingMs: null,
      // 08:00–10:00 (2 h) + 10:30–12:00 (1.5 h) + 13:00–17:00 (4 h) = 7.5 h; 12:15–13:00 offline is neither.
      onlineMs: 27_000_000,
      // Lunch 10:00–10:30 = 30 min; no reason 12:00–12:15 = 15 min.
      pausedMs: 2_700_000,
      pausedByReason: { '': 900_000, Lunch: 1_800_000 },
      // 08:00 CET = 2026-01-15T07:00Z, 17:00 CET = 16:00Z
      firstActivity: 1_768_460_400_000,
      lastActivity: 1_768_492_800_000,
    };
    expect(report.agents).toEqual([expected]);
    // Hours 8, 9 and 11 fully online; 10 half (10:30–11:00); 12 not at all (paused, then offline); 13–16 fully.
    expect(onlineByHour(report)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0.5, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);

    // A source that does not sort (rows as they arrived, reversed) gives the same report.
    const { start, end } = periodOf({ ...DAY_15, tz: 'Europe/Berlin' });
    const shuffled = sourceRows(stored, start, end).reverse();
    const again = computeReport(shuffled, { ...DAY_15, tz: 'Europe/Berlin' }, { now: NOW, retentionDays: 30 });
    expect(again.agents).toEqual([expected]);
  });

  it('counts a duplicated status, assignment and close once', () => {
    const b = 'b@example.com';
    const createdAt = Date.parse('2026-01-15T09:05:00+01:00');
    const closedAt = Date.parse('2026-01-15T09:30:00+01:00');
    const stored = [
      status(b, '2026-01-15T09:00', 'online'),
      status(b, '2026-01-15T09:00', 'online'),
      chatEvent(b, 'assigned', '2026-01-15T09:10', 'c1', { createdAt }),
      chatEvent(b, 'assigned', '2026-01-15T09:10', 'c1', { createdAt }),
      chatEvent(b, 'closed', '2026-01-15T09:30', 'c1', { createdAt, closedAt }),
      chatEvent(b, 'closed', '2026-01-15T09:31', 'c1', { createdAt, closedAt }),
      status(b, '2026-01-15T10:00', 'offline'),
    ];
    const report = reportOver(stored, DAY_15);
    expect(agentOf(report, b)).toMatchObject({
      chatsHandled: 1,
      // 09:10 → 09:30
      medianHandlingMs: 1_200_000,
      p90HandlingMs: 1_200_000,
      // 09:00–10:00
      onlineMs: 3_600_000,
    });
    // Created 09:05: one chat started in hour 9.
    expect(report.hours[9]!.chatsStarted).toBe(1);
    expect(report.hours.reduce((n, h) => n + h.chatsStarted, 0)).toBe(1);
  });

  it('counts a chat closed without a seen assignment as handled, timed from its createdAt when it has one', () => {
    const c = 'c@example.com';
    const d = 'd@example.com';
    const stored = [
      // No assignment; created 10:30, closed 11:00 (closedAt; the webhook came at 11:02) → 30 min.
      chatEvent(c, 'closed', '2026-01-15T11:02', 'with-created', {
        createdAt: Date.parse('2026-01-15T10:30:00+01:00'),
        closedAt: Date.parse('2026-01-15T11:00:00+01:00'),
      }),
      // Neither assignment nor createdAt: handled, start unknown.
      chatEvent(c, 'closed', '2026-01-15T12:00', 'no-start'),
      chatEvent(d, 'closed', '2026-01-15T12:00', 'no-start-either'),
    ];
    const report = reportOver(stored, DAY_15);
    expect(agentOf(report, c)).toMatchObject({ chatsHandled: 2, medianHandlingMs: 1_800_000, p90HandlingMs: 1_800_000 });
    expect(agentOf(report, d)).toMatchObject({ chatsHandled: 1, medianHandlingMs: null, p90HandlingMs: null });
    // Only the chat with a createdAt has a known start (10:30, hour 10).
    expect(report.hours.map((h) => h.chatsStarted)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("splits a pause across midnight between the two days' reports", () => {
    const e = 'e@example.com';
    const stored = [
      status(e, '2026-01-15T22:00', 'online'),
      status(e, '2026-01-15T23:00', 'pause', 'Meeting'),
      status(e, '2026-01-16T01:30', 'online'),
      status(e, '2026-01-16T02:00', 'offline'),
    ];
    const day15 = reportOver(stored, DAY_15);
    // 22:00–23:00 online, 23:00–24:00 paused (the 01:30 change is after this report's end).
    expect(agentOf(day15, e)).toMatchObject({ onlineMs: 3_600_000, pausedMs: 3_600_000, pausedByReason: { Meeting: 3_600_000 } });
    expect(day15.hours[22]!.agentsOnline).toBe(1);
    expect(day15.hours[23]!.agentsOnline).toBe(0);

    const day16 = reportOver(stored, { from: '2026-01-16', to: '2026-01-16' });
    // The pause in force at midnight holds 00:00–01:30 = 1.5 h; online 01:30–02:00 = 30 min.
    expect(agentOf(day16, e)).toMatchObject({
      onlineMs: 1_800_000,
      pausedMs: 5_400_000,
      pausedByReason: { Meeting: 5_400_000 },
      // The pause row is from the day before: activity on the 16th is 01:30 CET (00:30Z) and 02:00 CET (01:00Z).
      firstActivity: 1_768_523_400_000,
      lastActivity: 1_768_525_200_000,
    });
    expect(day16.hours[1]!.agentsOnline).toBe(0.5);

    // Both days together: the whole pause, 23:00–01:30 = 2.5 h = 1 h + 1.5 h.
    const both = reportOver(stored, { from: '2026-01-15', to: '2026-01-16' });
    expect(agentOf(both, e)).toMatchObject({ onlineMs: 5_400_000, pausedMs: 9_000_000 });
    // Hour 22 was online on the 15th only: 1 h over the two days' 2 h of hour 22.
    expect(both.hours[22]!.agentsOnline).toBe(0.5);
  });

  it('on the spring-forward day (23 h) hour 2 has no length, and the pseudo-agent only counts chat starts', () => {
    const f = 'f@example.com';
    const stored = [
      // 00:30 CET = 2026-03-28T23:30Z; 04:30 CEST = 2026-03-29T02:30Z: 3 real hours.
      row(f, 'agent_status', '2026-03-29T00:30:00+01:00', { status: 'online' }),
      row(f, 'agent_status', '2026-03-29T04:30:00+02:00', { status: 'offline' }),
      // A chat nobody was assigned, queued at 03:10 CEST: started in hour 3.
      row('*', 'queued', '2026-03-29T03:10:00+02:00', { conversationId: 'q1' }),
      row('*', 'closed', '2026-03-29T03:40:00+02:00', { conversationId: 'q1' }),
    ];
    const report = reportOver(stored, { from: '2026-03-29', to: '2026-03-29' }, { now: Date.parse('2026-04-01T00:00:00Z') });
    // 2026-03-28T23:00Z .. 2026-03-29T22:00Z
    expect([report.start, report.end]).toEqual([1_774_738_800_000, 1_774_821_600_000]);
    expect(report.agents.map((a) => [a.agent, a.onlineMs, a.chatsHandled])).toEqual([[f, 10_800_000, 0]]);
    // Hour 0: 00:30–01:00 of 1 h; hour 1: all; hour 2: no length; hour 3: all; hour 4: 04:00–04:30.
    expect(onlineByHour(report).slice(0, 6)).toEqual([0.5, 1, 0, 1, 0.5, 0]);
    expect(report.hours[3]!.chatsStarted).toBe(1);
  });

  it('on the fall-back day (25 h) hour 2 lasts 2 h', () => {
    const g1 = 'g1@example.com';
    const g2 = 'g2@example.com';
    const stored = [
      // 02:00 CEST (00:00Z) to 02:00 CET (01:00Z): the first pass through hour 2.
      row(g2, 'agent_status', '2026-10-25T02:00:00+02:00', { status: 'online' }),
      row(g2, 'assigned', '2026-10-25T02:30:00+02:00', { conversationId: 'first-pass', createdAt: Date.parse('2026-10-25T00:30:00Z') }),
      row(g2, 'agent_status', '2026-10-25T02:00:00+01:00', { status: 'offline' }),
      // 02:30 CET (01:30Z) to 03:30 CET (02:30Z): half in the second pass of hour 2, half in hour 3.
      row(g1, 'agent_status', '2026-10-25T02:30:00+01:00', { status: 'online' }),
      row(g1, 'assigned', '2026-10-25T02:30:00+01:00', { conversationId: 'second-pass', createdAt: Date.parse('2026-10-25T01:30:00Z') }),
      row(g1, 'agent_status', '2026-10-25T03:30:00+01:00', { status: 'offline' }),
    ];
    const report = reportOver(stored, { from: '2026-10-25', to: '2026-10-25' }, { now: Date.parse('2026-11-01T00:00:00Z') });
    // 2026-10-24T22:00Z .. 2026-10-25T23:00Z
    expect(report.end - report.start).toBe(90_000_000);
    expect(report.agents.map((a) => [a.agent, a.onlineMs])).toEqual([
      [g1, 3_600_000],
      [g2, 3_600_000],
    ]);
    // Hour 2: (1 h of g2 + 0.5 h of g1) / 2 h = 0.75; hour 3: 0.5 h of g1 / 1 h.
    expect(onlineByHour(report).slice(0, 5)).toEqual([0, 0, 0.75, 0.5, 0]);
    // Both chats were created at 02:30 local, one in each pass.
    expect(report.hours[2]!.chatsStarted).toBe(2);
  });

  it('says when retention cut the period, and counts nothing before the first kept status', () => {
    const h = 'h@example.com';
    const stored = [
      // Pruned with 7 days' retention at NOW (2026-01-20T12:00Z): kept since 2026-01-13T12:00Z.
      status(h, '2026-01-12T09:00', 'online'),
      status(h, '2026-01-13T14:00', 'online'),
      status(h, '2026-01-13T15:00', 'offline'),
    ];
    const cut = reportOver(stored, { from: '2026-01-12', to: '2026-01-15' }, { retentionDays: 7 });
    // 2026-01-20T12:00Z − 7 × 86,400,000 = 2026-01-13T12:00Z; the period starts 2026-01-11T23:00Z, before it.
    expect(cut.retention).toEqual({ days: 7, keptSince: 1_768_305_600_000, cut: true });
    // Only 14:00–15:00 on the 13th: the online status of the 12th is gone.
    expect(agentOf(cut, h)!.onlineMs).toBe(3_600_000);
    const whole = reportOver(stored, { from: '2026-01-14', to: '2026-01-15' }, { retentionDays: 7 });
    expect(whole.retention.cut).toBe(false);
  });

  it('counts a period reaching past now only up to now', () => {
    const i = 'i@example.com';
    const stored = [status(i, '2026-01-15T08:00', 'online')];
    // Now is 13:00 CET (12:00Z).
    const now = Date.parse('2026-01-15T12:00:00Z');
    const report = reportOver(stored, DAY_15, { now });
    // 08:00–13:00 = 5 h
    expect(agentOf(report, i)!.onlineMs).toBe(18_000_000);
    expect(report.now).toBe(1_768_478_400_000);
    // Hours 8–12 have passed, all online; hour 13 onward has no length yet.
    expect(onlineByHour(report)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    // A change stamped after now (SnapEngage's clock ahead of the relay's) does not stretch the time past now.
    const ahead = reportOver([...stored, status(i, '2026-01-15T14:00', 'offline')], DAY_15, { now });
    expect(agentOf(ahead, i)!.onlineMs).toBe(18_000_000);
    // Tomorrow has not begun: the online status is in force, but no time of it is in the period yet.
    expect(reportOver(stored, { from: '2026-01-16', to: '2026-01-16' }, { now }).agents).toEqual([]);
  });

  it('takes the median of an odd count, the mean of the two middle ones of an even count, and p90 by nearest rank', () => {
    const chats = (agent: string, minutes: number[]) =>
      minutes.flatMap((m, n) => {
        // Chat n assigned at 09:00 CET + n × 20 min, closed m minutes later.
        const at = Date.parse('2026-01-15T08:00:00Z') + n * 20 * MIN;
        return [
          row(agent, 'assigned', new Date(at).toISOString(), { conversationId: `${agent}-${n}` }),
          row(agent, 'closed', new Date(at + m * MIN).toISOString(), { conversationId: `${agent}-${n}` }),
        ];
      });
    const report = reportOver(
      [
        ...chats('odd@example.com', [5, 1, 3]),
        ...chats('even@example.com', [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]),
        ...chats('four@example.com', [45, 10, 30, 20]),
      ],
      DAY_15,
    );
    // Sorted 1, 3, 5: median 3 min; p90 rank ceil(2.7) = 3 → 5 min.
    expect(agentOf(report, 'odd@example.com')).toMatchObject({ chatsHandled: 3, medianHandlingMs: 180_000, p90HandlingMs: 300_000 });
    // 1..10: median (5 + 6) / 2 = 5.5 min; p90 rank ceil(9) = 9 → 9 min (interpolating would give 9.1).
    expect(agentOf(report, 'even@example.com')).toMatchObject({ chatsHandled: 10, medianHandlingMs: 330_000, p90HandlingMs: 540_000 });
    // 10, 20, 30, 45: median 25 min; p90 rank ceil(3.6) = 4 → 45 min.
    expect(agentOf(report, 'four@example.com')).toMatchObject({ medianHandlingMs: 1_500_000, p90HandlingMs: 2_700_000 });
  });

  it('times a chat from its earliest assignment or transfer to the agent, whatever order they arrived in', () => {
    const m = 'm@example.com';
    // The transfer back to m at 09:40 reached the relay before the assignment at 09:10.
    const stored = [
      chatEvent(m, 'transferred', '2026-01-15T09:40', 'back-and-forth'),
      chatEvent(m, 'assigned', '2026-01-15T09:10', 'back-and-forth'),
      chatEvent(m, 'closed', '2026-01-15T10:00', 'back-and-forth'),
    ];
    // 09:10 → 10:00 = 50 min (not 20 min from the transfer).
    expect(agentOf(reportOver(stored, DAY_15), m)).toMatchObject({ chatsHandled: 1, medianHandlingMs: 3_000_000 });
  });

  it('times a chat assigned before the period and closed in it from its assignment', () => {
    const j = 'j@example.com';
    const stored = [
      // Created 23:45 and assigned 23:50 on the 14th; closed 00:20 on the 15th.
      chatEvent(j, 'assigned', '2026-01-14T23:50', 'overnight', { createdAt: Date.parse('2026-01-14T23:45:00+01:00') }),
      chatEvent(j, 'closed', '2026-01-15T00:20', 'overnight', { createdAt: Date.parse('2026-01-14T23:45:00+01:00') }),
    ];
    const day15 = reportOver(stored, DAY_15);
    // 23:50 → 00:20 = 30 min; the only activity on the 15th is the close, 00:20 CET = 2026-01-14T23:20Z.
    expect(agentOf(day15, j)).toMatchObject({ chatsHandled: 1, medianHandlingMs: 1_800_000, firstActivity: 1_768_432_800_000 });
    // It started on the 14th, not in this report.
    expect(day15.hours.every((h) => h.chatsStarted === 0)).toBe(true);
    const day14 = reportOver(stored, { from: '2026-01-14', to: '2026-01-14' });
    expect(agentOf(day14, j)!.chatsHandled).toBe(0);
    expect(day14.hours[23]!.chatsStarted).toBe(1);
  });

  it('counts a chat on the day its close time falls, not the day the close event came', () => {
    const n = 'n@example.com';
    const closedAt = Date.parse('2026-01-14T23:55:00+01:00');
    // Closed 23:55 on the 14th; the event is stamped 00:10 on the 15th.
    const stored = [chatEvent(n, 'assigned', '2026-01-14T23:40', 'late'), chatEvent(n, 'closed', '2026-01-15T00:10', 'late', { closedAt })];
    expect(agentOf(reportOver(stored, DAY_15), n)!.chatsHandled).toBe(0);
  });

  it('starts a chat at its createdAt, else at its earliest queued/assigned/transferred event', () => {
    const k = 'k@example.com';
    const stored = [
      // No createdAt anywhere: queued 09:10 (unaddressed), assigned 09:20 → hour 9.
      chatEvent('*', 'queued', '2026-01-15T09:10', 'x'),
      chatEvent(k, 'assigned', '2026-01-15T09:20', 'x'),
      // Queued 09:50 but created 08:59 (carried by the assignment only) → hour 8.
      chatEvent('*', 'queued', '2026-01-15T09:50', 'y'),
      chatEvent(k, 'assigned', '2026-01-15T10:05', 'y', { createdAt: Date.parse('2026-01-15T08:59:00+01:00') }),
      // Closed unaddressed (a missed chat), created 10:40 → hour 10; nobody handled it.
      chatEvent('*', 'closed', '2026-01-15T11:00', 'z', { createdAt: Date.parse('2026-01-15T10:40:00+01:00') }),
      // Assigned to zed 07:50, transferred to amy 08:05 (amy's rows are read first): started 07:50 → hour 7.
      chatEvent('zed@example.com', 'assigned', '2026-01-15T07:50', 'w'),
      chatEvent('amy@example.com', 'transferred', '2026-01-15T08:05', 'w'),
    ];
    const report = reportOver(stored, DAY_15);
    expect(report.hours.map((h) => h.chatsStarted).slice(6, 12)).toEqual([0, 1, 1, 1, 1, 0]);
    expect(report.agents.map((a) => [a.agent, a.chatsHandled])).toEqual([
      ['amy@example.com', 0],
      [k, 0],
      ['zed@example.com', 0],
    ]);
  });

  it('sorts agents by email and reasons by total time, then by name', () => {
    const stored = [
      status('zoe@example.com', '2026-01-15T09:00', 'pause', 'Lunch'),
      status('zoe@example.com', '2026-01-15T10:00', 'pause'),
      status('zoe@example.com', '2026-01-15T11:00', 'offline'),
      status('amy@example.com', '2026-01-15T09:00', 'pause', 'Break'),
      status('amy@example.com', '2026-01-15T10:00', 'pause'),
      status('amy@example.com', '2026-01-15T11:00', 'offline'),
      status('bob@example.com', '2026-01-15T09:00', 'online'),
      status('bob@example.com', '2026-01-15T09:01', 'offline'),
    ];
    const report = reportOver(stored, DAY_15);
    expect(report.agents.map((a) => a.agent)).toEqual(['amy@example.com', 'bob@example.com', 'zoe@example.com']);
    // No reason: 1 h each for amy and zoe = 2 h; Break and Lunch 1 h each, Break first by name.
    expect(report.reasons).toEqual([
      { reason: '', totalMs: 7_200_000, byAgent: { 'amy@example.com': 3_600_000, 'zoe@example.com': 3_600_000 } },
      { reason: 'Break', totalMs: 3_600_000, byAgent: { 'amy@example.com': 3_600_000 } },
      { reason: 'Lunch', totalMs: 3_600_000, byAgent: { 'zoe@example.com': 3_600_000 } },
    ]);
    expect(report.hours).toHaveLength(24);
  });

  it('leaves out an agent with nothing in the period', () => {
    const stored: ReportRow[] = [
      status('gone@example.com', '2026-01-14T17:00', 'offline'),
      chatEvent('late@example.com', 'assigned', '2026-01-14T20:00', 'old'),
    ];
    expect(reportOver(stored, DAY_15).agents).toEqual([]);
  });
});
