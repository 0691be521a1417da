import type { RelayState } from '@/lib/relay/state';
import { t, type MessageKey } from '@/lib/i18n';

const WORDS = {
  off: 'relayOff',
  connecting: 'relayConnecting',
  connected: 'relayConnected',
  reconnecting: 'relayReconnecting',
  rejected: 'relayRejected',
} as const satisfies Record<RelayState['phase'], MessageKey>;

export function RelayLine({ relay }: { relay: RelayState }) {
  return (
    <p class={`relay relay--${relay.phase}`} data-testid="relay" title={relay.message}>
      <span class="relay__dot" aria-hidden="true" />
      {t(WORDS[relay.phase])}
    </p>
  );
}
