import { describe, expect, it } from 'vitest';
import { dayCount, decimal, elapsed, hourSpan, hoursMinutes, hoursMinutesSeconds, isTimeZone, localDate } from '../format';
import { translate } from '../i18n';

const en = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>) => translate('en', key, params);
const de = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>) => translate('de', key, params);
const MIN = 60_000;
const H = 60 * MIN;

describe("the reports' durations", () => {
  it('writes totals as h:mm, rounded to the nearest minute', () => {
    expect(hoursMinutes(0)).toBe('0:00');
    expect(hoursMinutes(29_999)).toBe('0:00');
    expect(hoursMinutes(30_000)).toBe('0:01');
    expect(hoursMinutes(2 * H + 5 * MIN)).toBe('2:05');
    // 59 min 30 s rounds up into the next hour, not to "0:60".
    expect(hoursMinutes(59 * MIN + 30_000)).toBe('1:00');
    expect(hoursMinutes(25 * H)).toBe('25:00');
    expect(hoursMinutes(-5 * MIN)).toBe('0:00');
  });

  it('writes handling times as h:mm:ss, rounded to the nearest second', () => {
    expect(hoursMinutesSeconds(4 * MIN + 32_000)).toBe('0:04:32');
    expect(hoursMinutesSeconds(H)).toBe('1:00:00');
    expect(hoursMinutesSeconds(499)).toBe('0:00:00');
    expect(hoursMinutesSeconds(59_500)).toBe('0:01:00');
  });
});

describe("the board's for-how-long", () => {
  it('ticks in whole elapsed seconds, never rounded up', () => {
    expect(elapsed(42_999, en)).toBe('0:42');
    expect(elapsed(12 * MIN + 5999, en)).toBe('12:05');
    expect(elapsed(H + 2 * MIN + 5000, en)).toBe('1:02:05');
    expect(elapsed(24 * H - 1, en)).toBe('23:59:59');
  });

  it('counts days and hours from a day on, in the chosen language', () => {
    expect(elapsed(24 * H, en)).toBe('1 d 0 h');
    expect(elapsed(2 * 24 * H + 3 * H + 59 * MIN, en)).toBe('2 d 3 h');
    expect(elapsed(2 * 24 * H + 3 * H, de)).toBe('2 T 3 Std.');
  });

  it('shows 0:00 when a status seems to start in the future (an event clock ahead of the relay)', () => {
    expect(elapsed(-3000, en)).toBe('0:00');
  });
});

describe('dates and time zones', () => {
  it("gives today's date in the report's time zone, not the screen's", () => {
    // 22:30 UTC on 29 March 2026: already 30 March in Berlin (CEST since that morning), still 29 March in Los Angeles.
    const at = Date.UTC(2026, 2, 29, 22, 30);
    expect(localDate(at, 'Europe/Berlin')).toBe('2026-03-30');
    expect(localDate(at, 'America/Los_Angeles')).toBe('2026-03-29');
    expect(localDate(at, 'UTC')).toBe('2026-03-29');
  });

  it('counts the days of a period, both ends included, across a DST change', () => {
    expect(dayCount('2026-11-30', '2026-11-30')).toBe(1);
    expect(dayCount('2026-03-01', '2026-03-31')).toBe(31);
    expect(dayCount('2025-12-30', '2026-01-02')).toBe(4);
  });

  it('knows a time zone from a typo', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Europe/Berlinn')).toBe(false);
    expect(isTimeZone('')).toBe(false);
    expect(isTimeZone('  ')).toBe(false);
  });

  it('names hours of day as spans, the last one ending at midnight', () => {
    expect(hourSpan(0)).toBe('00:00–01:00');
    expect(hourSpan(9)).toBe('09:00–10:00');
    expect(hourSpan(23)).toBe('23:00–00:00');
  });

  it('writes average agent counts with one decimal in the chosen locale', () => {
    expect(decimal(1.24, 'en')).toBe('1.2');
    expect(decimal(1.24, 'de')).toBe('1,2');
    expect(decimal(0, 'en')).toBe('0.0');
  });
});
