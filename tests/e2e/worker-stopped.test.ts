// The MV3 service worker stopped mid-stream (as Chromium does when idle): events that arrive
// while it is stopped are notified exactly once after it wakes. See stop-worker.ts for how the
// worker is stopped without Playwright keeping it alive.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../sandbox/server';
import { launchExtension, type Launched } from './fixtures';
import { PopupPage } from './pages';
import { notifications, setUpConnected, startRelayAndSandbox, type RelayUnderTest } from './relay-helpers';
import { stopWorker, workerStatus } from './stop-worker';

let sandbox: Sandbox;
let relay: RelayUnderTest;
let ext: Launched;
const ALICE = 'alice@example.com';

beforeAll(async () => {
  ({ relay, sandbox } = await startRelayAndSandbox());
});
afterAll(async () => {
  await sandbox.close();
  await relay.dispose();
});
beforeEach(async () => {
  ext = await launchExtension();
  await setUpConnected(ext, sandbox, relay, ALICE);
});
afterEach(async () => {
  await ext.close();
});

const titles = async () => Object.values(await notifications(ext)).map((n) => n.title).sort();

describe('MV3 worker stopped mid-stream (real Chromium)', () => {
  it('events fired while the worker is stopped are notified once after it wakes', async () => {
    await sandbox.fire('assigned', { agent: ALICE, visitorName: 'Before Stop' });
    await expect.poll(titles, { timeout: 15_000 }).toEqual(['New chat: Before Stop']);

    await stopWorker(ext);
    expect(await workerStatus(ext)).toBe('stopped');
    const fired = await Promise.all([
      sandbox.fire('assigned', { agent: ALICE, visitorName: 'While Stopped One' }),
      sandbox.fire('assigned', { agent: ALICE, visitorName: 'While Stopped Two' }),
    ]);
    expect(fired.every((r) => r.ok)).toBe(true); // the relay stored them
    await new Promise((r) => setTimeout(r, 1000));
    // Nothing woke it: no socket, no alarm yet (the alarm is every 30 s).
    expect(await workerStatus(ext)).toBe('stopped');

    // Wake it the way a person does: open the popup (it messages the worker).
    const popup = await PopupPage.open(ext);
    await popup.page.getByTestId('relay').filter({ hasText: 'connected' }).waitFor({ timeout: 15_000 });
    await expect
      .poll(titles, { timeout: 20_000 })
      .toEqual(['New chat: Before Stop', 'New chat: While Stopped One', 'New chat: While Stopped Two']);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await titles()).toEqual(['New chat: Before Stop', 'New chat: While Stopped One', 'New chat: While Stopped Two']);
    const state = await (await ext.worker()).evaluate(async () => (await chrome.storage.local.get('relay')).relay as { notified: string[] });
    expect(new Set(state.notified).size).toBe(state.notified.length);
  });
});
