import type { RelayState } from '@/lib/relay/state';

const WORDS = {
  off: 'Chat alerts: relay not set up',
  connecting: 'Chat alerts: connecting to the relay…',
  connected: 'Chat alerts: connected',
  reconnecting: 'Chat alerts: relay connection lost — reconnecting',
  rejected: 'Chat alerts: the relay refused the connection',
} as const;

export function RelayLine({ relay }: { relay: RelayState }) {
  return (
    <p class={`relay relay--${relay.phase}`} data-testid="relay" title={relay.message}>
      <span class="relay__dot" aria-hidden="true" />
      {WORDS[relay.phase]}
    </p>
  );
}
