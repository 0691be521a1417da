// How the page writes times and durations. Reports: totals as h:mm (rounded to the nearest minute),
// handling times as h:mm:ss (they are minutes long: h:mm would round most of them to 0:04 or 0:05).
// The board's ticking "for how long": whole elapsed seconds, never rounded up, like a clock.
import type { Translate } from './i18n';

const pad = (n: number) => String(n).padStart(2, '0');

/** 7_500_000 → "2:05"; rounded to the nearest minute. */
export function hoursMinutes(ms: number): string {
  const minutes = Math.round(Math.max(0, ms) / 60_000);
  return `${Math.floor(minutes / 60)}:${pad(minutes % 60)}`;
}

/** 272_400 → "0:04:32"; rounded to the nearest second. */
export function hoursMinutesSeconds(ms: number): string {
  const seconds = Math.round(Math.max(0, ms) / 1000);
  return `${Math.floor(seconds / 3600)}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
}

const DAY_S = 86_400;

/** For how long a status has held: "0:42", "12:05", "1:02:05"; from a day on "2 d 3 h" (seconds would only flicker on a wall screen). */
export function elapsed(ms: number, t: Translate): string {
  const total = Math.floor(Math.max(0, ms) / 1000);
  if (total >= DAY_S) return t('daysHours', { d: Math.floor(total / DAY_S), h: Math.floor(total / 3600) % 24 });
  const h = Math.floor(total / 3600);
  const m = Math.floor(total / 60) % 60;
  const s = total % 60;
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** Today's date in `timeZone` as YYYY-MM-DD (a report's default period). */
export function localDate(at: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** Calendar days from `from` to `to` (YYYY-MM-DD), both included. */
export function dayCount(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

/** Whether the browser knows this IANA time zone (the relay checks it too; this only spares a round trip). */
export function isTimeZone(timeZone: string): boolean {
  if (!timeZone.trim()) return false;
  try {
    return new Intl.DateTimeFormat('en', { timeZone }).resolvedOptions().timeZone.length > 0;
  } catch {
    return false;
  }
}

/** A moment as the team lead reads it in the report's time zone: date and time to the minute. */
export function dateTime(at: number, timeZone: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'short', timeStyle: 'short' }).format(at);
}

/** Hour of day `h` as a span: "09:00–10:00". */
export function hourSpan(h: number): string {
  return `${pad(h)}:00–${pad((h + 1) % 24)}:00`;
}

/** An average count (agents online), one decimal. */
export function decimal(value: number, locale: string): string {
  return new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value);
}
