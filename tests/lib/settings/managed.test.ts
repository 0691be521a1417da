// A team's policy (storage.managed): read, checked key by key, laid over what the agent saved.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import de from '../../../public/_locales/de/messages.json';
import en from '../../../public/_locales/en/messages.json';
import { checkPolicy, policyCopy, readPolicy, refreshPolicyCopy } from '@/lib/settings/managed';
import { loadSettings, saveSettings, settingsItem } from '@/lib/settings/store';
import { speak } from '../../setup-i18n';

const SAVED = {
  orgId: '6418107096367104',
  apiToken: 'saved-token-123',
  agentId: 'alice@example.com',
  apiBaseUrl: 'https://api.example.com',
  relayUrl: 'wss://relay.example.com',
  relayToken: 'sb1.saved.relay',
  substatuses: ['Lunch', 'Break'],
  notify: { assigned: false, closed: false, transferred: true },
};

beforeEach(async () => {
  fakeBrowser.reset();
  vi.restoreAllMocks();
  speak(en);
  await settingsItem.set(SAVED);
});

/** IT pushes a policy; the worker, told by storage.onChanged, reads it into its copy (lib/background/main.ts). */
async function pushPolicy(policy: Record<string, unknown>): Promise<void> {
  await fakeBrowser.storage.managed.set(policy);
  await refreshPolicyCopy();
}

describe('reading the team’s policy', () => {
  it('no policy, or a browser without managed storage, is an empty policy — never a crash', async () => {
    expect(await readPolicy()).toEqual({ values: {}, problems: [] });
    vi.spyOn(fakeBrowser.storage.managed, 'get').mockRejectedValueOnce(new Error('Managed storage manifest not found'));
    expect(await readPolicy()).toEqual({ values: {}, problems: [] });
    expect(checkPolicy(undefined)).toEqual({ values: {}, problems: [] });
    expect(checkPolicy('relay')).toEqual({ values: {}, problems: [] });
  });

  it('keeps each good key, and leaves out each bad or unknown one, naming it (in German too)', () => {
    const policy = {
      mode: 'relay',
      relayUrl: 'wss://relay.team.example',
      substatuses: ['Lunch', 'Training'],
      notify: { closed: false },
      statusRequest: { path: '/v3/{orgId}/presence', auth: 'bearer' },
      phoneCallSync: true,
      apiBaseUrl: 'http://snapengage.evil.example',
      orgId: 42,
      apiToken: 'a-token-never-taken-from-a-policy',
      quickPauseSubstatus: '',
    };
    expect(checkPolicy(policy)).toEqual({
      values: {
        mode: 'relay',
        relayUrl: 'wss://relay.team.example',
        substatuses: ['Lunch', 'Training'],
        notify: { closed: false },
        statusRequest: { path: '/v3/{orgId}/presence', auth: 'bearer' },
        phoneCallSync: true,
      },
      problems: [
        'apiBaseUrl: API base URL must start with https:// (http:// only to this computer), without user:password',
        expect.stringMatching(/^orgId: /),
        'apiToken: not a Switchboard setting',
        expect.stringMatching(/^quickPauseSubstatus: /),
      ],
    });
    speak(de);
    expect(checkPolicy({ apiToken: 'x' }).problems).toEqual(['apiToken: keine Switchboard-Einstellung']);
  });
});

describe('the policy wins', () => {
  it('its values are the settings in effect; a notification kind it does not set stays the agent’s', async () => {
    await pushPolicy({ substatuses: ['Training'], notify: { assigned: true }, callSubstatus: 'Phone' });
    const loaded = await loadSettings();
    expect(loaded.ok && loaded.settings).toMatchObject({
      substatuses: ['Training'],
      notify: { assigned: true, closed: false, transferred: true },
      callSubstatus: 'Phone',
    });
  });

  it('relay mode from the policy: no API token in effect, and none left in storage after a save', async () => {
    await pushPolicy({ mode: 'relay' });
    const loaded = await loadSettings();
    expect(loaded.ok && loaded.settings).toMatchObject({ mode: 'relay', relayToken: 'sb1.saved.relay' });
    expect(loaded.ok && loaded.settings).not.toHaveProperty('apiToken');
    expect(await saveSettings({ ...SAVED, apiToken: undefined, relayToken: undefined })).toMatchObject({ ok: true });
    expect(JSON.stringify(await fakeBrowser.storage.local.get())).not.toContain('saved-token-123');
  });

  it('a policy naming another API host or relay than a token was saved for: that token is not used there, and is asked for', async () => {
    await pushPolicy({ relayUrl: 'wss://relay.team.example' });
    expect(await loadSettings()).toEqual({
      ok: false,
      errors: { relayToken: 'The saved relay token goes only to the relay it was saved with: paste the token for this relay' },
    });
    await pushPolicy({ apiBaseUrl: 'https://eu.snapengage.example' });
    expect(await loadSettings()).toEqual({
      ok: false,
      errors: { apiToken: 'The saved API token goes only to the URL it was saved with: enter the token for this URL' },
    });
    // The same relay as the one saved, written another way: its token stays.
    await pushPolicy({ apiBaseUrl: 'https://api.example.com/', relayUrl: 'https://relay.example.com/ws' });
    expect(await loadSettings()).toMatchObject({ ok: true, settings: { apiToken: 'saved-token-123', relayToken: 'sb1.saved.relay' } });
  });

  it('saving never writes what the policy sets: the agent’s own choices stay theirs, for when the policy goes', async () => {
    await pushPolicy({ substatuses: ['Training'], quickPauseSubstatus: 'Training', notify: { assigned: true } });
    // The options page sends what it shows: the policy's values among them.
    const shown = { ...SAVED, apiToken: undefined, relayToken: undefined, substatuses: ['Training'], quickPauseSubstatus: 'Training' };
    expect(await saveSettings({ ...shown, notify: { assigned: true, closed: true, transferred: true } })).toMatchObject({ ok: true });
    const stored = await settingsItem.get();
    expect(stored).not.toHaveProperty('quickPauseSubstatus');
    expect(stored?.substatuses).toEqual(['Lunch', 'Break']);
    // `assigned` is the policy's: the agent's false stays stored; `closed` was theirs to change.
    expect(stored?.notify).toEqual({ assigned: false, closed: true, transferred: true });
    await fakeBrowser.storage.managed.clear();
    await refreshPolicyCopy();
    const after = await loadSettings();
    expect(after.ok && after.settings.notify).toEqual({ assigned: false, closed: true, transferred: true });
  });
});

describe('nothing waits for storage.managed', () => {
  it('the settings in effect use the policy as last read while storage.managed has not answered, and follow it once it does', async () => {
    await policyCopy.set({ substatuses: ['Training'] });
    let answer!: (policy: Record<string, unknown>) => void;
    // Chromium may answer minutes after start (lib/settings/managed.ts): here, not until told to.
    vi.spyOn(fakeBrowser.storage.managed, 'get').mockReturnValue(
      new Promise((resolve) => {
        answer = resolve;
      }) as never,
    );
    const refreshed = refreshPolicyCopy();
    const loaded = await loadSettings();
    expect(loaded.ok && loaded.settings.substatuses).toEqual(['Training']);
    answer({ substatuses: ['Lunch', 'Meeting'], apiToken: 'never-from-a-policy' });
    expect(await refreshed).toBe(true);
    expect(await policyCopy.get()).toEqual({ substatuses: ['Lunch', 'Meeting'] });
    const after = await loadSettings();
    expect(after.ok && after.settings.substatuses).toEqual(['Lunch', 'Meeting']);
    // The same policy again changes nothing (nothing to follow).
    vi.spyOn(fakeBrowser.storage.managed, 'get').mockResolvedValue({ substatuses: ['Lunch', 'Meeting'] } as never);
    expect(await refreshPolicyCopy()).toBe(false);
  });
});
