import { t } from '@/lib/i18n';
import type { ComponentChildren } from 'preact';

interface Props {
  id: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  error?: string;
  hint?: ComponentChildren;
  type?: string;
  placeholder?: string;
  autocomplete?: string;
  /** Set by the team's policy: shown, not editable (lib/settings/managed.ts). */
  locked?: boolean;
}

export function Field({ id, label, value, onInput, error, hint, type = 'text', placeholder, autocomplete = 'off', locked }: Props) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        name={id}
        type={type}
        value={value}
        placeholder={placeholder}
        autocomplete={autocomplete}
        spellcheck={false}
        readOnly={locked}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={`${id}-hint ${id}-error`}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
      {(hint || locked) && (
        <span class="hint" id={`${id}-hint`}>
          {locked && <Locked id={id} />} {hint}
        </span>
      )}
      {error && (
        <span class="field-error" id={`${id}-error`} role="alert" data-testid={`error-${id}`}>
          {error}
        </span>
      )}
    </div>
  );
}

/** Beside a value the team's policy sets. */
export function Locked({ id }: { id: string }) {
  return (
    <strong class="locked" data-testid={`locked-${id}`}>
      {t('setByOrganization')}
    </strong>
  );
}
