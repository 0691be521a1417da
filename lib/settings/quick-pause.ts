import type { Settings } from './schema';

/** The pause reason quick-pause uses: the chosen one, else the first in the list. (Apart from the zod schema: the popup's first paint uses it.) */
export function quickPauseReason(s: Pick<Settings, 'quickPauseSubstatus' | 'substatuses'>): string | undefined {
  return s.quickPauseSubstatus ?? s.substatuses[0];
}
