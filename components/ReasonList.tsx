import { t } from '@/lib/i18n';
import { Locked } from './Field';
interface Props {
  reasons: string[];
  onChange: (next: string[]) => void;
  /** Set by the team's policy: listed, not editable. */
  locked?: boolean;
}

/** Add, rename, reorder and remove pause reasons — every control a real button or input. */
export function ReasonList({ reasons, onChange, locked }: Props) {
  const move = (i: number, by: number) => {
    const next = [...reasons];
    const [item] = next.splice(i, 1);
    next.splice(i + by, 0, item!);
    onChange(next);
  };
  if (locked) {
    return (
      <div class="field">
        <span class="field__label" id="reasons-label">
          {t('pauseReasons')}
        </span>
        <ul class="reason-list" aria-labelledby="reasons-label" data-testid="reason-list">
          {reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
        <Locked id="substatuses" />
      </div>
    );
  }
  return (
    <div class="field">
      <span class="field__label" id="reasons-label">
        {t('pauseReasons')}
      </span>
      <ul class="reason-list" aria-labelledby="reasons-label" data-testid="reason-list">
        {reasons.map((r, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: keyed by position on purpose: a key from the text would remount the input on every keystroke and lose focus
          <li key={i}>
            <input
              aria-label={t('ariaReason', [String(i + 1)])}
              value={r}
              onInput={(e) => onChange(reasons.map((x, j) => (j === i ? e.currentTarget.value : x)))}
            />
            <button type="button" class="btn" aria-label={t('ariaMoveUp', [r])} disabled={i === 0} onClick={() => move(i, -1)}>
              ↑
            </button>
            <button
              type="button"
              class="btn"
              aria-label={t('ariaMoveDown', [r])}
              disabled={i === reasons.length - 1}
              onClick={() => move(i, 1)}
            >
              ↓
            </button>
            <button type="button" class="btn" aria-label={t('ariaRemove', [r])} onClick={() => onChange(reasons.filter((_, j) => j !== i))}>
              {t('remove')}
            </button>
          </li>
        ))}
      </ul>
      <div class="row">
        <button type="button" class="btn" onClick={() => onChange([...reasons, ''])}>
          {t('addReason')}
        </button>
      </div>
    </div>
  );
}
