import { afterEach, describe, expect, it } from 'vitest';
import de from '../../../public/_locales/de/messages.json';
import en from '../../../public/_locales/en/messages.json';
import { speak } from '../../setup-i18n';
import { quickPauseReason } from '@/lib/settings/quick-pause';
import { maskToken, parseSettings } from '@/lib/settings/schema';

const good = { orgId: '6418107096367104', apiToken: 'abcdef123456', agentId: 'alice@example.com' };

describe('settings schema', () => {
  it('fills sensible defaults', () => {
    const r = parseSettings(good);
    expect(r.ok && r.settings).toMatchObject({
      apiBaseUrl: 'https://www.snapengage.com',
      substatuses: ['Lunch', 'Break', 'Meeting', 'On a call'],
      notify: { assigned: true, closed: true },
    });
  });

  it('rejects bad values with a message a person understands, per field', () => {
    const r = parseSettings({ orgId: 'abc', apiToken: 'x', agentId: 'alice', apiBaseUrl: 'ftp://x' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.orgId).toMatch(/long number/);
    expect(r.errors.apiToken).toMatch(/too short/);
    expect(r.errors.agentId).toMatch(/email/);
    expect(r.errors.apiBaseUrl).toMatch(/http/);
  });

  it('says "Required" for a missing field', () => {
    const r = parseSettings({ orgId: '6418107096367104' });
    expect(!r.ok && r.errors.apiToken).toBe('Required');
  });

  it('refuses duplicate or empty pause reasons and a quick-pause reason not in the list', () => {
    expect(parseSettings({ ...good, substatuses: ['Lunch', 'lunch'] })).toMatchObject({
      ok: false,
      errors: { substatuses: expect.stringMatching(/different/) },
    });
    expect(parseSettings({ ...good, substatuses: ['  '] })).toMatchObject({
      ok: false,
      errors: { substatuses: expect.stringMatching(/empty/) },
    });
    expect(parseSettings({ ...good, quickPauseSubstatus: 'Nap' })).toMatchObject({
      ok: false,
      errors: { quickPauseSubstatus: expect.stringMatching(/one of your pause reasons/) },
    });
  });

  describe('in German', () => {
    afterEach(() => speak(en));
    it("says every problem in the browser's language, nested fields included", () => {
      speak(de);
      const r = parseSettings({
        orgId: 'abc',
        agentId: 'alice',
        apiBaseUrl: 'ftp://x',
        substatuses: ['Lunch', 'lunch'],
        relayUrl: 'relay.example.com',
        autoPause: { enabled: true, minutes: 0 },
      });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.errors).toEqual({
        orgId: 'Die Org-ID ist die lange Zahl, die SnapEngage unter My Account → API zeigt',
        apiToken: 'Pflichtfeld',
        agentId: 'Geben Sie die E-Mail-Adresse ein, mit der Sie sich bei SnapEngage anmelden',
        apiBaseUrl: 'Die API-Basis-URL muss mit https:// beginnen (http:// nur zu diesem Computer), ohne Benutzer:Passwort',
        substatuses: 'Die Pausengründe müssen sich voneinander unterscheiden',
        relayUrl:
          'Die Relay-URL muss mit wss:// oder https:// beginnen (ws:// oder http:// nur zu diesem Computer), ohne Benutzer:Passwort',
        autoPause: 'Mindestens 1 Minute',
      });
    });
  });

  it('needs a relay token when a relay URL is set, and a ws/http URL', () => {
    expect(parseSettings({ ...good, relayUrl: 'ws://127.0.0.1:8787' })).toMatchObject({
      ok: false,
      errors: { relayToken: expect.any(String) },
    });
    expect(parseSettings({ ...good, relayUrl: 'relay.example.com' })).toMatchObject({
      ok: false,
      errors: { relayUrl: expect.any(String) },
    });
    expect(parseSettings({ ...good, relayUrl: 'wss://relay.example.com', relayToken: 'sb1.x.y' }).ok).toBe(true);
  });

  it('takes tokens only over TLS, except to this computer, and never in a URL', () => {
    const ok = (v: Record<string, unknown>) => parseSettings({ ...good, ...v }).ok;
    expect(ok({ apiBaseUrl: 'https://www.snapengage.com' })).toBe(true);
    expect(ok({ apiBaseUrl: 'http://127.0.0.1:8788' })).toBe(true);
    expect(ok({ apiBaseUrl: 'http://localhost:8788' })).toBe(true);
    expect(ok({ apiBaseUrl: 'http://www.snapengage.com' })).toBe(false);
    expect(ok({ apiBaseUrl: 'https://user:secret@www.snapengage.com' })).toBe(false);
    expect(ok({ apiBaseUrl: 'https://www.snapengage.com/?token=x' })).toBe(false);
    const relay = (relayUrl: string) => ok({ relayUrl, relayToken: 'sb1.x.y' });
    expect(['wss://relay.example.com', 'https://relay.example.com/ws', 'ws://127.0.0.1:8787', 'http://[::1]:8787'].map(relay)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(
      ['ws://relay.example.com', 'http://10.0.0.5:8787', 'wss://u:p@relay.example.com', 'wss://relay.example.com/ws#x'].map(relay),
    ).toEqual([false, false, false, false]);
  });

  it('relay mode: no API token and no org id needed, relay URL, relay token and email required; an API token refused', () => {
    const relay = { mode: 'relay', agentId: 'alice@example.com', relayUrl: 'wss://relay.example.com', relayToken: 'sb1.x.y' };
    const r = parseSettings(relay);
    expect(r.ok && r.settings).toMatchObject({ mode: 'relay', relayUrl: 'wss://relay.example.com', substatuses: expect.any(Array) });
    // An API token (or org id) beside relay mode is not taken along: the settings in effect have none.
    const withToken = parseSettings({ ...relay, apiToken: 'abcdef123456', orgId: '6418107096367104' });
    expect(withToken.ok && withToken.settings).not.toHaveProperty('apiToken');
    expect(withToken.ok && withToken.settings).not.toHaveProperty('orgId');
    expect(parseSettings({ mode: 'relay', agentId: 'alice@example.com' })).toMatchObject({
      ok: false,
      errors: { relayUrl: 'Required', relayToken: 'Required' },
    });
    // A record saved before modes existed is direct mode, as it was.
    const old = parseSettings(good);
    expect(old.ok && old.settings.mode).toBe('direct');
  });

  it('takes an Agent Status request override only in the shape protocol allows', () => {
    expect(parseSettings({ ...good, statusRequest: { path: '/v3/{orgId}/presence', auth: 'bearer' } }).ok).toBe(true);
    // Each part's message is beside its own input on the options page.
    expect(parseSettings({ ...good, statusRequest: { path: '//evil.example/{orgId}', statusField: 'a b' } })).toEqual({
      ok: false,
      errors: {
        'statusRequest.path': 'A path below the API base: one leading /, containing {orgId}',
        'statusRequest.statusField': 'A plain field name: letters, digits, _ . -',
      },
    });
  });

  it('migrates the old agentEmail key', () => {
    const r = parseSettings({ orgId: good.orgId, apiToken: good.apiToken, agentEmail: 'bob@example.com' });
    expect(r.ok && r.settings.agentId).toBe('bob@example.com');
  });

  it('quick pause uses the chosen reason, else the first', () => {
    const a = parseSettings({ ...good, substatuses: ['Break', 'Lunch'], quickPauseSubstatus: 'Lunch' });
    const b = parseSettings({ ...good, substatuses: ['Break', 'Lunch'] });
    expect(a.ok && quickPauseReason(a.settings)).toBe('Lunch');
    expect(b.ok && quickPauseReason(b.settings)).toBe('Break');
  });

  it('masks a token, never showing it whole', () => {
    expect(maskToken('sandbox-token-0123456789abcdef')).toBe('sand••••••••');
    expect(maskToken('abc')).not.toContain('abc');
  });
});
