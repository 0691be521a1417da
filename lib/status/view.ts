// What the popup and badge show of a status state. Kept apart from the zod schemas in ./state
// so the popup's first paint does not load zod.
import { t, type MessageKey } from '../i18n';
import type { StatusSource, StatusState, StatusValue } from './state';

export const EMPTY_STATUS: StatusState = { confirmed: null, intent: null, failure: null, history: [] };

/** How the popup names a change's source. */
export const sourceWords = (source: StatusSource): string => t(`source_${source.replace('-', '_')}` as MessageKey);

/** What the popup and badge show: one phase, derived, never stored. */
type StatusPhase = 'unknown' | 'confirmed' | 'pending' | 'failed';
export interface StatusView {
  phase: StatusPhase;
  status: StatusValue | null;
  substatus?: string;
  since?: number;
  message?: string;
}

export function viewStatus(state: StatusState): StatusView {
  const { confirmed, intent, failure } = state;
  if (intent)
    return { phase: 'pending', status: intent.status, substatus: intent.substatus, since: intent.createdAt, message: intent.lastError };
  if (failure)
    return { phase: 'failed', status: failure.status, substatus: failure.substatus, since: failure.at, message: failure.message };
  if (confirmed) return { phase: 'confirmed', status: confirmed.status, substatus: confirmed.substatus, since: confirmed.since };
  return { phase: 'unknown', status: null };
}

export function describeStatus(status: StatusValue | null, substatus?: string): string {
  if (status === 'online') return t('statusOnline');
  if (status === 'pause') return substatus ? t('statusPausedReason', [substatus]) : t('statusPaused');
  if (status === 'offline') return t('statusOffline');
  return t('statusUnknown');
}
