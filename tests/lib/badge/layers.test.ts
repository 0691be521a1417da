import { afterEach, describe, expect, it } from 'vitest';
import de from '../../../public/_locales/de/messages.json';
import en from '../../../public/_locales/en/messages.json';
import { badgeFor } from '@/lib/badge/layers';
import { speak } from '../../setup-i18n';

const confirmed = (status: 'online' | 'pause', substatus?: string) => ({ phase: 'confirmed' as const, status, substatus, since: 0 });

describe('badge layers', () => {
  it('shows the status colour and says it in words', () => {
    expect(badgeFor({ setupMissing: false, status: confirmed('online'), relay: 'connected' })).toMatchObject({
      layer: 'online',
      text: 'ON',
      title: 'Switchboard — Online',
    });
    expect(badgeFor({ setupMissing: false, status: confirmed('pause', 'Lunch'), relay: 'off' })).toMatchObject({
      layer: 'pause',
      title: 'Switchboard — Paused: Lunch',
    });
  });
  it('pending beats the status colour', () => {
    const b = badgeFor({
      setupMissing: false,
      status: { phase: 'pending', status: 'pause', substatus: 'Lunch', message: 'SnapEngage is unreachable — will retry' },
      relay: 'connected',
    });
    expect(b).toMatchObject({ layer: 'pending', text: '…' });
    expect(b.title).toContain('SnapEngage is unreachable');
  });
  it('errors beat everything but missing setup', () => {
    const failed = { phase: 'failed' as const, status: 'pause' as const, message: 'SnapEngage rejected the API token' };
    expect(badgeFor({ setupMissing: false, status: failed, relay: 'reconnecting' })).toMatchObject({ layer: 'error', text: '!' });
    expect(badgeFor({ setupMissing: false, status: confirmed('online'), relay: 'rejected' })).toMatchObject({ layer: 'error' });
    expect(badgeFor({ setupMissing: true, status: failed, relay: 'off' })).toMatchObject({ layer: 'setup', text: '?' });
  });
  it('a lost relay shows above the status colour and counts open chats', () => {
    expect(badgeFor({ setupMissing: false, status: confirmed('online'), relay: 'reconnecting', openChats: 2 })).toMatchObject({
      layer: 'relay-down',
    });
    expect(badgeFor({ setupMissing: false, status: confirmed('online'), relay: 'connected', openChats: 2 }).title).toBe(
      'Switchboard — Online · 2 open chats',
    );
    expect(badgeFor({ setupMissing: false, status: confirmed('online'), relay: 'connected', openChats: 1 }).title).toBe(
      'Switchboard — Online · 1 open chat',
    );
    expect(badgeFor({ setupMissing: false, status: confirmed('pause', 'Lunch'), relay: 'reconnecting', openChats: 1 }).title).toBe(
      'Switchboard — Paused: Lunch · 1 open chat; relay connection lost, reconnecting (chat alerts paused)',
    );
  });
  describe('in German', () => {
    afterEach(() => speak(en));
    it("says every layer in the browser's language", () => {
      speak(de);
      expect(badgeFor({ setupMissing: false, status: confirmed('pause', 'Mittag'), relay: 'connected', openChats: 2 }).title).toBe(
        'Switchboard — Pausiert: Mittag · 2 offene Chats',
      );
      expect(badgeFor({ setupMissing: true, status: confirmed('online'), relay: 'off' }).title).toMatch(
        /^Switchboard — nicht eingerichtet/,
      );
      expect(badgeFor({ setupMissing: false, status: { phase: 'pending', status: 'online' }, relay: 'off' }).title).toBe(
        'Switchboard — Wechsel zu Online…',
      );
      expect(badgeFor({ setupMissing: false, status: { phase: 'failed', status: 'online' }, relay: 'off' }).title).toBe(
        'Switchboard — Wechsel zu Online fehlgeschlagen: Grund unbekannt',
      );
      expect(badgeFor({ setupMissing: false, status: confirmed('online'), relay: 'rejected' }).title).toBe(
        'Switchboard — Das Relay hat das Relay-Token abgelehnt',
      );
      expect(badgeFor({ setupMissing: false, status: confirmed('online'), relay: 'reconnecting' }).title).toMatch(
        /Verbindung zum Relay verloren/,
      );
      expect(badgeFor({ setupMissing: false, status: { phase: 'unknown', status: null }, relay: 'off' }).title).toBe(
        'Switchboard — Status unbekannt: Wählen Sie Online oder Pause',
      );
    });
  });
});
