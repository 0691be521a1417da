import { afterEach, describe, expect, it, vi } from 'vitest';
import de from '../../../public/_locales/de/messages.json';
import en from '../../../public/_locales/en/messages.json';
import { testSnapEngage } from '@/lib/background/connection-test';
import { retryAfterMs, setAgentStatus, checkConnection } from '@/lib/snapengage/agent-status-client';
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
    expect((init.headers as Record<string, string>).Authorization).toBe('secret-token-123');
    expect(JSON.parse(String(init.body))).toEqual({ agentId: 'alice@example.com', status: 'pause', substatus: 'Lunch' });
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
    await expect(setAgentStatus(target, change, AbortSignal.abort())).rejects.toBeDefined();
  });

  it('checkConnection reads the Logs API and changes nothing', async () => {
    const fetch = answer(200, { cases: [] });
    vi.stubGlobal('fetch', fetch);
    expect(await checkConnection(target)).toEqual({ kind: 'ok' });
    const [url, init] = fetch.mock.calls[0] as unknown as [URL, RequestInit];
    expect(String(url)).toMatch(/\/api\/v2\/6418107096367104\/logs\?start=\d{4}-\d\d-\d\d&end=/);
    expect(init.method).toBe('GET');
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});
