// A setup code pasted on the options page: checked by connecting to a real websocket server standing
// in for the relay, then saved as relay mode; every way it can fail says so, and saves nothing.
import type { AddressInfo } from 'node:net';
import { encodeSetupCode } from '@switchboard/protocol/setup-code';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { WebSocket, WebSocketServer } from 'ws';
import de from '../../../public/_locales/de/messages.json';
import en from '../../../public/_locales/en/messages.json';
import { applySetupCode } from '@/lib/background/setup-code';
import { createRelayConnection } from '@/lib/relay/connection';
import { settingsItem } from '@/lib/settings/store';
import { speak } from '../../setup-i18n';

let server: WebSocketServer | undefined;
const hellos: Array<{ token: string }> = [];

beforeEach(() => {
  fakeBrowser.reset();
  hellos.length = 0;
});
afterEach(async () => {
  speak(en);
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

/** A relay stand-in: answers each hello with `answer`. Its URL as a setup code carries it. */
async function relayThat(answer: (ws: import('ws').WebSocket, hello: { token: string }) => void): Promise<string> {
  server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  server.on('connection', (ws) =>
    ws.once('message', (data) => {
      const hello = JSON.parse(String(data)) as { token: string };
      hellos.push(hello);
      answer(ws, hello);
    }),
  );
  await new Promise((r) => server!.once('listening', r));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
}
const welcome = (agent: string) => (ws: import('ws').WebSocket) =>
  ws.send(JSON.stringify({ type: 'welcome', agent, latest: 0, generation: 'g', resumed: false }));

class BrowserLikeWebSocket extends WebSocket {
  constructor(url: string) {
    super(url);
    this.on('error', () => undefined);
  }
}
const { probe } = createRelayConnection({
  onOutcomes: async () => undefined,
  WebSocketImpl: BrowserLikeWebSocket as unknown as typeof globalThis.WebSocket,
});
const TOKEN = 'sb1.alice-relay-token.sig';
const codeFor = (relay: string, agent = 'alice@example.com') => encodeSetupCode({ v: 1, relay, token: TOKEN, agent });

describe('setting up with a code from IT', () => {
  it('connects, and only when the relay welcomes the code’s agent saves relay mode, relay, token and email — and no API token', async () => {
    await settingsItem.set({
      orgId: '6418107096367104',
      apiToken: 'account-api-token-123',
      agentId: 'old@example.com',
      substatuses: ['Lunch', 'Training'],
    });
    const relay = await relayThat(welcome('alice@example.com'));
    // Pasted from a mail that wrapped it.
    const pasted = codeFor(relay).replace(/(.{30})/g, '$1\n  ');
    expect(await applySetupCode(pasted, probe)).toEqual({ ok: true, message: 'Set up: connected to the relay as alice@example.com' });
    expect(hellos).toEqual([expect.objectContaining({ token: TOKEN })]);
    const stored = await settingsItem.get();
    expect(stored).toMatchObject({
      mode: 'relay',
      relayUrl: relay,
      relayToken: TOKEN,
      agentId: 'alice@example.com',
      substatuses: ['Lunch', 'Training'],
    });
    expect(JSON.stringify(await fakeBrowser.storage.local.get())).not.toContain('account-api-token-123');
    expect(stored).not.toHaveProperty('orgId');
  });

  it('says what is wrong with a paste that is not a good code, without connecting', async () => {
    const relay = await relayThat(welcome('alice@example.com'));
    const code = codeFor(relay);
    expect(await applySetupCode('sb1.just-a-relay-token', probe)).toEqual({
      ok: false,
      message: 'That is not a Switchboard setup code: a setup code starts with sbsetup1.',
    });
    expect(await applySetupCode(code.slice(0, -7), probe)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/damaged|not valid/),
    });
    expect(await applySetupCode('sbsetup1.!!!', probe)).toEqual({
      ok: false,
      message: 'The setup code is damaged: copy it again, all of it',
    });
    const insecure = `sbsetup1.${Buffer.from(JSON.stringify({ v: 1, relay: 'ws://relay.example.com/ws', token: TOKEN, agent: 'a@b.co' })).toString('base64url')}`;
    expect(await applySetupCode(insecure, probe)).toEqual({ ok: false, message: 'The setup code is not valid: ask IT for a new one' });
    speak(de);
    expect(await applySetupCode('hello', probe)).toEqual({
      ok: false,
      message: 'Das ist kein Switchboard-Einrichtungscode: ein Einrichtungscode beginnt mit sbsetup1.',
    });
    expect(hellos).toEqual([]);
    expect(await settingsItem.get()).toBeUndefined();
  });

  it('a relay that refuses the token, one that cannot be reached, or one that knows the token as someone else: said, nothing saved', async () => {
    const refusing = await relayThat((ws) => ws.close(4401, 'token revoked'));
    expect(await applySetupCode(codeFor(refusing), probe)).toEqual({
      ok: false,
      message: 'The relay refused this setup code (token revoked): ask IT for a new one',
    });
    await new Promise((r) => server!.close(r));
    server = undefined;
    expect(await applySetupCode(codeFor(refusing), probe)).toEqual({
      ok: false,
      message: `Could not reach the relay at ${refusing.replace(/^ws/, 'http').replace(/\/ws$/, '')}: check your network, or tell IT`,
    });
    const bobs = await relayThat(welcome('bob@example.com'));
    expect(await applySetupCode(codeFor(bobs), probe)).toEqual({
      ok: false,
      message: 'This code is for alice@example.com, but the relay knows its token as bob@example.com: ask IT for a new one',
    });
    expect(await settingsItem.get()).toBeUndefined();
  });

  it('the team’s policy wins: no code in a direct-mode team, none for another relay than the policy’s', async () => {
    const relay = await relayThat(welcome('alice@example.com'));
    await fakeBrowser.storage.managed.set({ mode: 'direct' });
    expect(await applySetupCode(codeFor(relay), probe)).toEqual({
      ok: false,
      message: 'Your organization set Switchboard to direct mode: a setup code does not apply',
    });
    await fakeBrowser.storage.managed.set({ mode: 'relay', relayUrl: 'wss://relay.example.com' });
    expect(await applySetupCode(codeFor(relay), probe)).toEqual({
      ok: false,
      message: "This code is for another relay than your organization's (wss://relay.example.com): ask IT for a new one",
    });
    expect(hellos).toEqual([]);
    // The policy's relay, written another way, is the same relay.
    await fakeBrowser.storage.managed.set({ relayUrl: relay.replace(/^ws:/, 'http:').replace(/\/ws$/, '') });
    expect(await applySetupCode(codeFor(relay), probe)).toMatchObject({ ok: true });
  });
});
