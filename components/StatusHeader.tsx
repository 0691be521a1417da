import { describeStatus, type StatusView } from '@/lib/status/state';
import { clockTime, elapsed } from './format';

interface Props {
  view: StatusView;
  now: number;
  onRetry: () => void;
  onOpenOptions: () => void;
}

const DELIVERY_WORDS = {
  unknown: 'Pick a status to start',
  confirmed: 'Confirmed by SnapEngage',
  pending: 'Sending to SnapEngage…',
  failed: 'Not changed',
} as const;

export function StatusHeader({ view, now, onRetry, onOpenOptions }: Props) {
  const words = describeStatus(view.status, view.substatus);
  return (
    <header class={`status status--${view.status ?? 'unknown'}`} data-phase={view.phase}>
      <div class="status__line">
        <span class="status__dot" aria-hidden="true" />
        <h1 class="status__words" data-testid="status">
          {view.phase === 'pending' ? `Changing to ${words}` : words}
        </h1>
        {view.since !== undefined && view.phase === 'confirmed' && (
          <span class="status__since" data-testid="since" title={`Since ${clockTime(view.since)}`}>
            for {elapsed(now - view.since)}
          </span>
        )}
      </div>
      <p class={`delivery delivery--${view.phase}`} data-testid="delivery" role="status" aria-live="polite">
        {DELIVERY_WORDS[view.phase]}
        {view.message && <span class="delivery__why">: {view.message}</span>}
      </p>
      {view.phase === 'pending' && view.message && (
        <button type="button" class="link" onClick={onRetry}>
          Retry now
        </button>
      )}
      {view.phase === 'failed' && (
        <button type="button" class="link" onClick={onOpenOptions}>
          Check settings
        </button>
      )}
    </header>
  );
}
