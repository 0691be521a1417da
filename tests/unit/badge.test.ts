import { describe, expect, it } from 'vitest';
import { badgeFor } from '@/lib/badge/layers';

const confirmed = (status: 'online' | 'pause', substatus?: string) => ({ phase: 'confirmed' as const, status, substatus, since: 0 });

describe('badge layers', () => {
  it('shows the status colour and says it in words', () => {
    expect(badgeFor({ setupMissing: false, status: confirmed('online'), relay: 'connected' })).toMatchObject({ layer: 'online', text: 'ON', title: 'Switchboard — Online' });
    expect(badgeFor({ setupMissing: false, status: confirmed('pause', 'Lunch'), relay: 'off' })).toMatchObject({ layer: 'pause', title: 'Switchboard — Paused: Lunch' });
  });
  it('pending beats the status colour', () => {
    const b = badgeFor({ setupMissing: false, status: { phase: 'pending', status: 'pause', substatus: 'Lunch', message: 'SnapEngage is unreachable — will retry' }, relay: 'connected' });
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
    expect(badgeFor({ setupMissing: false, status: confirmed('online'), relay: 'reconnecting', openChats: 2 })).toMatchObject({ layer: 'relay-down' });
    expect(badgeFor({ setupMissing: false, status: confirmed('online'), relay: 'connected', openChats: 2 }).title).toContain('2 open chats');
  });
});
