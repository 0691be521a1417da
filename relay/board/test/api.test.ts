import { describe, expect, it } from 'vitest';
import { csvFileName, relayMessage, reportSearch } from '../api';

const QUERY = { from: '2026-11-02', to: '2026-11-08', tz: 'Europe/Berlin' };

describe("the page's requests to the relay", () => {
  it('puts the report query in the search params, a "+" in a time zone included (it must not arrive as a space)', () => {
    expect(reportSearch(QUERY)).toBe('/api/reports?from=2026-11-02&to=2026-11-08&tz=Europe%2FBerlin');
    const url = new URL(reportSearch({ ...QUERY, tz: 'Etc/GMT+1', format: 'csv', section: 'hours' }), 'https://relay.example');
    expect(Object.fromEntries(url.searchParams)).toEqual({ ...QUERY, tz: 'Etc/GMT+1', format: 'csv', section: 'hours' });
  });

  it("shows the relay's own error message, or the status line when the answer is not the relay's JSON", () => {
    expect(relayMessage('{"error":"to is before from"}', 'Bad Request')).toBe('to is before from');
    expect(relayMessage('<html>502 Bad Gateway</html>', 'Bad Gateway')).toBe('Bad Gateway');
    expect(relayMessage('{"message":"other shape"}', 'Bad Request')).toBe('Bad Request');
    expect(relayMessage('', '')).toBe('error');
  });

  it("names a CSV download as the relay's Content-Disposition says, else after the table and the period", () => {
    expect(csvFileName('attachment; filename="switchboard-agents-2026-11-02.csv"', QUERY, 'agents')).toBe(
      'switchboard-agents-2026-11-02.csv',
    );
    expect(csvFileName('attachment; filename=report.csv', QUERY, 'agents')).toBe('report.csv');
    expect(csvFileName(null, QUERY, 'reasons')).toBe('switchboard-reasons-2026-11-02-2026-11-08.csv');
  });
});
