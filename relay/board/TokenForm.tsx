import { useEffect, useRef, useState } from 'preact/hooks';
import { useTexts } from './texts';

interface Props {
  onSignIn: (token: string, remember: boolean) => void;
  /** The last token was refused: the field is marked and focused again. */
  refused: boolean;
}

/** Where a team lead pastes the supervisor token IT gave them. */
export function TokenForm({ onSignIn, refused }: Props) {
  const { t } = useTexts();
  const [token, setToken] = useState('');
  const [remember, setRemember] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  // The form appears on arrival and after a refusal: either way the cursor goes where the token goes.
  useEffect(() => input.current?.focus(), []);
  return (
    <form
      class="signin"
      aria-labelledby="signin-title"
      onSubmit={(e) => {
        e.preventDefault();
        const value = token.trim();
        if (value) onSignIn(value, remember);
      }}
    >
      <h2 id="signin-title">{t('signInTitle')}</h2>
      <p>{t('signInIntro')}</p>
      <div class="field">
        <label for="token">{t('tokenLabel')}</label>
        <input
          ref={input}
          id="token"
          name="token"
          type="password"
          data-testid="token"
          required
          autocomplete="off"
          spellcheck={false}
          value={token}
          aria-invalid={refused ? 'true' : undefined}
          aria-describedby={refused ? 'error' : undefined}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
      </div>
      <div class="check">
        <input
          id="remember"
          type="checkbox"
          checked={remember}
          aria-describedby="remember-hint"
          onChange={(e) => setRemember(e.currentTarget.checked)}
        />
        <label for="remember">{t('remember')}</label>
        <p id="remember-hint" class="hint">
          {t('rememberHint')}
        </p>
      </div>
      <button type="submit" class="btn btn--primary" data-testid="sign-in">
        {t('signIn')}
      </button>
    </form>
  );
}
