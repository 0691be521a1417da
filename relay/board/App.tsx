import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { Board } from './Board';
import { type Lang, LANGS, localeFor, pickLanguage, type Translate } from './i18n';
import { useLiveBoard } from './live';
import { forgetToken, readLang, readLarge, readToken, saveLang, saveLarge, saveToken } from './prefs';
import { pure } from './pure';
import { Reports } from './Reports';
import type { StreamPhase } from './stream';
import { TextsContext, textsFor, useTexts } from './texts';
import { TokenForm } from './TokenForm';

type View = 'board' | 'reports';
type Refusal = 'unauthorized' | 'forbidden';

const NO_NAMES: ReadonlyMap<string, string> = new Map();
const LANG_NAMES = { en: 'langEn', de: 'langDe' } as const;

/** The live board re-renders the page on every status change; a long report must not follow it. */
const PureReports = pure(Reports);

const viewOfHash = (): View => (location.hash === '#reports' ? 'reports' : 'board');

/** The view follows the address's #fragment, so Back and a bookmark of #reports work. */
function useView(): View {
  const [view, setView] = useState(viewOfHash);
  useEffect(() => {
    const onHash = () => setView(viewOfHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  return view;
}

function streamProblem(phase: StreamPhase, t: Translate): string | undefined {
  if (phase.kind !== 'retrying') return;
  switch (phase.problem) {
    case 'unreachable':
      return t('errUnreachable');
    case 'dropped':
      return t('errDropped');
    case 'invalid':
      return t('errInvalid');
    case 'failed':
      return `${t('errFailed', { status: phase.status ?? '', message: phase.message ?? '' })} ${t('connReconnecting')}`;
  }
}

function Connection({ phase }: { phase: StreamPhase }) {
  const { t } = useTexts();
  const [word, kind] =
    phase.kind === 'live'
      ? [t('connLive'), 'live']
      : phase.kind === 'retrying'
        ? [t('connReconnecting'), 'retrying']
        : [t('connConnecting'), 'connecting'];
  return (
    <p class={`connection connection--${kind}`} role="status" data-testid="connection" data-phase={phase.kind}>
      <span class="connection__mark" aria-hidden="true" />
      {word}
    </p>
  );
}

export function App() {
  const browserLanguages = useMemo(() => (navigator.languages.length ? navigator.languages : [navigator.language]), []);
  const [lang, setLang] = useState<Lang>(() => pickLanguage(readLang(), browserLanguages));
  const texts = useMemo(() => textsFor(lang, localeFor(lang, browserLanguages)), [lang, browserLanguages]);
  const { t } = texts;
  const [large, setLarge] = useState(readLarge);
  const [token, setToken] = useState(readToken);
  const [refused, setRefused] = useState<Refusal>();
  const [reportProblem, setReportProblem] = useState<string>();
  const view = useView();
  const live = useLiveBoard(token);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = `${t('appTitle')} · ${t('brand')}`;
  }, [lang, t]);
  useEffect(() => {
    document.documentElement.classList.toggle('large', large);
  }, [large]);

  const signOut = useCallback((reason?: Refusal) => {
    forgetToken();
    setToken(undefined);
    setRefused(reason);
    setReportProblem(undefined);
  }, []);
  useEffect(() => {
    if (live.phase.kind === 'refused') signOut(live.phase.reason);
  }, [live.phase, signOut]);

  const problems = [
    refused === 'unauthorized' ? t('errUnauthorized') : refused === 'forbidden' ? t('errForbidden') : undefined,
    token ? streamProblem(live.phase, t) : undefined,
    token ? reportProblem : undefined,
  ].filter((p): p is string => Boolean(p));

  return (
    <TextsContext.Provider value={texts}>
      <div class="app">
        <header class="top">
          <h1 class="top__title">
            <span class="top__brand">{t('brand')}</span>
            {t('appTitle')}
          </h1>
          {token && (
            <nav class="top__nav" aria-label={t('navLabel')}>
              <a href="#board" aria-current={view === 'board' ? 'page' : undefined} data-testid="nav-board">
                {t('navBoard')}
              </a>
              <a href="#reports" aria-current={view === 'reports' ? 'page' : undefined} data-testid="nav-reports">
                {t('navReports')}
              </a>
            </nav>
          )}
          <div class="top__tools">
            {token && <Connection phase={live.phase} />}
            <div class="field field--inline">
              <label for="lang">{t('language')}</label>
              <select
                id="lang"
                data-testid="lang"
                value={lang}
                onChange={(e) => {
                  const next = pickLanguage(e.currentTarget.value, []);
                  saveLang(next);
                  setLang(next);
                }}
              >
                {LANGS.map((l) => (
                  <option key={l} value={l} lang={l}>
                    {t(LANG_NAMES[l])}
                  </option>
                ))}
              </select>
            </div>
            <button
              type="button"
              class="btn"
              aria-pressed={large}
              data-testid="large"
              onClick={() => {
                saveLarge(!large);
                setLarge(!large);
              }}
            >
              {t('largeText')}
            </button>
            {token && (
              <button type="button" class="btn" data-testid="sign-out" onClick={() => signOut()}>
                {t('signOut')}
              </button>
            )}
          </div>
        </header>
        <main class="main">
          <div id="error" class="errors" role="alert" data-testid="error">
            {problems.map((p) => (
              <p key={p}>{p}</p>
            ))}
          </div>
          {token ? (
            <>
              {/* Both views stay mounted (hidden when not shown), so switching keeps the board's filters and the last report. */}
              <div hidden={view !== 'board'}>
                <Board state={live.state} stale={live.phase.kind !== 'live'} />
              </div>
              <PureReports
                token={token}
                active={view === 'reports'}
                names={live.state?.names ?? NO_NAMES}
                onProblem={setReportProblem}
                onRefused={signOut}
              />
            </>
          ) : (
            <TokenForm
              refused={refused !== undefined}
              onSignIn={(value, remember) => {
                saveToken(value, remember);
                setRefused(undefined);
                setToken(value);
              }}
            />
          )}
        </main>
      </div>
    </TextsContext.Provider>
  );
}
