import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { keptToken, loadSettings, saveSettings, settingsItem } from '@/lib/settings/store';

const DIRECT = {
  orgId: '6418107096367104',
  apiToken: 'saved-token-123',
  agentId: 'alice@example.com',
  apiBaseUrl: 'https://api.example.com',
  relayUrl: 'wss://relay.example.com',
  relayToken: 'sb1.saved.relay',
};

/** What the options page sends: the fields as shown, a token only where one was typed. */
const typed = (changes: Record<string, unknown> = {}) => ({ ...DIRECT, apiToken: undefined, relayToken: undefined, ...changes });

beforeEach(async () => {
  fakeBrowser.reset();
  await settingsItem.set(DIRECT);
});

describe('saving the settings: no saved token ever goes to a new host', () => {
  it('keeps each saved token while its URL stays the same', async () => {
    expect(await saveSettings(typed({ agentId: 'bob@example.com', apiBaseUrl: 'https://api.example.com/' }))).toMatchObject({ ok: true });
    expect(await settingsItem.get()).toMatchObject({
      agentId: 'bob@example.com',
      apiToken: 'saved-token-123',
      relayToken: 'sb1.saved.relay',
    });
  });

  it('a new API base URL drops the saved API token and asks for it again; the token typed with it is kept', async () => {
    expect(await saveSettings(typed({ apiBaseUrl: 'https://other.example.com' }))).toEqual({
      ok: false,
      errors: { apiToken: 'The saved API token goes only to the URL it was saved with: enter the token for this URL' },
    });
    expect((await settingsItem.get())?.apiBaseUrl).toBe('https://api.example.com');
    // The same token, typed again for the new URL, is the agent's choice.
    expect(await saveSettings(typed({ apiBaseUrl: 'https://other.example.com', apiToken: 'saved-token-123' }))).toMatchObject({ ok: true });
    expect(await settingsItem.get()).toMatchObject({ apiBaseUrl: 'https://other.example.com', apiToken: 'saved-token-123' });
  });

  it('a new relay URL drops the saved relay token and asks for it again', async () => {
    expect(await saveSettings(typed({ relayUrl: 'wss://relay.evil.example' }))).toEqual({
      ok: false,
      errors: { relayToken: 'The saved relay token goes only to the relay it was saved with: paste the token for this relay' },
    });
    expect((await settingsItem.get())?.relayUrl).toBe('wss://relay.example.com');
    // The same relay written another way (https:// base, /ws) is the same relay.
    expect(await saveSettings(typed({ relayUrl: 'https://relay.example.com/ws' }))).toMatchObject({ ok: true });
    expect((await settingsItem.get())?.relayToken).toBe('sb1.saved.relay');
  });

  it('switching to relay mode deletes the stored API token (and keeps the relay token, same relay)', async () => {
    expect(await saveSettings(typed({ mode: 'relay' }))).toMatchObject({ ok: true, settings: { mode: 'relay' } });
    const stored = await settingsItem.get();
    // Nor the org id: the account is the relay's.
    expect(stored).not.toHaveProperty('apiToken');
    expect(stored).not.toHaveProperty('orgId');
    expect(stored).toMatchObject({ mode: 'relay', relayToken: 'sb1.saved.relay' });
    // Even one typed in relay mode is not kept.
    expect(await saveSettings({ ...stored, apiToken: 'typed-token-123' })).toMatchObject({ ok: true });
    expect(await settingsItem.get()).not.toHaveProperty('apiToken');
    expect(JSON.stringify(await fakeBrowser.storage.local.get())).not.toContain('saved-token-123');
  });

  it('the options page names a saved token only while it would still be used', async () => {
    const saved = await settingsItem.get();
    expect(keptToken('apiToken', { apiBaseUrl: 'https://api.example.com/' }, saved)).toBe('saved-token-123');
    expect(keptToken('apiToken', { apiBaseUrl: 'https://api.example.com.evil.example' }, saved)).toBeUndefined();
    expect(keptToken('relayToken', { relayUrl: 'https://relay.example.com' }, saved)).toBe('sb1.saved.relay');
    expect(keptToken('relayToken', { relayUrl: 'wss://relay.example.com:8443' }, saved)).toBeUndefined();
    expect(keptToken('relayToken', {}, saved)).toBeUndefined();
  });

  it('a relay-mode record with an API token left in it (hand-edited) loads without it', async () => {
    await settingsItem.set({ ...DIRECT, mode: 'relay' });
    const loaded = await loadSettings();
    expect(loaded.ok && loaded.settings).not.toHaveProperty('apiToken');
  });
});
