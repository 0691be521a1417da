import { describeStatus, type StatusView } from '@/lib/status/view';
import { formatDuration } from '@/lib/duration';
import { clockTime } from './format';
import { t, type MessageKey } from '@/lib/i18n';

interface Props {
  view: StatusView;
  now: number;
  onRetry: () => void;
  onOpenOptions: () => void;
}

const DELIVERY_WORDS = {
  unknown: 'deliveryUnknown',
  confirmed: 'deliveryConfirmed',
  pending: 'deliveryPending',
  failed: 'deliveryFailed',
} as const satisfies Record<string, MessageKey>;

export function StatusHeader({ view, now, onRetry, onOpenOptions }: Props) {
  const words = describeStatus(view.status, view.substatus);
  return (
    <header class={`status status--${view.status ?? 'unknown'}`} data-phase={view.phase}>
      <div class="status__line">
        <span class="status__dot" aria-hidden="true" />
        <h1 class="status__words" data-testid="status">
          {view.phase === 'pending' ? t('changingTo', [words]) : words}
        </h1>
        {view.since !== undefined && view.phase === 'confirmed' && (
          <span class="status__since" data-testid="since" title={t('statusSince', [clockTime(view.since)])}>
            {t('statusFor', [formatDuration(now - view.since, 'minutes')])}
          </span>
        )}
      </div>
      <p class={`delivery delivery--${view.phase}`} data-testid="delivery" role="status" aria-live="polite">
        {t(DELIVERY_WORDS[view.phase])}
        {view.message && <span class="delivery__why">: {view.message}</span>}
      </p>
      {view.phase === 'pending' && view.message && (
        <button type="button" class="link" onClick={onRetry}>
          {t('retryNow')}
        </button>
      )}
      {view.phase === 'failed' && (
        <button type="button" class="link" onClick={onOpenOptions}>
          {t('checkSettings')}
        </button>
      )}
    </header>
  );
}
