import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { badge } from '../../scripts/browser/fixtures';
import { PopupPage } from '../../scripts/browser/pages';
import { connectedExtensionPerTest, notificationTitles, notifications } from './relay-helpers';

const ALICE = 'alice@example.com';
const suite = connectedExtensionPerTest(ALICE);
const titles = () => notificationTitles(suite.ext);

describe('chat notifications through the real relay (real Chromium, sandbox as SnapEngage)', () => {
  it('assigned → "New chat" naming the visitor; closed → "Chat closed" with its duration; the popup lists open chats', async () => {
    const assigned = await suite.sandbox.fire('assigned', { agent: ALICE, visitorName: 'Sam Visitor', question: 'Where is my order?' });
    expect(assigned.ok).toBe(true);
    await expect.poll(titles, { timeout: 15_000 }).toEqual(['New chat: Sam Visitor']);
    const shown = Object.values(await notifications(suite.ext))[0]!;
    expect(shown.message).toBe('Where is my order?');

    const popup = await PopupPage.open(suite.ext);
    await popup.page.getByTestId('open-chats').filter({ hasText: 'Sam Visitor' }).waitFor();
    await popup.page.close();

    await suite.sandbox.fire('closed', { agent: ALICE });
    await expect.poll(titles, { timeout: 15_000 }).toEqual(['Chat closed: Sam Visitor', 'New chat: Sam Visitor']);
    const closed = Object.values(await notifications(suite.ext)).find((n) => n.title.startsWith('Chat closed'))!;
    expect(closed.message).toMatch(/^Lasted \d/);

    // Today's numbers come from the relay's stored events.
    await suite.sandbox.fire('assigned', { agent: ALICE, visitorName: 'Kim', question: 'Can I change my delivery address?' });
    const after = await PopupPage.open(suite.ext);
    await after.page.getByTestId('open-chats').filter({ hasText: 'Kim' }).waitFor({ timeout: 15_000 });
    await after.pause('Lunch');
    await after.waitForDelivery('Confirmed by SnapEngage');
    await after.page.getByText('Today').click();
    await after.page
      .getByTestId('today-numbers')
      .filter({ hasText: /Chats handled\s*[1-9]/ })
      .waitFor();
    // What the popup looked like, for a person reading a failed run (test-results/ is not tracked;
    // the README's picture is made on purpose, by `npm run screenshots`).
    mkdirSync(resolve(import.meta.dirname, '../../test-results'), { recursive: true });
    await after.page.locator('main').screenshot({ path: resolve(import.meta.dirname, '../../test-results/popup.png') });
  });

  it('a duplicate delivery is notified once; Bob’s chats never reach Alice', async () => {
    await suite.sandbox.fire('assigned', { agent: ALICE, visitorName: 'Dee', duplicate: true });
    await suite.sandbox.fire('assigned', { agent: 'bob@example.com', visitorName: 'Not for Alice' });
    await expect.poll(titles, { timeout: 15_000 }).toEqual(['New chat: Dee']);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await titles()).toEqual(['New chat: Dee']);
  });

  it('a status change made in SnapEngage moves the popup and badge', async () => {
    await suite.sandbox.changeStatusInHub(ALICE, 'pause', 'Meeting');
    const popup = await PopupPage.open(suite.ext);
    await popup.page.getByTestId('status').filter({ hasText: 'Paused: Meeting' }).waitFor({ timeout: 15_000 });
    await expect
      .poll(async () => badge(suite.ext))
      .toMatchObject({ text: 'II', title: expect.stringContaining('Switchboard — Paused: Meeting') });
  });

  it('relay restarted while connected, events fired during the gap → each notified once after reconnecting', async () => {
    const port = suite.relay.port;
    await suite.relay.stop();
    const fired = Promise.all([
      suite.sandbox.fire('assigned', { agent: ALICE, visitorName: 'Gap One' }),
      suite.sandbox.fire('assigned', { agent: ALICE, visitorName: 'Gap Two' }),
    ]);
    await new Promise((r) => setTimeout(r, 1500)); // the sandbox keeps retrying, like SnapEngage
    await suite.relay.start(port);
    const results = await fired;
    expect(results.every((r) => r.ok)).toBe(true);
    await expect.poll(titles, { timeout: 20_000 }).toEqual(['New chat: Gap One', 'New chat: Gap Two']);
    const state = await (await suite.ext.worker()).evaluate(
      async () => (await chrome.storage.local.get('relay')).relay as { notified: string[] },
    );
    expect(new Set(state.notified).size).toBe(state.notified.length);
  });
});
