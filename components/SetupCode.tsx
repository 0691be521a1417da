import { useState } from 'preact/hooks';
import { decodeSetupCode } from '@switchboard/protocol/setup-code';
import { browser } from '@/lib/ext/native';
import { t } from '@/lib/i18n';
import { sendMessage } from '@/lib/messaging/client';
import type { TestResult } from '@/lib/messaging/protocol';
import { relayHttpBase } from '@/lib/relay/url';

interface Props {
  /** Nothing is set up yet: the code is the page's first thing, with a word on what it is. */
  firstRun: boolean;
  /** The code was saved: the page reads the settings again. */
  onSaved: () => void;
}

/** The one field an agent of a team fills: the code IT sent (lib/background/setup-code.ts checks and saves it). */
export function SetupCode({ firstRun, onSaved }: Props) {
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<TestResult | undefined>();

  const submit = async (event: Event) => {
    event.preventDefault();
    const decoded = decodeSetupCode(code);
    // Host access for the relay must be asked inside the click (a user gesture); the worker says what is wrong with a bad code.
    if (decoded.ok) void browser.permissions.request({ origins: [`${relayHttpBase(decoded.code.relay)}/*`] }).catch(() => false);
    setBusy(true);
    setResult(undefined);
    try {
      const answer = await sendMessage('setupCode', { code });
      setResult(answer);
      if (answer.ok) {
        setCode('');
        onSaved();
      }
    } catch (e) {
      setResult({ ok: false, message: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="setup-code-title" class={firstRun ? 'setup-code setup-code--first' : 'setup-code'} data-testid="setup-code">
      <h2 id="setup-code-title">{t('setupCodeTitle')}</h2>
      {firstRun && <p>{t('setupCodeFirstRun')}</p>}
      <form onSubmit={submit} noValidate class="field">
        <label for="setupCode">{t('setupCodeLabel')}</label>
        <textarea
          id="setupCode"
          rows={firstRun ? 3 : 2}
          value={code}
          spellcheck={false}
          autocomplete="off"
          aria-describedby="setupCode-hint"
          onInput={(e) => setCode(e.currentTarget.value)}
        />
        <span class="hint" id="setupCode-hint">
          {t('setupCodeHint')}
        </span>
        <div class="row">
          <button type="submit" class={firstRun ? 'btn btn--primary' : 'btn'} disabled={busy || !code.trim()}>
            {busy ? t('setupCodeChecking') : t('setupCodeUse')}
          </button>
          {result && (
            <p class={result.ok ? 'result--ok' : 'result--fail'} role="status" data-testid="result-setup-code">
              {result.message}
            </p>
          )}
        </div>
      </form>
    </section>
  );
}
