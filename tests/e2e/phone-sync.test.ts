import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../sandbox/server';
import { badge, launchExtension, type Launched } from '../../scripts/browser/fixtures';
import { OptionsPage, PopupPage } from '../../scripts/browser/pages';
import { PHONE_TOKEN, postCall, RelayUnderTest, statusCalls, WEBHOOK_TOKEN } from './relay-helpers';

const ALICE = 'alice@example.com';

let sandbox: Sandbox;
let relay: RelayUnderTest;
let ext: Launched;
let phone: Server;
const phoneReceived: Array<{ agent: string; state: string; chatId: string }> = [];

beforeAll(async () => {
  // A test server plays the phone system: it records chat notices and acknowledges them.
  phone = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c;
    });
    req.on('end', () => {
      phoneReceived.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => phone.listen(0, '127.0.0.1', r));
  relay = new RelayUnderTest({
    phoneWebhookToken: PHONE_TOKEN,
    phoneSystemUrl: `http://127.0.0.1:${(phone.address() as AddressInfo).port}/notices`,
  });
  await relay.start();
  sandbox = await createSandbox({
    port: 0,
    webhook: {
      conversationUrl: `${relay.relay.url}/snapengage/conversation-events`,
      statusUrl: `${relay.relay.url}/snapengage/agent-status`,
      token: WEBHOOK_TOKEN,
    },
  });
  ext = await launchExtension();
  const options = await OptionsPage.open(ext);
  await options.fill({
    orgId: sandbox.orgId,
    apiToken: sandbox.apiToken,
    agentId: ALICE,
    apiBaseUrl: sandbox.url,
    relayUrl: relay.relay.url,
    relayToken: relay.token(ALICE),
  });
  expect(await options.save()).toMatch(/^Saved\./);
  const popup = await PopupPage.open(ext);
  await popup.page.getByTestId('relay').filter({ hasText: 'connected' }).waitFor({ timeout: 15_000 });
  await popup.online();
  await popup.waitForDelivery('Confirmed by SnapEngage');
  await popup.page.close();
});
afterAll(async () => {
  await ext.close();
  await sandbox.close();
  await relay.dispose();
  phone.close();
});

const call = (state: 'started' | 'ended', callId: string) => postCall(relay, ALICE, state, callId);

describe('phone ↔ chat sync end to end (real relay, sandbox as SnapEngage, a test server as the phone system)', () => {
  it('a call pauses the agent "On a call"; its end brings them back online', async () => {
    sandbox.clearRequests();
    expect((await call('started', 'pbx-1')).status).toBe(200);
    await expect
      .poll(() => statusCalls(sandbox), { timeout: 15_000 })
      .toEqual([{ agentId: ALICE, status: 'pause', substatus: 'On a call' }]);
    await expect.poll(async () => (await badge(ext)).text).toBe('II');
    expect((await call('ended', 'pbx-1')).status).toBe(200);
    await expect
      .poll(() => statusCalls(sandbox), { timeout: 15_000 })
      .toEqual([
        { agentId: ALICE, status: 'pause', substatus: 'On a call' },
        { agentId: ALICE, status: 'online' },
      ]);
  });

  it('a manual pause during a call is never overridden when the call ends', async () => {
    sandbox.clearRequests();
    await call('started', 'pbx-2');
    await expect.poll(() => statusCalls(sandbox), { timeout: 15_000 }).toHaveLength(1);
    const popup = await PopupPage.open(ext);
    await popup.pause('Lunch');
    await popup.waitForDelivery('Confirmed by SnapEngage');
    await call('ended', 'pbx-2');
    await new Promise((r) => setTimeout(r, 2000));
    expect(statusCalls(sandbox).at(-1)).toEqual({ agentId: ALICE, status: 'pause', substatus: 'Lunch' });
    expect(await popup.status()).toBe('Paused: Lunch');
    await popup.page.close();
  });

  it('a chat assigned and closed reaches the phone system as chat-started / chat-ended', async () => {
    const assigned = await sandbox.fire('assigned', { agent: ALICE, visitorName: 'Pat' });
    const chatId = (assigned.body as { conversation: { id: string } }).conversation.id;
    await expect
      .poll(() => phoneReceived.filter((n) => n.chatId === chatId).map((n) => `${n.agent}:${n.state}`), { timeout: 15_000 })
      .toEqual([`${ALICE}:chat-started`]);
    await sandbox.fire('closed', { agent: ALICE, conversationId: chatId });
    await expect
      .poll(() => phoneReceived.filter((n) => n.chatId === chatId).map((n) => n.state), { timeout: 15_000 })
      .toEqual(['chat-started', 'chat-ended']);
  });
});
