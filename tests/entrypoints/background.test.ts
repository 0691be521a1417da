import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import background from '@/entrypoints/background';
import { policyCopy } from '@/lib/settings/managed';
import { settingsItem } from '@/lib/settings/store';
import { statusItem } from '@/lib/status/store';

type Listener = (name: string) => void;

beforeEach(() => {
  fakeBrowser.reset();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

/** A websocket constructor whose socket never opens: for tests that do not watch the relay connection. */
function neverOpeningSocket() {
  return { readyState: 0, send: () => undefined, close: () => undefined };
}

async function boot() {
  let onCommand: Listener | undefined;
  let onIdle: ((state: string) => Promise<void>) | undefined;
  // WXT's fake browser implements neither commands nor idle; capture the listeners the worker adds.
  vi.spyOn(fakeBrowser.commands.onCommand, 'addListener').mockImplementation(((l: Listener) => {
    onCommand = l;
  }) as never);
  vi.spyOn(fakeBrowser.idle.onStateChanged, 'addListener').mockImplementation(((l: typeof onIdle) => {
    onIdle = l;
  }) as never);
  vi.spyOn(fakeBrowser.idle, 'setDetectionInterval').mockImplementation((() => undefined) as never);
  for (const method of ['setBadgeText', 'setBadgeBackgroundColor', 'setTitle'] as const) {
    vi.spyOn(fakeBrowser.action, method).mockImplementation(async () => undefined);
  }
  const fetch = vi.fn(async () => new Response('{}', { status: 200 }));
  vi.stubGlobal('fetch', fetch);
  background.main();
  return { fetch, command: (name: string) => onCommand!(name), idle: (state: string) => onIdle!(state) };
}

describe('background worker', () => {
  it('quick-pause shortcut pauses with the default reason', async () => {
    await settingsItem.set({
      orgId: '6418107096367104',
      apiToken: 'token-12345678',
      agentId: 'alice@example.com',
      apiBaseUrl: 'https://sandbox.test',
      substatuses: ['Break', 'Lunch'],
      quickPauseSubstatus: 'Lunch',
    });
    const { fetch, command } = await boot();
    command('quick-pause');
    await vi.waitFor(async () =>
      expect((await statusItem.get()).confirmed).toMatchObject({ status: 'pause', substatus: 'Lunch', source: 'shortcut' }),
    );
    const calls = fetch.mock.calls as unknown as [URL, RequestInit][];
    const posted = calls.filter(([u]) => String(u).endsWith('/agent/status'));
    expect(posted).toHaveLength(1);
    expect(JSON.parse(String(posted[0]![1].body))).toEqual({ agentId: 'alice@example.com', status: 'pause', substatus: 'Lunch' });
    await vi.waitFor(() => expect(fakeBrowser.action.setBadgeText).toHaveBeenLastCalledWith({ text: 'II' }));
  });

  it('re-reads the team’s policy when it changes: relay mode leaves no API token stored, and the next status goes to the relay', async () => {
    vi.stubGlobal('WebSocket', Object.assign(neverOpeningSocket, { CONNECTING: 0, OPEN: 1 }));
    await settingsItem.set({
      orgId: '6418107096367104',
      apiToken: 'token-12345678',
      agentId: 'alice@example.com',
      apiBaseUrl: 'https://sandbox.test',
      relayUrl: 'wss://relay.example.com',
      relayToken: 'sb1.alice.token',
    });
    const { fetch, command } = await boot();
    await fakeBrowser.storage.managed.set({ mode: 'relay' });
    await vi.waitFor(async () => expect(await fakeBrowser.storage.local.get('policy')).toEqual({ policy: { mode: 'relay' } }));
    await vi.waitFor(async () => expect(await settingsItem.get()).not.toHaveProperty('apiToken'));
    expect((await fakeBrowser.storage.local.get('relay')).relay).toMatchObject({ phase: 'connecting' });
    command('quick-pause');
    await vi.waitFor(() =>
      expect((fetch.mock.calls as unknown as [string][]).map(([u]) => String(u))).toContain('https://relay.example.com/api/status'),
    );
    expect((fetch.mock.calls as unknown as [string][]).filter(([u]) => String(u).includes('sandbox.test'))).toEqual([]);
  });

  it('does not wait for storage.managed: a status goes out under the last known policy, and the policy that arrives later is applied', async () => {
    await settingsItem.set({
      orgId: '6418107096367104',
      apiToken: 'token-12345678',
      agentId: 'alice@example.com',
      apiBaseUrl: 'https://sandbox.test',
      substatuses: ['Break', 'Lunch'],
    });
    await policyCopy.set({ substatuses: ['Training', 'Lunch'], quickPauseSubstatus: 'Training' });
    let answer!: (policy: Record<string, unknown>) => void;
    // Chromium may answer storage.managed minutes after it starts (lib/settings/managed.ts).
    vi.spyOn(fakeBrowser.storage.managed, 'get').mockReturnValue(
      new Promise((resolve) => {
        answer = resolve;
      }) as never,
    );
    const { fetch, command } = await boot();
    command('quick-pause');
    await vi.waitFor(async () => expect((await statusItem.get()).confirmed).toMatchObject({ status: 'pause', substatus: 'Training' }));
    const posted = (fetch.mock.calls as unknown as [URL, RequestInit][]).filter(([u]) => String(u).endsWith('/agent/status'));
    expect(JSON.parse(String(posted[0]![1].body))).toMatchObject({ substatus: 'Training' });
    answer({ substatuses: ['Meeting'], quickPauseSubstatus: 'Meeting' });
    await vi.waitFor(async () => expect(await policyCopy.get()).toEqual({ substatuses: ['Meeting'], quickPauseSubstatus: 'Meeting' }));
    command('back-online');
    await vi.waitFor(async () => expect((await statusItem.get()).confirmed?.status).toBe('online'));
    command('quick-pause');
    await vi.waitFor(async () => expect((await statusItem.get()).confirmed).toMatchObject({ status: 'pause', substatus: 'Meeting' }));
  });

  it('toggle flips pause and online; back-online goes online', async () => {
    await settingsItem.set({
      orgId: '6418107096367104',
      apiToken: 'token-12345678',
      agentId: 'alice@example.com',
      apiBaseUrl: 'https://sandbox.test',
    });
    const { command } = await boot();
    command('toggle-pause');
    await vi.waitFor(async () => expect((await statusItem.get()).confirmed?.status).toBe('pause'));
    command('toggle-pause');
    await vi.waitFor(async () => expect((await statusItem.get()).confirmed?.status).toBe('online'));
    command('quick-pause');
    await vi.waitFor(async () => expect((await statusItem.get()).confirmed?.status).toBe('pause'));
    command('back-online');
    await vi.waitFor(async () => expect((await statusItem.get()).confirmed?.status).toBe('online'));
  });

  it('answers popup messages and rejects malformed ones with a readable error', async () => {
    await settingsItem.set({
      orgId: '6418107096367104',
      apiToken: 'token-12345678',
      agentId: 'alice@example.com',
      apiBaseUrl: 'https://sandbox.test',
    });
    await boot();
    const bad = await fakeBrowser.runtime.sendMessage({ name: 'setStatus', payload: { status: 'away' } });
    expect(bad).toMatchObject({ ok: false, error: expect.stringContaining('status') });
    const unknown = await fakeBrowser.runtime.sendMessage({ name: 'format-disk', payload: {} });
    expect(unknown).toMatchObject({ ok: false, error: 'Unknown message' });
    const good = await fakeBrowser.runtime.sendMessage({ name: 'setStatus', payload: { status: 'pause', substatus: 'Lunch' } });
    expect(good).toMatchObject({ ok: true, value: { id: expect.any(String) } });
  });

  it('shows "not set up" on the badge when settings are missing', async () => {
    await boot();
    await vi.waitFor(() => expect(fakeBrowser.action.setBadgeText).toHaveBeenLastCalledWith({ text: '?' }));
  });
});

describe('notifications and the agent’s day, through the worker', () => {
  const base = { orgId: '6418107096367104', apiToken: 'token-12345678', agentId: 'alice@example.com', apiBaseUrl: 'https://sandbox.test' };

  it('clicking a chat notification (or its Open chat button) opens the chat in SnapEngage', async () => {
    await settingsItem.set(base);
    await boot();
    const open = vi.spyOn(fakeBrowser.tabs, 'create').mockImplementation((async () => ({})) as never);
    const { showNotice } = await import('@/lib/notifications/notify');
    await showNotice({
      id: 'ev-1',
      kind: 'assigned',
      title: 'New chat: Sam',
      message: 'Hi',
      url: 'https://www.snapengage.com/viewcase?c=abc',
    });
    const shown = (await fakeBrowser.notifications.getAll()) as Record<
      string,
      { buttons?: Array<{ title: string }>; requireInteraction?: boolean }
    >;
    expect(shown['ev-1']).toMatchObject({ buttons: [{ title: 'Open chat' }], requireInteraction: true });
    await fakeBrowser.notifications.onClicked.trigger('ev-1');
    await vi.waitFor(() => expect(open).toHaveBeenCalledWith({ url: 'https://www.snapengage.com/viewcase?c=abc' }));
    await vi.waitFor(async () => expect(Object.keys(await fakeBrowser.notifications.getAll())).toEqual([]));
  });

  it('a notification’s Open chat button opens only SnapEngage: a hostile link stored before links were checked opens nothing', async () => {
    await settingsItem.set(base);
    await boot();
    const open = vi.spyOn(fakeBrowser.tabs, 'create').mockImplementation((async () => ({})) as never);
    const { showNotice } = await import('@/lib/notifications/notify');
    await showNotice({ id: 'ev-2', kind: 'assigned', title: 'New chat: Eve', message: 'Hi', url: 'https://snapengage.evil.example/login' });
    await showNotice({ id: 'ev-3', kind: 'assigned', title: 'New chat: Sam', message: 'Hi', url: 'https://sandbox.test/viewcase?c=3' });
    await fakeBrowser.notifications.onButtonClicked.trigger('ev-2', 0);
    await vi.waitFor(async () => expect(Object.keys(await fakeBrowser.notifications.getAll())).toEqual(['ev-3']));
    expect(open).not.toHaveBeenCalled();
    // The configured API host's https:// links are SnapEngage's too.
    await fakeBrowser.notifications.onButtonClicked.trigger('ev-3', 0);
    await vi.waitFor(() => expect(open).toHaveBeenCalledWith({ url: 'https://sandbox.test/viewcase?c=3' }));
  });

  it('outside working hours it offers to pause once, and pauses only when the agent says so', async () => {
    await settingsItem.set({ ...base, workingHours: { enabled: true, days: [], start: '09:00', end: '17:00' } });
    await statusItem.set({ confirmed: { status: 'online', since: Date.now(), source: 'popup' }, intent: null, failure: null, history: [] });
    const { fetch } = await boot();
    await fakeBrowser.alarms.onAlarm.trigger({ name: 'working-hours', scheduledTime: Date.now() });
    await vi.waitFor(async () => expect(Object.keys(await fakeBrowser.notifications.getAll())).toContain('hours-prompt'));
    expect((fetch.mock.calls as unknown as [URL][]).filter(([u]) => String(u).endsWith('/agent/status'))).toHaveLength(0); // never on its own
    await fakeBrowser.notifications.clear('hours-prompt');
    await fakeBrowser.alarms.onAlarm.trigger({ name: 'working-hours', scheduledTime: Date.now() });
    await new Promise((r) => setTimeout(r, 50));
    expect(Object.keys(await fakeBrowser.notifications.getAll())).not.toContain('hours-prompt'); // once a day
    await fakeBrowser.notifications.onButtonClicked.trigger('hours-prompt', 0);
    await vi.waitFor(async () => expect((await statusItem.get()).confirmed).toMatchObject({ status: 'pause', source: 'notification' }));
  });
});
