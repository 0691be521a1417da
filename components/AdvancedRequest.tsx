import { DEFAULT_STATUS_REQUEST } from '@switchboard/protocol/agent-status-request';
import { t } from '@/lib/i18n';
import type { Mode } from '@/lib/settings/schema';
import { Field, Locked } from './Field';
import { STATUS_REQUEST_TEXTS, type StatusRequestDraft } from './status-request-draft';

interface Props {
  value: StatusRequestDraft;
  onChange: (next: StatusRequestDraft) => void;
  errors: Record<string, string>;
  mode: Mode;
  /** Set by the team's policy. */
  locked: boolean;
}

const LABELS = { path: 'statusPath', agentField: 'agentField', statusField: 'statusField', substatusField: 'substatusField' } as const;

/**
 * The escape hatch for the inferred Agent Status request (protocol/src/agent-status-request.ts):
 * direct mode sends it as set here; in relay mode the relay's configuration decides.
 */
export function AdvancedRequest({ value, onChange, errors, mode, locked }: Props) {
  const hasError = Object.keys(errors).some((k) => k.startsWith('statusRequest.'));
  const set = (patch: Partial<StatusRequestDraft>) => onChange({ ...value, ...patch });
  return (
    <details class="advanced" open={hasError || Object.values(value).some(Boolean)} data-testid="advanced">
      <summary>{t('advancedTitle')}</summary>
      <section aria-label={t('advancedTitle')}>
        {mode === 'relay' ? (
          <p class="hint">{t('advancedRelayNote')}</p>
        ) : (
          <>
            <p class="hint">{t('advancedHint')}</p>
            {locked && <Locked id="statusRequest" />}
            {STATUS_REQUEST_TEXTS.map((key) => (
              <Field
                key={key}
                id={`statusRequest.${key}`}
                label={t(LABELS[key])}
                value={value[key]}
                placeholder={DEFAULT_STATUS_REQUEST[key]}
                onInput={(v) => set({ [key]: v })}
                error={errors[`statusRequest.${key}`]}
                locked={locked}
              />
            ))}
            <div class="field">
              <label for="statusRequest.auth">{t('statusAuth')}</label>
              <select
                id="statusRequest.auth"
                value={value.auth}
                disabled={locked}
                onChange={(e) => set({ auth: e.currentTarget.value as StatusRequestDraft['auth'] })}
              >
                <option value="">{t('authDefault')}</option>
                <option value="bare">{t('authBare')}</option>
                <option value="bearer">{t('authBearer')}</option>
              </select>
              {errors['statusRequest.auth'] && (
                <span class="field-error" role="alert">
                  {errors['statusRequest.auth']}
                </span>
              )}
            </div>
          </>
        )}
      </section>
    </details>
  );
}
