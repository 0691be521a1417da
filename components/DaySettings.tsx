import type { Settings } from '@/lib/settings/schema';

export type DayDraft = Pick<Settings, 'callSubstatus' | 'autoPause' | 'workingHours' | 'quietWhilePaused' | 'sound'>;

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

interface Props {
  value: DayDraft;
  errors: Record<string, string>;
  onChange: (next: DayDraft) => void;
}

/** Phone sync, auto-pause on idle, working hours, quiet mode and sound. */
export function DaySettings({ value, errors, onChange }: Props) {
  const set = (patch: Partial<DayDraft>) => onChange({ ...value, ...patch });
  const { autoPause, workingHours } = value;
  return (
    <section aria-labelledby="day-title">
      <h2 id="day-title">Your day</h2>
      <div class="field">
        <label for="callSubstatus">Pause reason during phone calls</label>
        <input id="callSubstatus" value={value.callSubstatus} onInput={(e) => set({ callSubstatus: e.currentTarget.value })} />
        <span class="hint">Used when your phone system tells the relay a call started; you go back online when it ends — unless you changed your status yourself meanwhile.</span>
        {errors.callSubstatus && <span class="field-error" role="alert">{errors.callSubstatus}</span>}
      </div>
      <fieldset class="field">
        <legend>Auto-pause</legend>
        <label>
          <input type="checkbox" checked={autoPause.enabled} onChange={(e) => set({ autoPause: { ...autoPause, enabled: e.currentTarget.checked } })} /> Pause when the screen locks or I am idle for
          <input
            aria-label="Idle minutes"
            type="number"
            min={1}
            max={240}
            value={autoPause.minutes}
            style="width: 5em; margin: 0 6px"
            onInput={(e) => set({ autoPause: { ...autoPause, minutes: Number(e.currentTarget.value) } })}
          />
          minutes
        </label>
        <label>
          Reason <input aria-label="Auto-pause reason" value={autoPause.substatus} onInput={(e) => set({ autoPause: { ...autoPause, substatus: e.currentTarget.value } })} />
        </label>
        <span class="hint">Back online when you return — only if Switchboard paused you.</span>
        {errors.autoPause && <span class="field-error" role="alert">{errors.autoPause}</span>}
      </fieldset>
      <fieldset class="field">
        <legend>Working hours</legend>
        <label>
          <input type="checkbox" checked={workingHours.enabled} onChange={(e) => set({ workingHours: { ...workingHours, enabled: e.currentTarget.checked } })} /> Offer to pause when I am
          online outside these hours (never pauses by itself)
        </label>
        <div class="row" role="group" aria-label="Working days">
          {DAYS.map((d, i) => (
            <label key={d}>
              <input
                type="checkbox"
                checked={workingHours.days.includes(i)}
                onChange={(e) =>
                  set({ workingHours: { ...workingHours, days: e.currentTarget.checked ? [...workingHours.days, i].sort() : workingHours.days.filter((x) => x !== i) } })
                }
              />{' '}
              {d}
            </label>
          ))}
        </div>
        <div class="row">
          <label>
            From <input aria-label="Start time" type="time" value={workingHours.start} onInput={(e) => set({ workingHours: { ...workingHours, start: e.currentTarget.value } })} />
          </label>
          <label>
            to <input aria-label="End time" type="time" value={workingHours.end} onInput={(e) => set({ workingHours: { ...workingHours, end: e.currentTarget.value } })} />
          </label>
        </div>
        {errors.workingHours && <span class="field-error" role="alert">{errors.workingHours}</span>}
      </fieldset>
      <fieldset class="field">
        <legend>Notifications</legend>
        <label>
          <input type="checkbox" checked={value.sound} onChange={(e) => set({ sound: e.currentTarget.checked })} /> Play the system sound
        </label>
        <label>
          <input type="checkbox" checked={value.quietWhilePaused} onChange={(e) => set({ quietWhilePaused: e.currentTarget.checked })} /> Quiet while paused: hold "chat closed"
          alerts until I am back online
        </label>
      </fieldset>
    </section>
  );
}
