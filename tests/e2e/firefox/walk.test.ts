// The core walk in real Firefox ESR (the built .output/firefox-mv3, installed as a temporary add-on
// over WebDriver BiDi), against the real relay behind TLS and the sandbox as SnapEngage.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchFirefoxExtension, type FirefoxLaunched } from '../../../scripts/browser/firefox';
import { FirefoxOptions, FirefoxPopup } from '../../../scripts/browser/firefox-pages';
import type { Sandbox } from '../../../sandbox/server';
import { startRelayAndSandbox, type RelayUnderTest } from '../relay-helpers';
import { startTlsFront, type TlsFront } from './tls-front';

const ALICE = 'alice@example.com';
let sandbox: Sandbox;
let relay: RelayUnderTest;
let front: TlsFront;

const statusRequests = () => sandbox.requests().filter((r) => r.path.endsWith('/agent/status') && r.method === 'POST');

/** Sets the add-on up as a person would, in the options tab it opens itself on install; waits until the popup says the relay is connected. */
async function setUp(ff: FirefoxLaunched): Promise<string> {
  const options = await FirefoxOptions.openedOnInstall(ff);
  await options.fill({
    orgId: sandbox.orgId,
    apiToken: sandbox.apiToken,
    agentId: ALICE,
    apiBaseUrl: sandbox.url,
    relayUrl: `wss://127.0.0.1:${front.port}`,
    relayToken: relay.token(ALICE),
  });
  const saved = await options.save();
  await options.page.close();
  const popup = await FirefoxPopup.open(ff);
  await popup.waitFor('relay', /connected/);
  await popup.page.close();
  return saved;
}

beforeAll(async () => {
  // Pings every second: if websocket traffic kept Firefox's event page alive, these would.
  ({ relay, sandbox } = await startRelayAndSandbox({ pingIntervalMs: 1000 }));
  front = await startTlsFront(relay.port);
});
afterAll(async () => {
  await sandbox?.close();
  await relay?.dispose();
  await front?.close();
});

describe('the core walk in real Firefox (sandbox as SnapEngage, the real relay)', () => {
  let ff: FirefoxLaunched;
  beforeAll(async () => {
    ff = await launchFirefoxExtension();
  });
  afterAll(async () => {
    await ff?.close();
  });

  it('set up in the options tab it opens on install (its privacy link opens the shipped policy): saved, host access granted for just SnapEngage and the relay', async () => {
    const options = await FirefoxOptions.openedOnInstall(ff);
    // The privacy policy of the version installed is one click away.
    const privacy = await options.page.$eval('[data-testid=privacy]', async (a) => [
      (a as HTMLAnchorElement).href,
      (await (await fetch((a as HTMLAnchorElement).href)).text()).split('\n')[0],
    ]);
    expect(privacy).toEqual([`${ff.origin}/privacy.txt`, '# Switchboard privacy policy']);
    expect(await setUp(ff)).toBe('Saved.');
    const popup = await FirefoxPopup.open(ff);
    const granted = await popup.page.evaluate(() => chrome.permissions.getAll());
    expect(granted.origins!.sort()).toEqual([`${new URL(sandbox.url).origin}/*`, `https://127.0.0.1:${front.port}/*`].sort());
    await popup.page.close();
  });

  it('the popup pauses with a reason: SnapEngage receives it once, the popup and badge confirm it', async () => {
    sandbox.clearRequests();
    const popup = await FirefoxPopup.open(ff);
    await popup.pause('Meeting');
    await popup.waitFor('delivery', /Confirmed by SnapEngage/);
    expect(await popup.status()).toBe('Paused: Meeting');
    expect(statusRequests().map((r) => ({ body: r.body, auth: r.headers.authorization }))).toEqual([
      { body: { agentId: ALICE, status: 'pause', substatus: 'Meeting' }, auth: sandbox.apiToken },
    ]);
    expect(sandbox.agentStatus(ALICE)).toMatchObject({ status: 'pause', substatus: 'Meeting' });
    // The badge follows storage from the event page, a moment after the popup does.
    await expect.poll(() => popup.badge()).toEqual({ text: 'II', title: 'Switchboard — Paused: Meeting' });
    await popup.page.close();
  });

  it('a chat assigned in SnapEngage reaches Firefox through the relay as a notification; closed, another', async () => {
    const popup = await FirefoxPopup.open(ff);
    const assigned = await sandbox.fire('assigned', { agent: ALICE, visitorName: 'Sam Visitor', question: 'Where is my order?' });
    expect(assigned.ok).toBe(true);
    const shown = async () => Object.values(await popup.notifications()).map((n) => `${n.title} / ${n.message}`);
    await expect.poll(shown, { timeout: 15_000 }).toEqual(['New chat: Sam Visitor / Where is my order?']);
    await popup.waitFor('open-chats', /Sam Visitor/);
    await sandbox.fire('closed', { agent: ALICE });
    // Firefox closes its own alerts after ~20 s, so only the new one is certain to be showing still.
    const closed = async () => (await shown()).filter((n) => n.startsWith('Chat closed'));
    await expect.poll(closed, { timeout: 15_000 }).toEqual([expect.stringMatching(/^Chat closed: Sam Visitor \/ Lasted \d/)]);
    await popup.page.close();
  });

  it('a status change made in SnapEngage moves the open popup and the badge', async () => {
    const popup = await FirefoxPopup.open(ff);
    await sandbox.changeStatusInHub(ALICE, 'pause', 'Break');
    await popup.waitFor('status', /^Paused: Break$/);
    await expect.poll(() => popup.badge()).toEqual({ text: 'II', title: 'Switchboard — Paused: Break' });
    await sandbox.changeStatusInHub(ALICE, 'online');
    await popup.waitFor('status', /^Online$/);
    await expect.poll(() => popup.badge()).toMatchObject({ text: 'ON' });
    await popup.page.close();
  });
});

describe('Firefox stops the idle event page (extensions.background.idle.timeout)', () => {
  let ff: FirefoxLaunched;
  beforeAll(async () => {
    // Firefox's default is 30 s, the keep-alive alarm's period too; 2 s lets the test see a stop
    // without waiting for one. What stops it and what wakes it is the same at any timeout.
    ff = await launchFirefoxExtension({ prefs: { 'extensions.background.idle.timeout': 2000 } });
    await setUp(ff);
  });
  afterAll(async () => {
    await ff?.close();
  });

  it("the relay's pings do not keep it alive; a chat assigned while it is stopped is notified once it wakes (by the 30 s alarm at the latest)", async () => {
    // No extension tab is open now: nothing but the websocket and its pings (every second) could keep it running.
    await expect.poll(async () => (await ff.backgroundState()).state, { timeout: 15_000 }).toBe('stopped');
    const stoppedAt = Date.now();
    const assigned = await sandbox.fire('assigned', { agent: ALICE, visitorName: 'Idle Ida', question: 'Anyone there?' });
    expect(assigned.ok).toBe(true);
    // The options page sends the event page nothing when it opens, so reading from it wakes nothing.
    const reader = await ff.open('options.html');
    const shown = async () => {
      const all = (await reader.evaluate(async () => chrome.notifications.getAll())) as Record<string, { title: string; message: string }>;
      return Object.values(all).map((n) => `${n.title} / ${n.message}`);
    };
    await expect.poll(shown, { timeout: 45_000, interval: 250 }).toEqual(['New chat: Idle Ida / Anyone there?']);
    console.log(
      `firefox: event page stopped; the chat assigned meanwhile was notified ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s later`,
    );
  });
});
