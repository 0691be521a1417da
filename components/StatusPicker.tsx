import type { StatusView } from '@/lib/status/view';
import { t } from '@/lib/i18n';

interface Props {
  view: StatusView;
  reasons: string[];
  reason: string | undefined;
  disabled: boolean;
  onReason: (reason: string) => void;
  onOnline: () => void;
  onPause: () => void;
}

export function StatusPicker({ view, reasons, reason, disabled, onReason, onOnline, onPause }: Props) {
  const isPaused = view.status === 'pause';
  return (
    <section class="picker" aria-label={t('ariaSetStatus')}>
      <div class="picker__buttons">
        <button
          type="button"
          class="btn btn--online"
          data-testid="go-online"
          aria-pressed={view.status === 'online'}
          disabled={disabled}
          onClick={onOnline}
        >
          {t('online')}
        </button>
        <button type="button" class="btn btn--pause" data-testid="go-pause" aria-pressed={isPaused} disabled={disabled} onClick={onPause}>
          {t('pause')}
          {reason ? ` · ${reason}` : ''}
        </button>
      </div>
      {reasons.length > 0 && (
        <fieldset class="reasons" disabled={disabled}>
          <legend>{t('pauseReason')}</legend>
          {reasons.map((r) => (
            <label key={r} class="reason">
              <input type="radio" name="reason" value={r} checked={r === reason} onChange={() => onReason(r)} />
              {r}
            </label>
          ))}
        </fieldset>
      )}
    </section>
  );
}
