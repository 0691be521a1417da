// The MV3 service worker stopped mid-stream (as Chromium does when idle): events that arrive
// while it is stopped are notified exactly once after it wakes. See stop-worker.ts for how the
// worker is stopped without Playwright keeping it alive.
import { describe, expect, it } from 'vitest';
import { PopupPage } from '../../scripts/browser/pages';
import { connectedExtensionPerTest, notificationTitles } from './relay-helpers';
import { stopWorker, workerStatus } from '../../scripts/browser/stop-worker';

const ALICE = 'alice@example.com';
const suite = connectedExtensionPerTest(ALICE);
const titles = () => notificationTitles(suite.ext);

describe('MV3 worker stopped mid-stream (real Chromium)', () => {
  it('events fired while the worker is stopped are notified once after it wakes', async () => {
    await suite.sandbox.fire('assigned', { agent: ALICE, visitorName: 'Before Stop' });
    await expect.poll(titles, { timeout: 15_000 }).toEqual(['New chat: Before Stop']);

    // Its keep-alive alarm fires 30 s after the worker started, and a slow machine can take that long
    // to get here: cleared, so only the popup below can wake it (a worker start sets the alarms again).
    await (await suite.ext.worker()).evaluate(() => chrome.alarms.clearAll());
    await stopWorker(suite.ext);
    expect(await workerStatus(suite.ext)).toBe('stopped');
    const fired = await Promise.all([
      suite.sandbox.fire('assigned', { agent: ALICE, visitorName: 'While Stopped One' }),
      suite.sandbox.fire('assigned', { agent: ALICE, visitorName: 'While Stopped Two' }),
    ]);
    expect(fired.every((r) => r.ok)).toBe(true); // the relay stored them
    await new Promise((r) => setTimeout(r, 1000));
    // Nothing woke it: no socket, no alarm.
    expect(await workerStatus(suite.ext)).toBe('stopped');

    // Wake it the way a person does: open the popup (it messages the worker).
    const popup = await PopupPage.open(suite.ext);
    await popup.page.getByTestId('relay').filter({ hasText: 'connected' }).waitFor({ timeout: 15_000 });
    await expect
      .poll(titles, { timeout: 20_000 })
      .toEqual(['New chat: Before Stop', 'New chat: While Stopped One', 'New chat: While Stopped Two']);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await titles()).toEqual(['New chat: Before Stop', 'New chat: While Stopped One', 'New chat: While Stopped Two']);
    const state = await (await suite.ext.worker()).evaluate(
      async () => (await chrome.storage.local.get('relay')).relay as { notified: string[] },
    );
    expect(new Set(state.notified).size).toBe(state.notified.length);
  });
});
