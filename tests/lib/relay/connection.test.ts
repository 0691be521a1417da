// "Test connection" for the relay on the options page: a throwaway socket to a real websocket
// server, and what the agent is told, in their language. And the live connection's sockets.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { WebSocket, WebSocketServer } from 'ws';
import de from '../../../public/_locales/de/messages.json';
import en from '../../../public/_locales/en/messages.json';
import { createRelayConnection } from '@/lib/relay/connection';
import { settingsItem } from '@/lib/settings/store';
import { speak } from '../../setup-i18n';

let server: WebSocketServer | undefined;
afterEach(async () => {
  speak(en);
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

/** A websocket server that answers the first frame it gets with `answer`. */
async function relayThat(answer: (ws: import('ws').WebSocket) => void): Promise<string> {
  server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  server.on('connection', (ws) => ws.once('message', () => answer(ws)));
  await new Promise((r) => server!.once('listening', r));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** `ws`'s client, behaving as a browser's: a failed connection is an error event then a close, never a throw. */
class BrowserLikeWebSocket extends WebSocket {
  constructor(url: string) {
    super(url);
    this.on('error', () => undefined);
  }
}
const connection = () =>
  createRelayConnection({
    onOutcomes: async () => undefined,
    WebSocketImpl: BrowserLikeWebSocket as unknown as typeof globalThis.WebSocket,
  });

describe('testing the relay connection', () => {
  it('names the agent the relay welcomed', async () => {
    const url = await relayThat((ws) =>
      ws.send(JSON.stringify({ type: 'welcome', agent: 'alice@example.com', latest: 0, generation: 'g', resumed: false })),
    );
    expect(await connection().test({ relayUrl: url, relayToken: 'sb1.x.y' })).toEqual({
      ok: true,
      message: 'Connected to the relay as alice@example.com',
    });
  });

  it('says why it failed, in German too', async () => {
    speak(de);
    const refusing = await relayThat((ws) => ws.close(4401, 'token expired'));
    expect(await connection().test({ relayUrl: refusing, relayToken: 'sb1.x.y' })).toEqual({
      ok: false,
      message: 'Das Relay hat das Token abgelehnt: token expired',
    });
    await new Promise((r) => server!.close(r));
    const other = await relayThat((ws) => ws.send('hello there'));
    expect(await connection().test({ relayUrl: other, relayToken: 'sb1.x.y' })).toEqual({
      ok: false,
      message: 'Diese Adresse hat geantwortet, aber nicht wie ein Switchboard-Relay',
    });
    await new Promise((r) => server!.close(r));
    server = undefined;
    expect(await connection().test({ relayUrl: other, relayToken: 'sb1.x.y' })).toEqual({
      ok: false,
      message: `Das Relay unter ${other}/ws ist nicht erreichbar`,
    });
    expect(await connection().test({ relayUrl: 'not a url', relayToken: 'sb1.x.y' })).toEqual({
      ok: false,
      message: 'Die Relay-URL muss mit wss:// oder https:// beginnen (ws:// oder http:// nur zu diesem Computer), ohne Benutzer:Passwort',
    });
  });

  it('never sends a token in the clear to another computer, nor the saved token to a relay it was not saved for', async () => {
    fakeBrowser.reset();
    let hellos = 0;
    const url = await relayThat((ws) => {
      hellos++;
      ws.send(JSON.stringify({ type: 'welcome', agent: 'alice@example.com', latest: 0, generation: 'g', resumed: false }));
    });
    for (const insecure of ['ws://relay.example.com', 'http://relay.example.com', 'wss://user:pw@relay.example.com']) {
      expect(await connection().test({ relayUrl: insecure, relayToken: 'sb1.x.y' }), insecure).toMatchObject({
        ok: false,
        message: expect.stringMatching(/^Relay URL must start with wss:\/\//),
      });
    }
    // Saved for another relay: the saved token is not offered to this one.
    await settingsItem.set({
      mode: 'relay',
      agentId: 'alice@example.com',
      relayUrl: 'wss://relay.example.com',
      relayToken: 'sb1.saved.token',
    });
    expect(await connection().test({ relayUrl: url })).toEqual({
      ok: false,
      message: 'The saved relay token goes only to the relay it was saved with: paste the token for this relay',
    });
    expect(hellos).toBe(0);
    // Saved for this relay: it is.
    await settingsItem.set({ mode: 'relay', agentId: 'alice@example.com', relayUrl: url, relayToken: 'sb1.saved.token' });
    expect(await connection().test({ relayUrl: `${url}/ws` })).toMatchObject({ ok: true });
    expect(hellos).toBe(1);
  });
});

describe('the live connection', () => {
  /** Records each socket the connection opens; none ever connects (nothing here needs it to). */
  class CountingSocket {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static opened: CountingSocket[] = [];
    readyState = CountingSocket.CONNECTING;
    onopen = null;
    onmessage = null;
    onclose = null;
    constructor(readonly url: string) {
      CountingSocket.opened.push(this);
    }
    close() {
      this.readyState = 3;
    }
  }
  const live = () =>
    createRelayConnection({ onOutcomes: async () => undefined, WebSocketImpl: CountingSocket as unknown as typeof globalThis.WebSocket });
  const settings = (relayUrl: string) => ({
    orgId: '1234567890',
    apiToken: 'token-123456',
    agentId: 'alice@example.com',
    relayUrl,
    relayToken: 'sb1.x.y',
  });

  it('a wake-up that asks twice at once (start + the alarm that woke it) opens one socket', async () => {
    fakeBrowser.reset();
    CountingSocket.opened = [];
    await settingsItem.set(settings('wss://relay.example.com'));
    const relay = live();
    await Promise.all([relay.ensure(), relay.ensure()]);
    expect(CountingSocket.opened.map((s) => s.url)).toEqual(['wss://relay.example.com/ws']);
  });

  it('new settings while a wake-up is still reading the old ones: one socket stays open, to the new relay', async () => {
    fakeBrowser.reset();
    CountingSocket.opened = [];
    await settingsItem.set(settings('wss://old.example.com'));
    const relay = live();
    const waking = relay.ensure();
    await settingsItem.set(settings('wss://new.example.com'));
    await Promise.all([waking, relay.restart()]);
    const open = CountingSocket.opened.filter((s) => s.readyState !== 3).map((s) => s.url);
    expect(open).toEqual(['wss://new.example.com/ws']);
  });
});
