// How long something lasted, as the agent reads it in notices and the popup.

/**
 * "42 s", "5 min 3 s", "1 h 2 min". `minutes`: to the minute past the first one ("4 min"), for the
 * popup's ticking clocks, where seconds would only flicker; those count whole elapsed seconds
 * (floor), while a finished duration is rounded.
 */
export function formatDuration(ms: number, precision: 'seconds' | 'minutes' = 'seconds'): string {
  const total = Math.max(0, precision === 'seconds' ? Math.round(ms / 1000) : Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h) return `${h} h ${m} min`;
  if (m) return precision === 'seconds' ? `${m} min ${s} s` : `${m} min`;
  return `${s} s`;
}
