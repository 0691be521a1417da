import { useEffect, useMemo, useState } from 'preact/hooks';
import type { SettableStatus } from '@switchboard/protocol/status';
import { browser } from '@/lib/ext/native';
import { sendMessage } from '@/lib/messaging/client';
import { quickPauseReason } from '@/lib/settings/quick-pause';
import { viewStatus } from '@/lib/status/view';
import { useNow } from './hooks';
import { firstLook, setupProblem, usePopupRecords, type PopupParser, type Raw } from './popup-data';
import { StatusHeader } from './StatusHeader';
import { StatusPicker } from './StatusPicker';
import { RelayLine } from './RelayLine';
import { OpenChats } from './OpenChats';
import { NextStatus } from './NextStatus';
import { Today } from './Today';
import { t } from '@/lib/i18n';

const openOptions = () => void browser.runtime.openOptionsPage();

/** `initial`: the stored records (readPopupRecords), read by main.tsx before the first render. */
export function Popup({ initial }: { initial: Raw }) {
  const raw = usePopupRecords(initial);
  // The first paint reads the records cheaply; the zod validation takes over once loaded (see ./popup-data).
  const [parse, setParse] = useState<PopupParser>(() => firstLook);
  const { settings, status, relay, automation } = useMemo(() => parse(raw), [parse, raw]);
  const now = useNow(1000);
  const [chosen, setChosen] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    import('./popup-check').then((m) => setParse(() => m.checkPopupData)).catch(() => undefined);
    // Opening the popup wakes a worker the browser stopped, so chat alerts resume at once.
    void sendMessage('wake', {}).catch(() => undefined);
  }, []);

  const view = viewStatus(status);
  const ready = settings?.ok === true;
  const reasons = ready ? settings.settings.substatuses : [];
  const reason =
    chosen || (view.status === 'pause' ? view.substatus : undefined) || (ready ? quickPauseReason(settings.settings) : undefined);

  const change = (next: SettableStatus, substatus?: string) => {
    setError(undefined);
    sendMessage('setStatus', { status: next, substatus, source: 'popup' }).catch((e: Error) => setError(e.message));
  };

  return (
    <main class="popup" data-ready={ready ? 'yes' : 'no'}>
      <StatusHeader view={view} now={now} onRetry={() => void sendMessage('retryNow', {})} onOpenOptions={openOptions} />
      {!ready && (
        <div class="notice" role="alert" data-testid="setup-missing">
          <p>{settings && !settings.ok ? setupProblem(settings.errors) : t('notSetUp')}</p>
          <button type="button" class="btn" onClick={openOptions}>
            {t('openOptions')}
          </button>
        </div>
      )}
      <StatusPicker
        view={view}
        reasons={reasons}
        reason={reason || undefined}
        disabled={!ready}
        onReason={(r) => {
          setChosen(r);
          if (view.status === 'pause' && r !== view.substatus) change('pause', r);
        }}
        onOnline={() => change('online')}
        onPause={() => change('pause', reason || undefined)}
      />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <OpenChats chats={relay.openChats} now={now} apiBaseUrl={ready ? settings.settings.apiBaseUrl : undefined} />
      {ready && (relay.openChats.length > 0 || automation?.nextStatus) && (
        <NextStatus next={automation?.nextStatus} reason={reason || undefined} />
      )}
      <Today history={status.history} now={now} />
      <footer class="popup__footer">
        <RelayLine relay={relay} />
        <button type="button" class="link" onClick={openOptions}>
          {t('options')}
        </button>
      </footer>
    </main>
  );
}
