import { useEffect, useState } from 'preact/hooks';
import { browser } from '@/lib/ext/native';
import { sendMessage } from '@/lib/messaging/client';
import type { TestResult } from '@/lib/messaging/protocol';
import { DEFAULT_SUBSTATUSES, DaySettings as DaySettingsSchema, maskToken, MODES, type Mode } from '@/lib/settings/schema';
import { relayHttpBase } from '@/lib/relay/url';
import { policyCopy, readPolicy, type Policy, type ReadPolicy } from '@/lib/settings/managed';
import { withPolicy } from '@/lib/settings/policy';
import { keptToken, saveSettings, settingsFrom, settingsItem } from '@/lib/settings/store';
import { SNAPENGAGE_API_BASE } from '@/lib/snapengage/host';
import { AdvancedRequest } from './AdvancedRequest';
import { Field, Locked } from './Field';
import { statusRequestDraft, statusRequestOverride, type StatusRequestDraft } from './status-request-draft';
import { ReasonList } from './ReasonList';
import { SetupCode } from './SetupCode';
import { Shortcuts } from './Shortcuts';
import { DaySettings, type DayDraft } from './DaySettings';
import { t } from '@/lib/i18n';

interface Draft {
  mode: Mode;
  orgId: string;
  apiToken: string;
  agentId: string;
  apiBaseUrl: string;
  substatuses: string[];
  quickPauseSubstatus: string;
  relayUrl: string;
  relayToken: string;
  notify: { assigned: boolean; closed: boolean; transferred: boolean };
  day: DayDraft;
  statusRequest: StatusRequestDraft;
}

type Saved = Record<string, unknown> | undefined;
const str = (v: unknown, fallback = '') => (typeof v === 'string' ? v : fallback);

function draftFrom(saved: Saved): Draft {
  const notify = (saved?.notify ?? {}) as Partial<Draft['notify']>;
  return {
    mode: saved?.mode === 'relay' ? 'relay' : 'direct',
    orgId: str(saved?.orgId),
    apiToken: '', // a saved token is never put back into an input
    agentId: str(saved?.agentId),
    apiBaseUrl: str(saved?.apiBaseUrl, SNAPENGAGE_API_BASE),
    substatuses: Array.isArray(saved?.substatuses) ? (saved.substatuses as string[]) : DEFAULT_SUBSTATUSES,
    quickPauseSubstatus: str(saved?.quickPauseSubstatus),
    relayUrl: str(saved?.relayUrl),
    relayToken: '',
    notify: { assigned: notify.assigned ?? true, closed: notify.closed ?? true, transferred: notify.transferred ?? true },
    day: dayDraftFrom(saved),
    statusRequest: statusRequestDraft(saved?.statusRequest),
  };
}

/** The saved "your day" settings with defaults filled in (all defaults if what was saved is unusable). */
function dayDraftFrom(saved: Saved): DayDraft {
  const parsed = DaySettingsSchema.safeParse(saved ?? {});
  return parsed.success ? parsed.data : DaySettingsSchema.parse({});
}

/** Origins the extension needs host access to; asked for when the agent saves them. */
function originsFor(draft: Draft): string[] {
  const origins: string[] = [];
  // Relay mode calls only the relay (the chat links it opens are tabs, which need no access).
  const apiBase = draft.mode === 'direct' ? draft.apiBaseUrl : '';
  for (const url of [apiBase, URL.canParse(draft.relayUrl) ? relayHttpBase(draft.relayUrl) : '']) {
    if (url && URL.canParse(url)) origins.push(`${new URL(url).origin}/*`);
  }
  return origins;
}

export function Options() {
  const [saved, setSaved] = useState<Saved>(undefined);
  const [policy, setPolicy] = useState<ReadPolicy>({ values: {}, problems: [] });
  const [draft, setDraft] = useState<Draft | undefined>();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [result, setResult] = useState<{ where: string; result: TestResult } | undefined>();
  const [busy, setBusy] = useState<string | undefined>();

  // Where the setup code goes is decided once: it stays at the top after a first-run code is saved, with its answer.
  const [firstRun, setFirstRun] = useState(false);
  /** What the agent saved and the team's policy; the page shows the two laid together, the policy's values locked. */
  const show = (s: Saved, p: ReadPolicy) => {
    setSaved(s);
    setPolicy(p);
    setDraft(draftFrom(withPolicy(s, p.values)));
    setErrors({});
  };
  const load = async () => {
    const [s, copy] = await Promise.all([settingsItem.get(), policyCopy.get()]);
    // The policy as last read shows at once; storage.managed may answer seconds later (lib/settings/managed.ts):
    // then what it finds wrong shows too, and its values replace the copy's if they differ.
    show(s, { values: copy, problems: [] });
    void readPolicy().then(async (read) => {
      if (JSON.stringify(read.values) === JSON.stringify(copy)) setPolicy(read);
      else show(await settingsItem.get(), read);
    });
    return s;
  };
  const reload = () => void load();
  // biome-ignore lint/correctness/useExhaustiveDependencies: once, on opening; load only calls state setters
  useEffect(() => {
    void load().then((s) => setFirstRun(!s));
    // A policy pushed while the page is open shows at once.
    const onChanged = (_changes: unknown, area: string) => area === 'managed' && reload();
    browser.storage.onChanged.addListener(onChanged);
    return () => browser.storage.onChanged.removeListener(onChanged);
  }, []);
  if (!draft) return <main class="options-page" aria-busy="true" />;

  const locked = (key: keyof Policy) => key in policy.values;
  const notifyLocked = (kind: keyof Draft['notify']) => kind in ((policy.values.notify as object | undefined) ?? {});
  const set =
    <K extends keyof Draft>(key: K) =>
    (value: Draft[K]) =>
      setDraft({ ...draft, [key]: value });
  const candidate = () => ({
    ...saved,
    ...draft,
    ...draft.day,
    day: undefined,
    // Only what was typed: the store adds a saved token while its URL is unchanged (settingsFrom).
    // Relay mode keeps neither the API token nor the org id: the relay has the account's.
    apiToken: draft.mode === 'direct' ? draft.apiToken || undefined : undefined,
    orgId: draft.mode === 'direct' ? draft.orgId : undefined,
    relayToken: draft.relayUrl ? draft.relayToken || undefined : undefined,
    quickPauseSubstatus: draft.quickPauseSubstatus || undefined,
    relayUrl: draft.relayUrl || undefined,
    substatuses: draft.substatuses.map((s) => s.trim()),
    statusRequest: statusRequestOverride(draft.statusRequest),
  });

  const save = async (event: Event) => {
    event.preventDefault();
    // Must start inside the click: browsers grant permission prompts only to a user gesture.
    const granted = browser.permissions.request({ origins: originsFor(draft) }).catch(() => false);
    setResult(undefined);
    const parsed = settingsFrom(candidate(), saved, policy.values);
    setErrors(parsed.ok ? {} : parsed.errors);
    if (!parsed.ok) return;
    setBusy('save');
    try {
      if (parsed.settings.relayUrl) {
        const relay = await sendMessage('testRelay', { relayUrl: parsed.settings.relayUrl, relayToken: parsed.settings.relayToken });
        if (!relay.ok) {
          setErrors({ relayUrl: relay.message });
          return;
        }
      }
      // Saved through the store, like every other writer of the settings.
      const stored = await saveSettings(candidate());
      if (!stored.ok) {
        setErrors(stored.errors);
        return;
      }
      await sendMessage('settingsChanged', {});
      await load();
      const refused = (await Promise.race([granted, new Promise((r) => setTimeout(() => r(true), 50))])) === false;
      setResult({ where: 'save', result: { ok: true, message: t(refused ? 'savedNoHostAccess' : 'saved') } });
    } catch (e) {
      setResult({ where: 'save', result: { ok: false, message: (e as Error).message } });
    } finally {
      setBusy(undefined);
    }
  };

  const test = async () => {
    setBusy('test');
    setResult(undefined);
    try {
      const r = await sendMessage('testConnection', {
        apiBaseUrl: draft.apiBaseUrl,
        orgId: draft.orgId,
        apiToken: draft.apiToken || undefined,
      });
      setResult({ where: 'test', result: r });
    } catch (e) {
      setResult({ where: 'test', result: { ok: false, message: (e as Error).message } });
    } finally {
      setBusy(undefined);
    }
  };

  /** A token's input: a saved token is never put back into it, only named, masked, as its placeholder. */
  const tokenField = (key: 'apiToken' | 'relayToken', hint?: string) => {
    // Named only while it would still be used: a changed URL asks for its token again.
    const token = keptToken(key, { apiBaseUrl: draft.apiBaseUrl, relayUrl: draft.relayUrl }, saved);
    const kept = token ? maskToken(token) : undefined;
    return (
      <Field
        id={key}
        label={t(key)}
        type="password"
        value={draft[key]}
        onInput={set(key)}
        error={errors[key]}
        placeholder={kept ? t('savedPlaceholder', [kept]) : ''}
        hint={hint}
      />
    );
  };
  const shown = (where: string) =>
    result?.where === where && (
      <p class={result.result.ok ? 'result--ok' : 'result--fail'} role="status" data-testid={`result-${where}`}>
        {result.result.message}
      </p>
    );

  return (
    <main class="options-page">
      <h1>{t('optionsTitle')}</h1>
      {policy.problems.length > 0 && (
        <p class="result--fail" role="alert" data-testid="policy-problems">
          {t('policyProblems', [policy.problems.join('; ')])}
        </p>
      )}
      {firstRun && <SetupCode firstRun onSaved={reload} />}
      <form onSubmit={save} noValidate>
        <section aria-labelledby="mode-title">
          <h2 id="mode-title">{t('modeTitle')}</h2>
          <p class="hint" data-testid="mode-explain">
            {t('modeExplain')}
          </p>
          <fieldset class="row" aria-labelledby="mode-title">
            {MODES.map((mode) => (
              <label key={mode}>
                <input
                  type="radio"
                  name="mode"
                  value={mode}
                  checked={draft.mode === mode}
                  disabled={locked('mode')}
                  onChange={() => set('mode')(mode)}
                />{' '}
                {t(mode === 'direct' ? 'modeDirect' : 'modeRelay')}
              </label>
            ))}
            {locked('mode') && <Locked id="mode" />}
          </fieldset>
        </section>
        <section aria-labelledby="se-title">
          <h2 id="se-title">SnapEngage</h2>
          {draft.mode === 'direct' && (
            <Field
              id="orgId"
              label={t('orgId')}
              value={draft.orgId}
              onInput={set('orgId')}
              error={errors.orgId}
              hint={t('orgIdHint')}
              locked={locked('orgId')}
            />
          )}
          {draft.mode === 'direct' && tokenField('apiToken', t('apiTokenHint'))}
          <Field id="agentId" label={t('agentId')} type="email" value={draft.agentId} onInput={set('agentId')} error={errors.agentId} />
          {draft.mode === 'direct' && (
            <>
              <Field
                id="apiBaseUrl"
                label={t('apiBaseUrl')}
                value={draft.apiBaseUrl}
                onInput={set('apiBaseUrl')}
                error={errors.apiBaseUrl}
                hint={t('apiBaseUrlHint', [SNAPENGAGE_API_BASE])}
                locked={locked('apiBaseUrl')}
              />
              <div class="row">
                <button type="button" class="btn" onClick={test} disabled={Boolean(busy)}>
                  {busy === 'test' ? t('testing') : t('testConnection')}
                </button>
                {shown('test')}
              </div>
            </>
          )}
        </section>
        <section aria-labelledby="reasons-title">
          <h2 id="reasons-title">{t('pauseReasons')}</h2>
          <ReasonList reasons={draft.substatuses} onChange={set('substatuses')} locked={locked('substatuses')} />
          {errors.substatuses && (
            <p class="field-error" role="alert">
              {errors.substatuses}
            </p>
          )}
          <div class="field">
            <label for="quickPauseSubstatus">{t('quickPauseReason')}</label>
            <select
              id="quickPauseSubstatus"
              value={draft.quickPauseSubstatus}
              disabled={locked('quickPauseSubstatus')}
              onChange={(e) => set('quickPauseSubstatus')(e.currentTarget.value)}
            >
              <option value="">{t('firstInList')}</option>
              {draft.substatuses.filter(Boolean).map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
            {locked('quickPauseSubstatus') && <Locked id="quickPauseSubstatus" />}
            {errors.quickPauseSubstatus && (
              <span class="field-error" role="alert">
                {errors.quickPauseSubstatus}
              </span>
            )}
          </div>
        </section>
        <section aria-labelledby="relay-title">
          <h2 id="relay-title">{t('relayTitle')}</h2>
          <Field
            id="relayUrl"
            label={t('relayUrl')}
            value={draft.relayUrl}
            onInput={set('relayUrl')}
            error={errors.relayUrl}
            placeholder="wss://switchboard.example.com"
            // Optional in direct mode only (chat alerts); relay mode needs it.
            hint={draft.mode === 'direct' ? t('relayUrlHint') : undefined}
            locked={locked('relayUrl')}
          />
          {tokenField('relayToken')}
          <fieldset class="row">
            <legend>{t('notifyWhen')}</legend>
            {(['assigned', 'transferred', 'closed'] as const).map((k) => (
              <label key={k}>
                <input
                  type="checkbox"
                  checked={draft.notify[k]}
                  disabled={notifyLocked(k)}
                  onChange={(e) => set('notify')({ ...draft.notify, [k]: e.currentTarget.checked })}
                />{' '}
                {t(k === 'assigned' ? 'notifyAssigned' : k === 'transferred' ? 'notifyTransferred' : 'notifyClosed')}
                {notifyLocked(k) && (
                  <>
                    {' '}
                    <Locked id={`notify-${k}`} />
                  </>
                )}
              </label>
            ))}
          </fieldset>
        </section>
        <DaySettings
          value={draft.day}
          errors={errors}
          onChange={set('day')}
          callLocked={locked('callSubstatus')}
          relayCalls={draft.mode === 'relay' && policy.values.phoneCallSync === true}
        />
        <AdvancedRequest
          value={draft.statusRequest}
          onChange={set('statusRequest')}
          errors={errors}
          mode={draft.mode}
          locked={locked('statusRequest')}
        />
        <div class="row">
          <button type="submit" class="btn btn--primary" disabled={Boolean(busy)} data-testid="save">
            {busy === 'save' ? t('saving') : t('save')}
          </button>
          {shown('save')}
        </div>
      </form>
      {!firstRun && <SetupCode firstRun={false} onSaved={reload} />}
      <Shortcuts />
      <footer class="options-page__footer">
        {/* PRIVACY.md, shipped in the extension (wxt.config.ts): the policy of the version installed. */}
        <a href="/privacy.txt" target="_blank" rel="noopener" data-testid="privacy">
          {t('privacyPolicy')}
        </a>
      </footer>
    </main>
  );
}
