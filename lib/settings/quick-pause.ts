import type { Settings } from './schema';

/** The pause reason quick-pause uses: the chosen one, else the first in the list. Kept apart from the zod schema so the popup's first paint can use it. */
export function quickPauseReason(s: Pick<Settings, 'quickPauseSubstatus' | 'substatuses'>): string | undefined {
  return s.quickPauseSubstatus ?? s.substatuses[0];
}
