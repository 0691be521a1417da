// Working hours: outside them Switchboard offers to pause (once a day) — it never pauses
// on its own; the agent decides with the notification's button.
import type { Settings } from '../settings/schema';

export const HOURS_PROMPT_ID = 'hours-prompt';

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function withinWorkingHours(hours: Settings['workingHours'], at: Date): boolean {
  if (!hours.days.includes(at.getDay())) return false;
  const now = at.getHours() * 60 + at.getMinutes();
  const start = minutes(hours.start);
  const end = minutes(hours.end);
  // An end before the start is a night shift spanning midnight.
  return start <= end ? now >= start && now < end : now >= start || now < end;
}

export function localDay(at: Date): string {
  return `${at.getFullYear()}-${String(at.getMonth() + 1).padStart(2, '0')}-${String(at.getDate()).padStart(2, '0')}`;
}
