// The Advanced section's inputs and the override they stand for; what a save then keeps, and what
// direct mode sends with it.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { statusRequestDraft, statusRequestOverride } from '@/components/status-request-draft';
import { refreshPolicyCopy } from '@/lib/settings/managed';
import { loadSettings, saveSettings, settingsItem } from '@/lib/settings/store';
import { sendStatus } from '@/lib/status/sender';

const DIRECT = {
  orgId: '6418107096367104',
  apiToken: 'token-12345678',
  agentId: 'alice@example.com',
  apiBaseUrl: 'https://api.example.com',
};
const EMPTY = { path: '', agentField: '', statusField: '', substatusField: '', auth: '' } as const;

beforeEach(() => {
  fakeBrowser.reset();
  vi.unstubAllGlobals();
});

describe('the Advanced section: the Agent Status request override', () => {
  it('empty inputs are no override; each part filled in is that part, trimmed; a saved override fills the inputs back', () => {
    expect(statusRequestOverride(EMPTY)).toBeUndefined();
    const override = statusRequestOverride({ ...EMPTY, path: ' /v3/{orgId}/presence ', statusField: 'state', auth: 'bearer' });
    expect(override).toEqual({ path: '/v3/{orgId}/presence', statusField: 'state', auth: 'bearer' });
    expect(statusRequestDraft(override)).toEqual({ ...EMPTY, path: '/v3/{orgId}/presence', statusField: 'state', auth: 'bearer' });
    expect(statusRequestDraft(undefined)).toEqual(EMPTY);
    expect(statusRequestDraft({ auth: 'basic', path: 7 })).toEqual(EMPTY);
  });

  it('is saved only in the shape protocol allows, each bad part named beside its input', async () => {
    const bad = statusRequestOverride({ ...EMPTY, path: 'https://evil.example/{orgId}', agentField: 'e mail' });
    expect(await saveSettings({ ...DIRECT, statusRequest: bad })).toEqual({
      ok: false,
      errors: {
        'statusRequest.path': 'A path below the API base: one leading /, containing {orgId}',
        'statusRequest.agentField': 'A plain field name: letters, digits, _ . -',
      },
    });
    expect(await settingsItem.get()).toBeUndefined();
  });

  it('direct mode sends the request as the override says; a policy’s override wins and is not saved as the agent’s', async () => {
    const fetch = vi.fn(async (_url: string, _init: RequestInit) => new Response('{}', { status: 200 }));
    vi.stubGlobal('fetch', fetch);
    const mine = { path: '/mine/{orgId}/status', agentField: 'email' };
    expect(await saveSettings({ ...DIRECT, statusRequest: mine })).toMatchObject({ ok: true });
    const send = async () => {
      const loaded = await loadSettings();
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
      await sendStatus(loaded.settings, { agentId: 'alice@example.com', status: 'online' });
      const [url, init] = fetch.mock.calls.at(-1)!;
      return { url, auth: new Headers(init.headers).get('Authorization'), body: JSON.parse(String(init.body)) };
    };
    expect(await send()).toEqual({
      url: 'https://api.example.com/mine/6418107096367104/status',
      auth: 'token-12345678',
      body: { email: 'alice@example.com', status: 'online' },
    });
    await fakeBrowser.storage.managed.set({ statusRequest: { path: '/v3/{orgId}/presence', auth: 'bearer' } });
    // The worker reads a new policy into the copy the settings in effect use (lib/settings/managed.ts).
    await refreshPolicyCopy();
    expect(await send()).toEqual({
      url: 'https://api.example.com/v3/6418107096367104/presence',
      auth: 'Bearer token-12345678',
      body: { agentId: 'alice@example.com', status: 'online' },
    });
    // The options page sends what it shows (the policy's override); the agent's own stays stored.
    expect(
      await saveSettings({ ...DIRECT, apiToken: undefined, statusRequest: { path: '/v3/{orgId}/presence', auth: 'bearer' } }),
    ).toMatchObject({
      ok: true,
    });
    expect((await settingsItem.get())?.statusRequest).toEqual(mine);
  });
});
