import { afterEach, describe, expect, it, vi } from 'vitest';
import de from '../../../public/_locales/de/messages.json';
import en from '../../../public/_locales/en/messages.json';
import { testSnapEngage } from '@/lib/background/connection-test';
import { setAgentStatus, checkConnection } from '@/lib/snapengage/agent-status-client';
import { settingsItem } from '@/lib/settings/store';
import { fakeBrowser } from 'wxt/testing';
import { speak } from '../../setup-i18n';

const target = { apiBaseUrl: 'https://api.test', orgId: '6418107096367104', apiToken: 'secret-token-123' };
const change = { agentId: 'alice@example.com', status: 'pause' as const, substatus: 'Lunch' };

function answer(status: number, body: unknown = {}, headers: Record<string, string> = {}) {
  return vi.fn(async () => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } }));
}

afterEach(() => {
  vi.unstubAllGlobals();
  speak(en);
});

describe('Agent Status API client', () => {
  it('POSTs the documented path, bare token and body', async () => {
    const fetch = answer(200, { agentId: 'alice@example.com', status: 'pause' });
    vi.stubGlobal('fetch', fetch);
    expect(await setAgentStatus(target, change)).toEqual({ kind: 'ok' });
    const [url, init] = fetch.mock.calls[0] as unknown as [URL, RequestInit];
    expect(String(url)).toBe('https://api.test/api/v2/6418107096367104/agent/status');
    expect(init.method).toBe('POST');
    expect(new Headers(init.headers).get('Authorization')).toBe('secret-token-123');
    expect(JSON.parse(String(init.body))).toEqual({ agentId: 'alice@example.com', status: 'pause', substatus: 'Lunch' });
  });

  it('an override (policy or Advanced options) changes the path, the field names and the token scheme', async () => {
    const fetch = answer(200);
    vi.stubGlobal('fetch', fetch);
    const override = {
      path: '/v3/{orgId}/presence',
      agentField: 'email',
      statusField: 'state',
      substatusField: 'reason',
      auth: 'bearer' as const,
    };
    expect(await setAgentStatus(target, change, override)).toEqual({ kind: 'ok' });
    const [url, init] = fetch.mock.calls[0] as unknown as [URL, RequestInit];
    expect(String(url)).toBe('https://api.test/v3/6418107096367104/presence');
    expect(new Headers(init.headers).get('Authorization')).toBe('Bearer secret-token-123');
    expect(JSON.parse(String(init.body))).toEqual({ email: 'alice@example.com', state: 'pause', reason: 'Lunch' });
  });

  it('sends no substatus with online', async () => {
    const fetch = answer(200);
    vi.stubGlobal('fetch', fetch);
    await setAgentStatus(target, { agentId: 'a@b.co', status: 'online', substatus: 'Lunch' });
    const init = (fetch.mock.calls[0] as unknown as [URL, RequestInit])[1];
    expect(JSON.parse(String(init.body))).toEqual({ agentId: 'a@b.co', status: 'online' });
  });

  it.each([401, 403])('%i → rejected, the token named', async (status) => {
    vi.stubGlobal('fetch', answer(status, { message: 'bad token' }));
    expect(await setAgentStatus(target, change)).toMatchObject({ kind: 'rejected', message: 'SnapEngage rejected the API token' });
  });

  it('429 → retry, honouring Retry-After', async () => {
    vi.stubGlobal('fetch', answer(429, {}, { 'Retry-After': '7' }));
    expect(await setAgentStatus(target, change)).toMatchObject({ kind: 'retry', reason: 'throttled', retryAfterMs: 7000 });
  });

  it.each([500, 502, 503])('%i → retry as a server problem', async (status) => {
    vi.stubGlobal('fetch', answer(status));
    expect(await setAgentStatus(target, change)).toMatchObject({
      kind: 'retry',
      reason: 'server',
      message: expect.stringContaining(`HTTP ${status}`),
    });
  });

  it('404 → invalid, with SnapEngage’s message', async () => {
    vi.stubGlobal('fetch', answer(404, { message: 'Unknown agent' }));
    expect(await setAgentStatus(target, change)).toMatchObject({ kind: 'invalid', message: expect.stringContaining('Unknown agent') });
  });

  it('400 → invalid, not retried', async () => {
    vi.stubGlobal('fetch', answer(400, { message: 'substatus too long' }));
    expect(await setAgentStatus(target, change)).toMatchObject({ kind: 'invalid', httpStatus: 400 });
  });

  it('network error → retry "unreachable"', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))),
    );
    expect(await setAgentStatus(target, change)).toMatchObject({
      kind: 'retry',
      reason: 'network',
      message: 'SnapEngage is unreachable — will retry',
    });
  });

  it('"Test connection" says what is wrong, without the "will retry" a status change gets', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))),
    );
    const input = { apiBaseUrl: target.apiBaseUrl, orgId: target.orgId, apiToken: target.apiToken };
    expect(await testSnapEngage(input)).toEqual({ ok: false, message: 'SnapEngage is unreachable' });
    vi.stubGlobal('fetch', answer(503));
    expect(await testSnapEngage(input)).toEqual({ ok: false, message: 'SnapEngage is having trouble (HTTP 503)' });
    speak(de);
    expect(await testSnapEngage(input)).toEqual({ ok: false, message: 'SnapEngage hat Probleme (HTTP 503)' });
  });

  it('speaks the browser’s language', async () => {
    speak(de);
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))),
    );
    expect(await setAgentStatus(target, change)).toMatchObject({ message: 'SnapEngage ist nicht erreichbar — neuer Versuch folgt' });
    vi.stubGlobal('fetch', answer(404, { message: 'Unknown agent' }));
    expect(await setAgentStatus(target, change)).toMatchObject({
      message: 'SnapEngage kennt diese Org-ID oder diesen Agenten nicht: Unknown agent',
    });
    vi.stubGlobal('fetch', answer(401));
    expect(await setAgentStatus(target, change)).toMatchObject({ message: 'SnapEngage hat das API-Token abgelehnt' });
  });

  it('timeout → retry "did not answer"', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const timeout = vi.spyOn(AbortSignal, 'timeout').mockImplementation(() => AbortSignal.abort());
    vi.stubGlobal(
      'fetch',
      vi.fn(async (_u: unknown, init: RequestInit) => Promise.reject(init.signal!.reason)),
    );
    expect(await setAgentStatus(target, change)).toMatchObject({ kind: 'retry', reason: 'timeout' });
    timeout.mockRestore();
    vi.useRealTimers();
  });

  it('an abort by the caller (a newer change) is not mistaken for a failure', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (_u: unknown, init: RequestInit) => Promise.reject(init.signal!.reason)),
    );
    await expect(setAgentStatus(target, change, undefined, AbortSignal.abort())).rejects.toBeDefined();
  });

  it('checkConnection reads the Logs API and changes nothing', async () => {
    const fetch = answer(200, { cases: [] });
    vi.stubGlobal('fetch', fetch);
    expect(await checkConnection(target)).toEqual({ kind: 'ok' });
    const [url, init] = fetch.mock.calls[0] as unknown as [URL, RequestInit];
    expect(String(url)).toMatch(/\/api\/v2\/6418107096367104\/logs\?start=\d{4}-\d\d-\d\d&end=/);
    expect(init.method).toBe('GET');
  });

  it('"Test connection" sends a typed token to the typed URL, the saved one only to the URL it was saved with', async () => {
    fakeBrowser.reset();
    const fetch = answer(200, { cases: [] });
    vi.stubGlobal('fetch', fetch);
    await settingsItem.set({
      orgId: target.orgId,
      apiToken: 'saved-token-123',
      agentId: 'alice@example.com',
      apiBaseUrl: 'https://api.test',
    });
    // A URL being typed (not saved): the saved token does not go there.
    expect(await testSnapEngage({ apiBaseUrl: 'https://phish.example', orgId: target.orgId })).toEqual({
      ok: false,
      message: 'The saved API token goes only to the URL it was saved with: enter the token for this URL',
    });
    expect(fetch).not.toHaveBeenCalled();
    // A token typed with it does.
    expect(await testSnapEngage({ apiBaseUrl: 'https://other.example', orgId: target.orgId, apiToken: 'typed-token-123' })).toMatchObject({
      ok: true,
    });
    expect(
      (fetch.mock.calls as unknown as [URL, RequestInit][]).map(([u, i]) => [
        new URL(String(u)).origin,
        new Headers(i.headers).get('Authorization'),
      ]),
    ).toEqual([['https://other.example', 'typed-token-123']]);
    // The saved URL: the saved token.
    expect(await testSnapEngage({ apiBaseUrl: 'https://api.test/', orgId: target.orgId })).toMatchObject({ ok: true });
    expect(new Headers((fetch.mock.calls[1] as unknown as [URL, RequestInit])[1].headers).get('Authorization')).toBe('saved-token-123');
    // Never in the clear to another computer, typed or not.
    expect(await testSnapEngage({ apiBaseUrl: 'http://api.example', orgId: target.orgId, apiToken: 'typed-token-123' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^API base URL must start with https:\/\//),
    });
    expect(fetch).toHaveBeenCalledTimes(2);
  });
});
