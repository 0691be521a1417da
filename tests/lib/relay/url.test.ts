import { expect, it } from 'vitest';
import { relayHttpBase, relayWebSocketUrl } from '@/lib/relay/url';

it('whatever the agent pastes, the websocket is ws(s)://…/ws and the HTTP base has no /ws', () => {
  for (const pasted of [
    'wss://relay.example.com',
    'wss://relay.example.com/ws',
    'https://relay.example.com/',
    'https://relay.example.com',
  ]) {
    expect(relayWebSocketUrl(pasted), pasted).toBe('wss://relay.example.com/ws');
    expect(relayHttpBase(pasted), pasted).toBe('https://relay.example.com');
  }
  expect(relayWebSocketUrl('http://127.0.0.1:8787')).toBe('ws://127.0.0.1:8787/ws');
  expect(relayHttpBase('ws://127.0.0.1:8787/ws?x=1')).toBe('http://127.0.0.1:8787');
  // A relay behind a path prefix keeps it.
  expect(relayHttpBase('wss://example.com/switchboard/ws')).toBe('https://example.com/switchboard');
  expect(relayWebSocketUrl('wss://example.com/switchboard/ws')).toBe('wss://example.com/switchboard/ws');
});
