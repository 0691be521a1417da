import type { DaySettings as DaySettingsValue } from '@/lib/settings/schema';
import { t } from '@/lib/i18n';
import { Locked } from './Field';

export type DayDraft = DaySettingsValue;

// Weekday names in the browser's language; 7 Jan 2024 was a Sunday (day 0).
const DAYS = [0, 1, 2, 3, 4, 5, 6].map((d) => new Intl.DateTimeFormat(undefined, { weekday: 'short' }).format(new Date(2024, 0, 7 + d)));

interface Props {
  value: DayDraft;
  errors: Record<string, string>;
  onChange: (next: DayDraft) => void;
  /** The phone-call reason is set by the team's policy. */
  callLocked?: boolean;
  /** The relay applies phone calls itself, with its own reason (the team's policy says so: docs/phone-sync.md). */
  relayCalls?: boolean;
}

/** Phone sync, auto-pause on idle, working hours, quiet mode and sound. */
export function DaySettings({ value, errors, onChange, callLocked, relayCalls }: Props) {
  const set = (patch: Partial<DayDraft>) => onChange({ ...value, ...patch });
  const { autoPause, workingHours } = value;
  return (
    <section aria-labelledby="day-title">
      <h2 id="day-title">{t('dayTitle')}</h2>
      {relayCalls ? (
        <p class="hint" data-testid="relay-calls">
          {t('relayCalls')}
        </p>
      ) : (
        <div class="field">
          <label for="callSubstatus">{t('callSubstatus')}</label>
          <input
            id="callSubstatus"
            value={value.callSubstatus}
            readOnly={callLocked}
            onInput={(e) => set({ callSubstatus: e.currentTarget.value })}
          />
          <span class="hint">
            {callLocked && <Locked id="callSubstatus" />} {t('callHint')}
          </span>
          {errors.callSubstatus && (
            <span class="field-error" role="alert">
              {errors.callSubstatus}
            </span>
          )}
        </div>
      )}
      <fieldset class="field">
        <legend>{t('autoPause')}</legend>
        <label>
          <input
            type="checkbox"
            checked={autoPause.enabled}
            onChange={(e) => set({ autoPause: { ...autoPause, enabled: e.currentTarget.checked } })}
          />{' '}
          {t('autoPauseWhen')}
          <input
            aria-label={t('ariaIdleMinutes')}
            type="number"
            min={1}
            max={240}
            value={autoPause.minutes}
            class="minutes"
            onInput={(e) => set({ autoPause: { ...autoPause, minutes: Number(e.currentTarget.value) } })}
          />
          {t('minutes')}
        </label>
        <label>
          {t('reason')}{' '}
          <input
            aria-label={t('ariaAutoPauseReason')}
            value={autoPause.substatus}
            onInput={(e) => set({ autoPause: { ...autoPause, substatus: e.currentTarget.value } })}
          />
        </label>
        <span class="hint">{t('autoPauseHint')}</span>
        {errors.autoPause && (
          <span class="field-error" role="alert">
            {errors.autoPause}
          </span>
        )}
      </fieldset>
      <fieldset class="field">
        <legend>{t('workingHours')}</legend>
        <label>
          <input
            type="checkbox"
            checked={workingHours.enabled}
            onChange={(e) => set({ workingHours: { ...workingHours, enabled: e.currentTarget.checked } })}
          />{' '}
          {t('workingHoursOffer')}
        </label>
        <fieldset class="row" aria-label={t('ariaWorkingDays')}>
          {DAYS.map((d, i) => (
            <label key={d}>
              <input
                type="checkbox"
                checked={workingHours.days.includes(i)}
                onChange={(e) =>
                  set({
                    workingHours: {
                      ...workingHours,
                      days: e.currentTarget.checked ? [...workingHours.days, i].sort() : workingHours.days.filter((x) => x !== i),
                    },
                  })
                }
              />{' '}
              {d}
            </label>
          ))}
        </fieldset>
        <div class="row">
          <label>
            {t('from')}{' '}
            <input
              aria-label={t('ariaStartTime')}
              type="time"
              value={workingHours.start}
              onInput={(e) => set({ workingHours: { ...workingHours, start: e.currentTarget.value } })}
            />
          </label>
          <label>
            {t('to')}{' '}
            <input
              aria-label={t('ariaEndTime')}
              type="time"
              value={workingHours.end}
              onInput={(e) => set({ workingHours: { ...workingHours, end: e.currentTarget.value } })}
            />
          </label>
        </div>
        {errors.workingHours && (
          <span class="field-error" role="alert">
            {errors.workingHours}
          </span>
        )}
      </fieldset>
      <fieldset class="field">
        <legend>{t('notifications')}</legend>
        <label>
          <input type="checkbox" checked={value.sound} onChange={(e) => set({ sound: e.currentTarget.checked })} /> {t('sound')}
        </label>
        <label>
          <input type="checkbox" checked={value.quietWhilePaused} onChange={(e) => set({ quietWhilePaused: e.currentTarget.checked })} />{' '}
          {t('quiet')}
        </label>
      </fieldset>
    </section>
  );
}
