// The toolbar badge is built from layers with priorities (as Bitwarden does): the highest
// active layer wins, so "token rejected" is never hidden behind a status colour.
import type { AgentStatus } from '@switchboard/protocol/status';
import { t } from '../i18n';
import type { RelayPhase } from '../relay/phase';
import { describeStatus, type StatusView } from '../status/view';

export interface BadgeInput {
  setupMissing: boolean;
  status: StatusView;
  relay: RelayPhase;
  relayMessage?: string;
  openChats?: number;
}

export interface Badge {
  text: string;
  color: string;
  title: string;
  /** Which layer won; tests and the popup read it. */
  layer: 'error' | 'setup' | 'pending' | 'relay-down' | AgentStatus | 'unknown';
}

const BADGE_COLORS = {
  error: '#c62828',
  setup: '#616161',
  pending: '#f9a825',
  relayDown: '#6a1b9a',
  online: '#2e7d32',
  pause: '#ef6c00',
  offline: '#455a64',
} as const;

export function badgeFor(input: BadgeInput): Badge {
  const { status } = input;
  const words = describeStatus(status.status, status.substatus);
  if (input.setupMissing) return { layer: 'setup', text: '?', color: BADGE_COLORS.setup, title: t('badgeNotSetUp') };
  if (status.phase === 'failed')
    return {
      layer: 'error',
      text: '!',
      color: BADGE_COLORS.error,
      title: t('badgeFailed', [words, status.message ?? t('badgeFailedNoReason')]),
    };
  if (input.relay === 'rejected')
    return {
      layer: 'error',
      text: '!',
      color: BADGE_COLORS.error,
      title: t('badgeStatus', [input.relayMessage ?? t('relayTokenRejected')]),
    };
  if (status.phase === 'pending') {
    return {
      layer: 'pending',
      text: '…',
      color: BADGE_COLORS.pending,
      title: status.message ? t('badgePendingWhy', [words, status.message]) : t('badgePending', [words]),
    };
  }
  const n = input.openChats ?? 0;
  const what = n === 0 ? words : n === 1 ? t('badgeOneChat', [words]) : t('badgeChats', [words, String(n)]);
  if (input.relay === 'reconnecting') {
    return { layer: 'relay-down', text: statusText(status.status), color: BADGE_COLORS.relayDown, title: t('badgeRelayDown', [what]) };
  }
  const title = t('badgeStatus', [what]);
  switch (status.status) {
    case 'online':
      return { layer: 'online', text: 'ON', color: BADGE_COLORS.online, title };
    case 'pause':
      return { layer: 'pause', text: 'II', color: BADGE_COLORS.pause, title };
    case 'offline':
      return { layer: 'offline', text: 'OFF', color: BADGE_COLORS.offline, title };
    default:
      return { layer: 'unknown', text: '', color: BADGE_COLORS.setup, title: t('badgeUnknown') };
  }
}

function statusText(status: StatusView['status']): string {
  return status === 'online' ? 'ON' : status === 'pause' ? 'II' : status === 'offline' ? 'OFF' : '';
}
