// Wires the background worker. Runs on every wake-up: registers listeners synchronously
// (MV3 only delivers events to listeners added in the first turn), then resumes whatever
// storage says is unfinished.
// The polyfill here only: this worker's runtime.onMessage listener answers by returning a promise, which
// the polyfill supports in every browser; everything else uses lib/ext/native (biome.jsonc enforces it).
// biome-ignore lint/style/noRestrictedImports: the one module that needs the polyfill (above)
import { browser } from 'wxt/browser';
import { renderBadge } from '../badge/render';
import { commandHandlers, type CommandName } from '../commands';
import { routeMessage, type Handlers } from '../messaging/router';
import { createStatusSender, defaultSenderDeps, type StatusSender } from '../status/sender';
import { statusItem } from '../status/store';
import { viewStatus } from '../status/view';
import { loadSettings, saveSettings, settingsItem } from '../settings/store';
import { policyCopy, refreshPolicyCopy } from '../settings/managed';
import { withoutApiToken } from '../settings/policy';
import { quickPauseReason } from '../settings/quick-pause';
import { relayStateItem } from '../relay/state';
import { createRelayConnection } from '../relay/connection';
import { openNoticeLink, showNotice } from '../notifications/notify';
import { createAutomation } from '../automation/automation';
import { t } from '../i18n';
import { automationItem } from '../automation/state';
import { chatFigures, fetchStoredEvents, pausedToday, type TodayStats } from '../stats/today';
import { testSnapEngage } from './connection-test';
import { applySetupCode } from './setup-code';
import { createOutcomeHandler, releaseHeld } from './outcome';
import { HOURS_PROMPT_ID, localDay, withinWorkingHours } from './working-hours';

const RETRY_ALARM = 'status-retry';
const RELAY_ALARM = 'relay-keepalive';
const HOURS_ALARM = 'working-hours';

export function startBackground() {
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  const automation = createAutomation(() => sender);
  const sender: StatusSender = createStatusSender({
    ...defaultSenderDeps((at) => {
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => void sender.kick(), Math.max(0, at - Date.now()));
      // The timer dies with the worker; the alarm wakes it again if that happens first.
      void browser.alarms.create(RETRY_ALARM, { when: at + 1000 });
    }),
    onIntent: automation.onIntent,
    onConfirmed: (confirmed) => {
      void automation.onConfirmed(confirmed);
      if (confirmed.status === 'online') void loadSettings().then((s) => releaseHeld(!s.ok || s.settings.sound));
    },
  });
  const relay = createRelayConnection({ onOutcomes: createOutcomeHandler(sender, automation) });
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
    setupCode: async ({ code }) => {
      const result = await applySetupCode(code, relay.probe);
      if (result.ok) await handlers.settingsChanged();
      return result;
    },
    settingsChanged: async () => {
      await Promise.all([renderBadge(), relay.restart(), sender.kick(), applyIdleSettings()]);
      return null;
    },
    wake: async () => {
      await Promise.all([relay.ensure(), sender.kick()]);
      return null;
    },
    setNextStatus: async ({ next }) => {
      await automation.queueNext(next, (await relayStateItem.get()).openChats.length);
      return null;
    },
    todayStats: async (): Promise<TodayStats> => {
      const now = Date.now();
      const stats: TodayStats = { chatsHandled: 0, averageHandlingMs: null, pausedMs: pausedToday((await statusItem.get()).history, now) };
      const settings = await loadSettings();
      if (!settings.ok || !settings.settings.relayUrl || !settings.settings.relayToken) return { ...stats, relayNote: t('statsNeedRelay') };
      try {
        const events = await fetchStoredEvents(settings.settings.relayUrl, settings.settings.relayToken, AbortSignal.timeout(5000));
        return { ...stats, ...chatFigures(events, now) };
      } catch (error) {
        return { ...stats, relayNote: t('statsUnavailable', [(error as Error).message]) };
      }
    },
  } satisfies Handlers;
  const route = routeMessage(handlers);

  async function applyIdleSettings() {
    const settings = await loadSettings();
    if (settings.ok && settings.settings.autoPause.enabled) browser.idle.setDetectionInterval(settings.settings.autoPause.minutes * 60);
  }

  async function checkWorkingHours() {
    const settings = await loadSettings();
    if (!settings.ok || !settings.settings.workingHours.enabled) return;
    const now = new Date();
    if (withinWorkingHours(settings.settings.workingHours, now)) return;
    if (viewStatus(await statusItem.get()).status !== 'online') return;
    const today = localDay(now);
    if ((await automationItem.get()).hoursPromptDay === today) return;
    await automationItem.update((a) => ({ ...a, hoursPromptDay: today }));
    await showNotice(
      { id: HOURS_PROMPT_ID, kind: 'prompt', title: t('noticeHoursTitle'), message: t('noticeHoursMessage'), buttons: [t('pauseNow')] },
      { sound: settings.settings.sound },
    );
  }

  /** A chat notice's link, checked against the API host in effect (lib/relay/chat-link.ts). */
  async function openChatNotice(id: string) {
    const settings = await loadSettings();
    await openNoticeLink(id, settings.ok ? settings.settings.apiBaseUrl : undefined);
  }

  /**
   * The team's policy changed (or the worker woke): its copy, which the settings in effect read, is
   * refreshed when storage.managed answers (nothing waits for it meanwhile: the last known policy
   * applies); a policy that sets relay mode leaves no API token stored, and everything that depends
   * on the settings follows them.
   */
  async function applyPolicy() {
    const changed = await refreshPolicyCopy();
    const values = await policyCopy.get();
    const saved = await settingsItem.get();
    if (saved && 'apiToken' in saved && (values.mode ?? saved.mode) === 'relay') await settingsItem.set(withoutApiToken(saved));
    if (changed) await handlers.settingsChanged();
  }

  async function onNotificationAction(id: string) {
    if (id !== HOURS_PROMPT_ID) return openChatNotice(id);
    const settings = await loadSettings();
    await sender.request('pause', settings.ok ? quickPauseReason(settings.settings) : undefined, 'notification');
    await browser.notifications.clear(id);
  }

  // onMessage only carries this extension's own pages (others use onMessageExternal).
  browser.runtime.onMessage.addListener((message: unknown) => route(message));
  browser.commands.onCommand.addListener((name: string) => {
    const handler = commands[name as CommandName];
    if (handler) void handler();
  });
  browser.notifications.onClicked.addListener(
    (id: string) => void (id === HOURS_PROMPT_ID ? browser.notifications.clear(id) : openChatNotice(id)),
  );
  browser.notifications.onButtonClicked?.addListener((id: string) => void onNotificationAction(id));
  browser.idle?.onStateChanged.addListener(async (state: 'active' | 'idle' | 'locked') => {
    const settings = await loadSettings();
    if (settings.ok && settings.settings.autoPause.enabled) await automation.idleChanged(state, settings.settings.autoPause.substatus);
    else if (state === 'active') await automation.idleChanged('active', '');
  });
  browser.alarms.onAlarm.addListener((alarm: { name: string }) => {
    if (alarm.name === RETRY_ALARM) void sender.kick();
    if (alarm.name === RELAY_ALARM) void relay.ensure();
    if (alarm.name === HOURS_ALARM) void checkWorkingHours();
  });
  globalThis.addEventListener?.('online', () => {
    void sender.kick();
    void relay.ensure();
  });
  browser.storage.onChanged.addListener((changes: Record<string, unknown>, area: string) => {
    if (area === 'managed') void applyPolicy();
    if (area !== 'local') return;
    if (statusItem.key in changes || settingsItem.key in changes || relayStateItem.key in changes) void renderBadge();
  });
  browser.runtime.onInstalled.addListener(async ({ reason }: { reason: string }) => {
    if (reason !== 'install' || (await settingsItem.get())) return;
    // `npm start` builds a demo that comes set up for the local sandbox and relay.
    const demo = import.meta.env.WXT_DEMO_SETTINGS ? await saveSettings(JSON.parse(import.meta.env.WXT_DEMO_SETTINGS)) : undefined;
    if (demo?.ok) await handlers.settingsChanged();
    else await browser.runtime.openOptionsPage();
  });
  void browser.alarms.create(RELAY_ALARM, { periodInMinutes: 0.5 });
  void browser.alarms.create(HOURS_ALARM, { periodInMinutes: 5 });

  void applyPolicy();
  void renderBadge();
  void sender.kick();
  void relay.ensure();
  void applyIdleSettings();
  return { sender, relay, handlers, commands, automation };
}
