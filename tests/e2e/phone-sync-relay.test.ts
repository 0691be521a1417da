// Phone calls in relay mode, end to end in real Chromium (docs/phone-sync.md, "Server to server"):
// the relay holds the account's API token and applies calls itself, so a call pauses the agent and
// its end puts them back online while the extension's worker is stopped. When the worker is back,
// the popup shows both changes with their source "phone call", each once, and the extension has not
// changed the status a second time. The extension is set up as an agent of a team is: one setup code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_API_PATH, EventsPage } from '@switchboard/protocol/events-api';
import { encodeSetupCode } from '@switchboard/protocol/setup-code';
import { createSandbox, type Sandbox } from '../../sandbox/server';
import { launchExtension, type Launched } from '../../scripts/browser/fixtures';
import { OptionsPage, PopupPage } from '../../scripts/browser/pages';
import { stopWorker, workerStatus } from '../../scripts/browser/stop-worker';
import { PHONE_TOKEN, postCall, RelayUnderTest, statusCalls, WEBHOOK_TOKEN } from './relay-helpers';

const ALICE = 'alice@example.com';

let sandbox: Sandbox;
let relay: RelayUnderTest;
let ext: Launched;

beforeAll(async () => {
  // The relay calls this SnapEngage with the account's token, so the sandbox comes first; its
  // webhooks (the status echo included) then go to the relay.
  sandbox = await createSandbox({ port: 0 });
  relay = new RelayUnderTest({
    snapengageApiToken: sandbox.apiToken,
    snapengageOrgId: sandbox.orgId,
    snapengageApiBase: sandbox.url,
    phoneWebhookToken: PHONE_TOKEN, // with relay mode: PHONE_CALL_SYNC auto → on
  });
  await relay.start();
  sandbox.configureWebhooks({
    conversationUrl: `${relay.relay.url}/snapengage/conversation-events`,
    statusUrl: `${relay.relay.url}/snapengage/agent-status`,
    token: WEBHOOK_TOKEN,
  });
  ext = await launchExtension();
});
afterAll(async () => {
  await ext?.close();
  await sandbox?.close();
  await relay?.dispose();
});

const call = (state: 'started' | 'ended', callId: string) => postCall(relay, ALICE, state, callId);
const sandboxStatus = () => {
  const s = sandbox.agentStatus(ALICE)!;
  return s.substatus ? `${s.status}: ${s.substatus}` : s.status;
};
/** Alice's stored events, as the relay replays them to her extension. */
const stored = async () => {
  const res = await fetch(`${relay.relay.url}${EVENTS_API_PATH}?after=0&limit=1000`, {
    headers: { Authorization: `Bearer ${relay.token(ALICE)}` },
  });
  return EventsPage.parse(await res.json()).events;
};
const metric = async (line: string) => {
  const text = await (await fetch(`${relay.relay.url}/metrics`)).text();
  return Number(
    text
      .split('\n')
      .find((l) => l.startsWith(`${line} `))
      ?.split(' ')[1] ?? 0,
  );
};

describe('phone calls applied by the relay (relay mode, real Chromium)', () => {
  it('a call pauses and resumes the agent with the worker stopped; back, the popup shows both changes from "phone call", once each', async () => {
    // Set up with the code IT would send; the relay knows the agent from its token.
    const options = await OptionsPage.open(ext);
    await options.page
      .getByLabel('Setup code')
      .fill(encodeSetupCode({ v: 1, relay: `ws://127.0.0.1:${relay.port}/ws`, token: relay.token(ALICE), agent: ALICE }));
    await options.page.getByRole('button', { name: 'Set up' }).click();
    await options.page
      .getByTestId('result-setup-code')
      .filter({ hasText: `connected to the relay as ${ALICE}` })
      .waitFor();
    await options.page.close();

    // The agent goes online from the popup: through the relay's POST /api/status.
    let popup = await PopupPage.open(ext);
    await popup.page.getByTestId('relay').filter({ hasText: 'connected' }).waitFor({ timeout: 15_000 });
    await popup.online();
    await popup.waitForDelivery('Confirmed by SnapEngage');
    await popup.page.close();
    expect(sandboxStatus()).toBe('online');

    // Nothing may wake the worker but the popup below: its alarms (the relay keep-alive's would,
    // within 30 s) are cleared; a worker start sets them again.
    await (await ext.worker()).evaluate(() => chrome.alarms.clearAll());
    await stopWorker(ext);

    expect((await call('started', 'pbx-1')).status).toBe(200);
    await expect.poll(sandboxStatus, { timeout: 15_000 }).toBe('pause: On a call');
    expect((await call('ended', 'pbx-1')).status).toBe(200);
    await expect.poll(sandboxStatus, { timeout: 15_000 }).toBe('online');
    // Done without the browser: the worker never ran meanwhile.
    expect(await workerStatus(ext)).toBe('stopped');
    expect(statusCalls(sandbox)).toEqual([
      { agentId: ALICE, status: 'online' },
      { agentId: ALICE, status: 'pause', substatus: 'On a call' },
      { agentId: ALICE, status: 'online' },
    ]);
    // Everything the extension will be told is stored: SnapEngage's echoes (once their webhooks are
    // answered) and the relay's two changes (stored once SnapEngage answered the relay).
    await sandbox.idle();
    const relayChanges = async () => (await stored()).filter((e) => e.kind === 'status_change').map((e) => e.data.status);
    await expect.poll(relayChanges, { timeout: 15_000 }).toEqual(['pause', 'online']);

    // Back: opening the popup wakes the worker, which catches up from the relay.
    popup = await PopupPage.open(ext);
    await popup.page.getByTestId('relay').filter({ hasText: 'connected' }).waitFor({ timeout: 15_000 });
    // Events are applied strictly in order, each status after the one before it: once a change an
    // admin makes in the Hub now is listed, everything the relay stored before it has been applied.
    // (A chat would not do: a batch's open chats are stored before its statuses are applied.)
    await sandbox.changeStatusInHub(ALICE, 'pause', 'Lunch');
    await popup.page.getByText('Today').click();
    const changes = popup.page.getByTestId('today-changes').locator('li');
    await changes.first().filter({ hasText: 'Paused: Lunch · changed in SnapEngage' }).waitFor({ timeout: 15_000 });
    const today = await changes.evaluateAll((items) =>
      items.map((li) => li.textContent!.replace(li.querySelector('time')?.textContent ?? '', '').trim()),
    );
    expect(today).toEqual([
      'Paused: Lunch · changed in SnapEngage',
      'Online · phone call',
      'Paused: On a call · phone call',
      'Online · popup',
    ]);

    // The extension did not act a second time: SnapEngage got no more changes, and the relay's
    // POST /api/status only the popup's.
    expect(statusCalls(sandbox)).toHaveLength(3);
    expect(await metric('relay_status_requests_total{outcome="confirmed"}')).toBe(1);
    expect(await metric('relay_call_sync_changes_total{status="pause",outcome="confirmed"}')).toBe(1);
    expect(await metric('relay_call_sync_changes_total{status="online",outcome="confirmed"}')).toBe(1);
    await popup.page.close();
  });
});
