import { describe, expect, it } from 'vitest';
import { isSafeRelayUrl, isSafeUrl } from '../src/safe-url';

describe('where a credential may go', () => {
  it('over TLS anywhere; in the clear only to this machine; never with user:password, a query or a fragment', () => {
    const safe = [
      'https://www.snapengage.com',
      'wss://relay.example.com/ws',
      'http://127.0.0.1:8788',
      'ws://localhost:8787/ws',
      'http://[::1]:1',
    ];
    const unsafe = [
      'http://www.snapengage.com',
      'ws://relay.example.com/ws',
      'http://10.0.0.5:8787',
      'http://127.0.0.1.evil.example',
      'https://user:pw@www.snapengage.com',
      'https://www.snapengage.com/?token=x',
      'wss://relay.example.com/ws#x',
      'ftp://127.0.0.1',
      'javascript:alert(1)',
      'not a url',
    ];
    expect(safe.filter((u) => !isSafeUrl(u))).toEqual([]);
    expect(unsafe.filter(isSafeUrl)).toEqual([]);
  });

  it('a relay websocket: the same rule, ws:// or wss:// only', () => {
    expect(isSafeRelayUrl('wss://relay.example.com/ws')).toBe(true);
    expect(isSafeRelayUrl('https://relay.example.com/ws')).toBe(false);
    expect(isSafeRelayUrl('http://127.0.0.1:8787')).toBe(false);
  });
});
