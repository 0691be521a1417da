// The CSV export: RFC 4180 a spreadsheet opens safely, and that reads back as the report's numbers.
import type { Report } from '@switchboard/protocol/board';
import { describe, expect, it } from 'vitest';
import { reportCsv } from '../../src/board/report-csv';
import { reportOver, row } from './report-fixtures';

/** RFC 4180 as a spreadsheet reads it: quoted fields may hold commas, CRLF and doubled quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch !== '"') cell += ch;
      else if (text[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      cells.push(cell);
      rows.push(cells);
      cells = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell !== '' || cells.length > 0) rows.push([...cells, cell]);
  return rows;
}

const hours = (agentsOnline: (h: number) => number) =>
  Array.from({ length: 24 }, (_, hour) => ({ hour, chatsStarted: hour === 9 ? 4 : 0, agentsOnline: agentsOnline(hour) }));

/** A report written by hand: the spring-forward day in Berlin, with names a spreadsheet would trip over. */
const handMade: Report = {
  from: '2026-03-29',
  to: '2026-03-29',
  tz: 'Europe/Berlin',
  start: 1_774_738_800_000,
  end: 1_774_821_600_000,
  now: 1_775_000_000_000,
  retention: { days: 30, keptSince: 1_772_408_000_000, cut: false },
  agents: [
    {
      agent: '-dash@example.com',
      chatsHandled: 3,
      medianHandlingMs: 1500,
      p90HandlingMs: 2499,
      onlineMs: 10_800_000,
      pausedMs: 60_000,
      pausedByReason: { '+1\nline': 60_000 },
      // 2026-03-28T23:30Z (00:30 CET) and 2026-03-29T02:30Z (04:30 CEST)
      firstActivity: 1_774_740_600_000,
      lastActivity: 1_774_751_400_000,
    },
    {
      agent: 'ann@example.com',
      chatsHandled: 0,
      medianHandlingMs: null,
      p90HandlingMs: null,
      onlineMs: 0,
      pausedMs: 5_400_000,
      pausedByReason: { '=SUM(A1)': 3_600_000, 'Lunch, "long"': 1_800_000 },
      firstActivity: null,
      lastActivity: null,
    },
  ],
  reasons: [
    { reason: '=SUM(A1)', totalMs: 3_600_000, byAgent: { 'ann@example.com': 3_600_000 } },
    { reason: 'Lunch, "long"', totalMs: 1_800_000, byAgent: { 'ann@example.com': 1_800_000 } },
    { reason: '+1\nline', totalMs: 60_000, byAgent: { '-dash@example.com': 60_000 } },
  ],
  hours: hours((h) => (h === 3 ? 1 / 3 : h === 4 ? 2 / 3 : h === 5 ? 0.5 : 0)),
};

describe('reportCsv', () => {
  it('writes the agents section: whole seconds, ISO times with the offset of their day, empty cells for none', () => {
    expect(reportCsv(handMade, 'agents')).toBe(
      'agent,chats_handled,median_handling_seconds,p90_handling_seconds,online_seconds,paused_seconds,first_activity,last_activity\r\n' +
        // 1,500 ms → 2 s (half up), 2,499 ms → 2 s; an agent starting with "-" gets an apostrophe.
        "'-dash@example.com,3,2,2,10800,60,2026-03-29T00:30:00+01:00,2026-03-29T04:30:00+02:00\r\n" +
        'ann@example.com,0,,,0,5400,,\r\n',
    );
  });

  it('writes reasons in long form, each reason first as its total (empty agent), quoting and defusing names', () => {
    expect(reportCsv(handMade, 'reasons')).toBe(
      'reason,agent,paused_seconds\r\n' +
        "'=SUM(A1),,3600\r\n" +
        "'=SUM(A1),ann@example.com,3600\r\n" +
        '"Lunch, ""long""",,1800\r\n' +
        '"Lunch, ""long""",ann@example.com,1800\r\n' +
        `"'+1\nline",,60\r\n` +
        `"'+1\nline",'-dash@example.com,60\r\n`,
    );
  });

  it('writes the 24 hours with agents online to two decimals', () => {
    const lines = reportCsv(handMade, 'hours').split('\r\n');
    expect(lines[0]).toBe('hour,chats_started,agents_online');
    expect(lines.slice(3, 8)).toEqual(['2,0,0.00', '3,0,0.33', '4,0,0.67', '5,0,0.50', '6,0,0.00']);
    expect(lines[10]).toBe('9,4,0.00');
    // 24 rows after the header, each ended by CRLF (so the split leaves one empty string).
    expect(lines).toHaveLength(26);
    expect(lines.at(-1)).toBe('');
  });

  it('defuses every formula lead-in a spreadsheet knows: = + - @ tab and carriage return', () => {
    for (const lead of ['=', '+', '-', '@', '\t', '\r']) {
      const reason = `${lead}HYPERLINK("http://x")`;
      const csv = reportCsv({ ...handMade, reasons: [{ reason, totalMs: 1000, byAgent: {} }] }, 'reasons');
      expect(parseCsv(csv)[1]).toEqual([`'${reason}`, '', '1']);
    }
    // A name that merely contains one of them is left alone.
    const plain = reportCsv({ ...handMade, reasons: [{ reason: 'a=b', totalMs: 1000, byAgent: {} }] }, 'reasons');
    expect(parseCsv(plain)[1]).toEqual(['a=b', '', '1']);
  });

  it("parses back to the computed report's numbers", () => {
    const a = 'a@example.com';
    const stored = [
      // Berlin, spring forward: online 00:30 CET (23:30Z) to 04:30 CEST (02:30Z) = 3 h.
      row(a, 'agent_status', '2026-03-29T00:30:00+01:00', { status: 'online' }),
      row(a, 'assigned', '2026-03-29T01:00:00+01:00', { conversationId: 'c1' }),
      row(a, 'closed', '2026-03-29T01:12:30+01:00', { conversationId: 'c1' }),
      row(a, 'agent_status', '2026-03-29T04:30:00+02:00', { status: 'pause', substatus: 'Lunch, "long"' }),
      row(a, 'agent_status', '2026-03-29T05:00:00+02:00', { status: 'offline' }),
    ];
    const report = reportOver(stored, { from: '2026-03-29', to: '2026-03-29' }, { now: Date.parse('2026-04-01T00:00:00Z') });

    const [header, ...agents] = parseCsv(reportCsv(report, 'agents'));
    expect(agents).toHaveLength(1);
    const cells = Object.fromEntries(header!.map((name, i) => [name, agents[0]![i]!]));
    // 12 min 30 s = 750 s; 3 h = 10,800 s; 30 min = 1,800 s.
    expect(cells).toEqual({
      agent: a,
      chats_handled: '1',
      median_handling_seconds: '750',
      p90_handling_seconds: '750',
      online_seconds: '10800',
      paused_seconds: '1800',
      first_activity: '2026-03-29T00:30:00+01:00',
      last_activity: '2026-03-29T05:00:00+02:00',
    });
    const agent = report.agents[0]!;
    expect(Number(cells.online_seconds) * 1000).toBe(agent.onlineMs);
    expect(Number(cells.median_handling_seconds) * 1000).toBe(agent.medianHandlingMs);
    expect(Date.parse(cells.first_activity!)).toBe(agent.firstActivity);
    expect(Date.parse(cells.last_activity!)).toBe(agent.lastActivity);

    expect(parseCsv(reportCsv(report, 'reasons'))).toEqual([
      ['reason', 'agent', 'paused_seconds'],
      ['Lunch, "long"', '', '1800'],
      ['Lunch, "long"', a, '1800'],
    ]);

    const hourRows = parseCsv(reportCsv(report, 'hours')).slice(1);
    expect(hourRows.map((r) => Number(r[0]))).toEqual(report.hours.map((h) => h.hour));
    expect(hourRows.map((r) => Number(r[2]))).toEqual(report.hours.map((h) => Math.round(h.agentsOnline * 100) / 100));
    // Hour 0: 00:30–01:00 of 1 h; hour 2: no length on this day; hour 4: 04:00–04:30 CEST.
    expect(hourRows.slice(0, 6).map((r) => r[2])).toEqual(['0.50', '1.00', '0.00', '1.00', '0.50', '0.00']);
    // The chat was assigned at 01:00 CET with no createdAt: it started in hour 1.
    expect(hourRows.map((r) => Number(r[1]))).toEqual(report.hours.map((h) => h.chatsStarted));
    expect(hourRows[1]![1]).toBe('1');
  });
});
