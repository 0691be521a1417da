import { afterEach, describe, expect, it, vi } from 'vitest';
import de from '../../../public/_locales/de/messages.json';
import en from '../../../public/_locales/en/messages.json';
import { setStatusViaRelay } from '@/lib/relay/status-client';
import { sendStatus } from '@/lib/status/sender';
import { parseSettings, type Settings } from '@/lib/settings/schema';
import { speak } from '../../setup-i18n';

const relay = { relayUrl: 'wss://relay.example.com/ws', relayToken: 'sb1.alice.token' };
const pause = { status: 'pause' as const, substatus: 'Lunch' };

function answer(status: number, body: unknown, headers: Record<string, string> = {}) {
  return vi.fn(async (_url: string, _init: RequestInit) => new Response(JSON.stringify(body), { status, headers }));
}

afterEach(() => {
  vi.unstubAllGlobals();
  speak(en);
});

describe('relay mode: the status goes through the relay', () => {
  it('POSTs /api/status on the relay with the relay token as Bearer, naming no agent', async () => {
    const fetch = answer(200, { outcome: 'confirmed' });
    vi.stubGlobal('fetch', fetch);
    expect(await setStatusViaRelay(relay, { ...pause, agentId: 'bob@example.com' } as typeof pause)).toEqual({ kind: 'ok' });
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('https://relay.example.com/api/status');
    expect(new Headers(init.headers).get('Authorization')).toBe('Bearer sb1.alice.token');
    // The agent is the relay token's: the body names only the status.
    expect(JSON.parse(String(init.body))).toEqual({ status: 'pause', substatus: 'Lunch' });
  });

  it('each outcome means what it means in direct mode, with the relay named where the relay is at fault', async () => {
    const cases: [number, unknown, Record<string, string>, unknown][] = [
      [
        502,
        { outcome: 'rejected', httpStatus: 401 },
        {},
        { kind: 'rejected', message: "SnapEngage rejected the relay's API token — tell IT" },
      ],
      [
        422,
        { outcome: 'invalid', httpStatus: 404, detail: 'no such agent' },
        {},
        { kind: 'invalid', httpStatus: 404, message: 'SnapEngage does not know this org id or agent: no such agent' },
      ],
      [
        429,
        { outcome: 'retry', reason: 'throttled', httpStatus: 429, retryAfterSeconds: 7 },
        { 'Retry-After': '7' },
        { kind: 'retry', retryAfterMs: 7000 },
      ],
      [503, { outcome: 'retry', reason: 'timeout' }, {}, { kind: 'retry', reason: 'timeout' }],
      [401, { error: 'token revoked' }, {}, { kind: 'rejected', message: 'The relay refused the token: token revoked' }],
      [401, {}, {}, { kind: 'rejected', message: 'The relay rejected the relay token' }],
      [404, { error: 'relay mode is off' }, {}, { kind: 'invalid', message: expect.stringMatching(/relay mode is off there/) }],
      [502, 'Bad gateway', {}, { kind: 'retry', reason: 'server', message: 'The relay answered HTTP 502 — will retry' }],
    ];
    for (const [status, body, headers, expected] of cases) {
      vi.stubGlobal('fetch', answer(status, body, headers));
      expect(await setStatusViaRelay(relay, pause), `${status} ${JSON.stringify(body)}`).toMatchObject(expected as object);
    }
  });

  it('says in German that SnapEngage refused the relay’s token', async () => {
    speak(de);
    vi.stubGlobal('fetch', answer(502, { outcome: 'rejected', httpStatus: 403 }));
    expect(await setStatusViaRelay(relay, pause)).toMatchObject({
      message: 'SnapEngage hat das API-Token des Relays abgelehnt — bitte der IT melden',
    });
  });

  it('an unreachable relay is worth retrying', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Promise.reject(new TypeError('fetch failed'))),
    );
    expect(await setStatusViaRelay(relay, pause)).toEqual({
      kind: 'retry',
      reason: 'network',
      message: 'Could not reach the relay at https://relay.example.com — will retry',
    });
  });

  it('the sender sends by mode: the relay in relay mode (no API token anywhere), SnapEngage itself in direct mode', async () => {
    const fetch = answer(200, { outcome: 'confirmed' });
    vi.stubGlobal('fetch', fetch);
    const settings = (raw: Record<string, unknown>) => {
      const r = parseSettings(raw);
      if (!r.ok) throw new Error(JSON.stringify(r.errors));
      return r.settings as Settings;
    };
    await sendStatus(settings({ mode: 'relay', agentId: 'alice@example.com', ...relay }), { agentId: 'alice@example.com', ...pause });
    await sendStatus(
      settings({
        orgId: '6418107096367104',
        apiToken: 'direct-token-123',
        agentId: 'alice@example.com',
        apiBaseUrl: 'https://api.example.com',
        statusRequest: { path: '/v3/{orgId}/presence' },
      }),
      { agentId: 'alice@example.com', ...pause },
    );
    expect(fetch.mock.calls.map(([url]) => String(url))).toEqual([
      'https://relay.example.com/api/status',
      'https://api.example.com/v3/6418107096367104/presence',
    ]);
  });
});
