import { useEffect, useState } from 'preact/hooks';
import { browser } from '@/lib/ext/native';
import { sendMessage } from '@/lib/messaging/client';
import { parseSettings, quickPauseReason } from '@/lib/settings/schema';
import { settingsItem } from '@/lib/settings/store';
import { statusItem } from '@/lib/status/store';
import { viewStatus } from '@/lib/status/state';
import { relayStateItem } from '@/lib/relay/state';
import { useLocalItems, useNow } from './hooks';
import { StatusHeader } from './StatusHeader';
import { StatusPicker } from './StatusPicker';
import { RelayLine } from './RelayLine';
import { OpenChats } from './OpenChats';
import { NextStatus } from './NextStatus';
import { Today } from './Today';
import { automationItem } from '@/lib/automation/state';
import { t } from '@/lib/i18n';

const openOptions = () => void browser.runtime.openOptionsPage();

export function Popup() {
  const loaded = useLocalItems([settingsItem, statusItem, relayStateItem, automationItem] as const);
  const now = useNow(1000);
  const [chosen, setChosen] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  // Opening the popup wakes a worker the browser stopped, so chat alerts resume at once.
  useEffect(() => void sendMessage('wake', {}).catch(() => undefined), []);

  if (!loaded) return <main class="popup" aria-busy="true" />;
  const [rawSettings, status, relay, automation] = loaded;
  const settings = rawSettings ? parseSettings(rawSettings) : undefined;
  const view = viewStatus(status);
  const ready = settings?.ok === true;
  const reasons = ready ? settings.settings.substatuses : [];
  const reason = chosen || (view.status === 'pause' ? view.substatus : undefined) || (ready ? quickPauseReason(settings.settings) : undefined);

  const change = (next: 'online' | 'pause', substatus?: string) => {
    setError(undefined);
    sendMessage('setStatus', { status: next, substatus, source: 'popup' }).catch((e: Error) => setError(e.message));
  };

  return (
    <main class="popup" data-ready={ready ? 'yes' : 'no'}>
      <StatusHeader view={view} now={now} onRetry={() => void sendMessage('retryNow', {})} onOpenOptions={openOptions} />
      {!ready && (
        <div class="notice" role="alert" data-testid="setup-missing">
          <p>
            {settings && !settings.ok ? `Setup is incomplete: ${Object.values(settings.errors)[0]}` : t('notSetUp')}
          </p>
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
      <OpenChats chats={relay.openChats} now={now} />
      {ready && (relay.openChats.length > 0 || automation?.nextStatus) && <NextStatus next={automation?.nextStatus} reason={reason || undefined} />}
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
