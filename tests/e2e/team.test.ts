// A team's rollout end to end, in real Chromium: IT runs the relay in relay mode (the real CLI,
// configured by its environment: the account's API token in SNAPENGAGE_API_TOKEN_FILE, the org id,
// SnapEngage = the sandbox, and SNAPENGAGE_STATUS_REQUEST because this SnapEngage expects other
// names than the inferred ones), prints the team's setup codes with `token --csv`, and each agent
// pastes theirs into their own browser. No API token and no org id ever reach a browser.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatusRequestOverride } from '@switchboard/protocol/agent-status-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationEvent } from '../../sandbox/payloads';
import { createSandbox, type Sandbox } from '../../sandbox/server';
import { deliverWebhook } from '../../sandbox/webhook-sender';
import { launchExtension, type Launched } from '../../scripts/browser/fixtures';
import { RelayProcess, relayModeEnv, WEBHOOK_TOKEN } from '../../scripts/relay-cli';
import { PopupPage } from '../../scripts/browser/pages';
import { notifications, setUpWithCode } from '../../scripts/browser/relay-sandbox';

const TEAM = ['alice@example.com', 'bob@example.com', 'carol@example.com'] as const;
type Agent = (typeof TEAM)[number];
const [ALICE, BOB] = TEAM;
/** What this SnapEngage takes instead of the inferred request (the sandbox refuses the inferred one). */
const STATUS_REQUEST: StatusRequestOverride = {
  path: '/v3/{orgId}/presence',
  agentField: 'email',
  statusField: 'state',
  substatusField: 'reason',
  auth: 'bearer',
};
const HOSTILE_LINK = 'https://snapengage.evil.example/login';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-team-e2e-'));
let sandbox: Sandbox;
let relay: RelayProcess;
const browsers = {} as Record<Agent, Launched>;
let csv = '';

beforeAll(async () => {
  sandbox = await createSandbox({ port: 0, agents: TEAM, statusRequest: STATUS_REQUEST });
  relay = await RelayProcess.start({ ...relayModeEnv(sandbox, dir), SNAPENGAGE_STATUS_REQUEST: JSON.stringify(STATUS_REQUEST) });
  sandbox.configureWebhooks({
    conversationUrl: `${relay.url}/snapengage/conversation-events`,
    statusUrl: `${relay.url}/snapengage/agent-status`,
    token: WEBHOOK_TOKEN,
  });
  writeFileSync(join(dir, 'team.csv'), `name,email\nAlice,${ALICE}\nBob,${BOB}\nCarol,${TEAM[2]}\n`);
  csv = relay.cli(['token', '--csv', join(dir, 'team.csv')]).stdout;
  const codes = new Map(
    csv
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',') as [string, string]),
  );
  // One browser profile per agent, each set up with its own code only; open side by side.
  for (const agent of TEAM) {
    browsers[agent] = await launchExtension();
    expect(await setUpWithCode(browsers[agent], codes.get(agent)!)).toBe(`Set up: connected to the relay as ${agent}`);
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(Object.values(browsers).map((b) => b.close()));
  await relay?.stop();
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Everything the extension keeps, in every storage area it can use, as one string. */
async function allStorage(launched: Launched): Promise<string> {
  const worker = await launched.worker();
  return worker.evaluate(async () =>
    JSON.stringify([await chrome.storage.local.get(null), await chrome.storage.session.get(null), await chrome.storage.sync.get(null)]),
  );
}

const statusRequests = () => sandbox.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/presence'));

describe('a team in relay mode (real Chromium, the relay CLI, the sandbox as SnapEngage)', () => {
  it('token --csv prints one code per agent of the team file, and nothing else', () => {
    expect(csv.split('\n')[0]).toBe('email,code');
    expect(csv.trim().split('\n')).toHaveLength(TEAM.length + 1);
    expect(csv).not.toContain(sandbox.apiToken);
  });

  it("a pause in Alice's popup reaches SnapEngage through the relay, in the relay's SNAPENGAGE_STATUS_REQUEST shape; no API token or org id anywhere in her extension", async () => {
    sandbox.clearRequests();
    const popup = await PopupPage.open(browsers[ALICE]);
    await popup.pause('Meeting');
    await popup.waitForDelivery('Confirmed by SnapEngage');
    expect(await popup.status()).toBe('Paused: Meeting');
    // Made by the relay: it holds the account's token (sent as Bearer, as configured); the extension has none.
    expect(statusRequests().map((r) => ({ path: r.path, body: r.body, auth: r.headers.authorization }))).toEqual([
      {
        path: `/v3/${sandbox.orgId}/presence`,
        body: { email: ALICE, state: 'pause', reason: 'Meeting' },
        auth: `Bearer ${sandbox.apiToken}`,
      },
    ]);
    expect(sandbox.agentStatus(ALICE)).toMatchObject({ status: 'pause', substatus: 'Meeting' });
    expect(sandbox.agentStatus(BOB)).toMatchObject({ status: 'offline' });
    await popup.page.close();

    for (const agent of TEAM) {
      const stored = await allStorage(browsers[agent]);
      expect(stored, agent).toContain(agent); // read for real: the agent's own settings are in it
      expect(stored, agent).not.toContain(sandbox.apiToken);
      expect(stored, agent).not.toContain(sandbox.orgId);
    }
  });

  it('webhooks for each of the three: each browser shows its own agent’s chats only', async () => {
    const visitor = (agent: Agent) => `Visitor of ${agent.split('@')[0]}`;
    for (const agent of TEAM) {
      expect((await sandbox.fire('assigned', { agent, visitorName: visitor(agent), question: 'Hello?' })).ok).toBe(true);
    }
    for (const agent of TEAM) {
      const popup = await PopupPage.open(browsers[agent]);
      const chats = popup.page.getByTestId('open-chats');
      await chats.filter({ hasText: visitor(agent) }).waitFor({ timeout: 15_000 });
      const titles = async () => Object.values(await notifications(browsers[agent])).map((n) => n.title);
      await expect.poll(titles, { timeout: 15_000 }).toContain(`New chat: ${visitor(agent)}`);
      for (const other of TEAM.filter((a) => a !== agent)) {
        expect(await chats.innerText(), agent).not.toContain(visitor(other));
        expect(await titles(), agent).not.toContain(`New chat: ${visitor(other)}`);
      }
      await popup.page.close();
    }
  });

  it(`a webhook whose chat link is ${HOSTILE_LINK}: the popup's link and the notification's Open chat go to SnapEngage's page for that chat`, async () => {
    const bob = browsers[BOB];
    const conversationId = `hostile-${Date.now()}`;
    const viewCase = `https://www.snapengage.com/viewcase?c=${conversationId}`;
    // Every tab the extension opens is caught here (no internet): SnapEngage's page is stood in for,
    // the hostile host is recorded and never reached.
    const opened: string[] = [];
    await bob.context.route('https://www.snapengage.com/**', (route) => {
      opened.push(route.request().url());
      return route.fulfill({ contentType: 'text/html', body: '<title>SnapEngage</title>' });
    });
    await bob.context.route('https://snapengage.evil.example/**', (route) => {
      opened.push(route.request().url());
      return route.abort();
    });
    // Sent as SnapEngage sends a webhook, by someone holding the webhook token.
    const body = conversationEvent('assigned', { agent: BOB, conversationId, visitorName: 'Mallory' });
    body.conversation.url = HOSTILE_LINK;
    const delivered = await deliverWebhook(`${relay.url}/snapengage/conversation-events`, body, { token: WEBHOOK_TOKEN, maxAttempts: 1 });
    expect(delivered.ok).toBe(true);

    const popup = await PopupPage.open(bob);
    const link = popup.page.getByTestId('open-chats').getByRole('link', { name: 'Mallory' });
    await link.waitFor({ timeout: 15_000 });
    expect(await link.getAttribute('href')).toBe(viewCase);
    const [tab] = await Promise.all([bob.context.waitForEvent('page'), link.click()]);
    await tab.waitForURL(viewCase);
    await tab.close();

    const notice = async () => Object.entries(await notifications(bob)).find(([, n]) => n.title === 'New chat: Mallory')?.[0];
    await expect.poll(notice, { timeout: 15_000 }).toBeDefined();
    const id = (await notice())!;
    // The button's click, dispatched in the worker as Chromium dispatches it.
    const worker = await bob.worker();
    const [fromButton] = await Promise.all([
      bob.context.waitForEvent('page'),
      worker.evaluate(
        (noticeId) =>
          (chrome.notifications.onButtonClicked as unknown as { dispatch: (id: string, button: number) => void }).dispatch(noticeId, 0),
        id,
      ),
    ]);
    await fromButton.waitForURL(viewCase);
    expect(opened).toEqual([viewCase, viewCase]);
    await popup.page.close();
  });
});
