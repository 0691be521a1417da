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
}

export function Field({ id, label, value, onInput, error, hint, type = 'text', placeholder, autocomplete = 'off' }: Props) {
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
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={`${id}-hint ${id}-error`}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
      {hint && (
        <span class="hint" id={`${id}-hint`}>
          {hint}
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
