// Wires the background worker. Runs on every wake-up: registers listeners synchronously
// (MV3 only delivers events to listeners added in the first turn), then resumes whatever
// storage says is unfinished.
import { browser } from 'wxt/browser';
import { renderBadge } from '../badge/render';
import { commandHandlers, type CommandName } from '../commands';
import { routeMessage, type Handlers } from '../messaging/router';
import { createStatusSender, defaultSenderDeps } from '../status/sender';
import { statusItem } from '../status/store';
import { settingsItem } from '../settings/store';
import { relayStateItem } from '../relay/state';
import { testSnapEngage } from './connection-test';
import { createRelayConnection } from '../relay/connection';
import { openNoticeLink } from '../notifications/notify';

export const RETRY_ALARM = 'status-retry';
export const RELAY_ALARM = 'relay-keepalive';

export function startBackground() {
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  const sender = createStatusSender(
    defaultSenderDeps((at) => {
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => void sender.kick(), Math.max(0, at - Date.now()));
      // The timer dies with the worker; the alarm wakes it again if that happens first.
      void browser.alarms.create(RETRY_ALARM, { when: at + 1_000 });
    }),
  );
  const relay = createRelayConnection({ sender });
  const commands = commandHandlers(sender);

  const handlers = {
    setStatus: async ({ status, substatus, source }) => ({ id: (await sender.request(status, substatus, source)).id }),
    retryNow: async () => {
      await statusItem.update((s) => (s.intent ? { ...s, intent: { ...s.intent, nextAttemptAt: 0 } } : s));
      await sender.kick();
      return null;
    },
    testConnection: testSnapEngage,
    testRelay: (input) => relay.test(input),
    settingsChanged: async () => {
      await Promise.all([renderBadge(), relay.restart(), sender.kick()]);
      return null;
    },
  } satisfies Handlers;
  const route = routeMessage(handlers);

  // onMessage only carries this extension's own pages (others use onMessageExternal).
  browser.runtime.onMessage.addListener((message: unknown) => route(message));
  browser.commands.onCommand.addListener((name: string) => {
    const handler = commands[name as CommandName];
    if (handler) void handler();
  });
  browser.notifications.onClicked.addListener((id: string) => void openNoticeLink(id));
  browser.alarms.onAlarm.addListener((alarm: { name: string }) => {
    if (alarm.name === RETRY_ALARM) void sender.kick();
    if (alarm.name === RELAY_ALARM) void relay.ensure();
  });
  globalThis.addEventListener?.('online', () => {
    void sender.kick();
    void relay.ensure();
  });
  browser.storage.onChanged.addListener((changes: Record<string, unknown>, area: string) => {
    if (area !== 'local') return;
    if (statusItem.key in changes || settingsItem.key in changes || relayStateItem.key in changes) void renderBadge();
  });
  browser.runtime.onInstalled.addListener(async ({ reason }: { reason: string }) => {
    if (reason === 'install' && !(await settingsItem.get())) await browser.runtime.openOptionsPage();
  });
  void browser.alarms.create(RELAY_ALARM, { periodInMinutes: 0.5 });

  void renderBadge();
  void sender.kick();
  void relay.ensure();
  return { sender, relay, handlers, commands };
}
