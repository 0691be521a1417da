// The SnapEngage side of an end-to-end run: a real relay (in-process, real SQLite file, real
// websockets), the sandbox sending SnapEngage's webhooks to it, and the extension set up against
// both as a person would. The end-to-end tests (tests/e2e/relay-helpers.ts adds their vitest hooks)
// and `npm run screenshots` start them the same way.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRelay, type Relay, type RelayOptions } from 'switchboard-relay/relay';
import { issueRelayToken } from 'switchboard-relay/auth';
import { createSandbox, type Sandbox } from '../../sandbox/server';
import type { Launched } from './fixtures';
import { OptionsPage, PopupPage } from './pages';
import { E2E_RELAY_SECRET as RELAY_SECRET, WEBHOOK_TOKEN } from '../relay-cli';

export class RelayUnderTest {
  private readonly dir = mkdtempSync(join(tmpdir(), 'switchboard-relay-e2e-'));
  relay!: Relay;
  port = 0;

  get dbPath() {
    return join(this.dir, 'relay.db');
  }

  constructor(private readonly extra: Partial<RelayOptions> = {}) {}

  async start(port = this.port): Promise<Relay> {
    this.relay = await createRelay({
      port,
      host: '127.0.0.1',
      dbPath: this.dbPath,
      secret: RELAY_SECRET,
      webhookToken: WEBHOOK_TOKEN,
      logLevel: 'silent',
      ...this.extra,
    });
    this.port = this.relay.port;
    return this.relay;
  }

  async stop() {
    await this.relay.close();
  }

  // biome-ignore lint/style/useThisInClassMethods: part of this helper's interface (tests call relay.token(agent) beside relay.url)
  token(agent: string) {
    return issueRelayToken(RELAY_SECRET, agent).token;
  }

  async dispose() {
    await this.relay?.close().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function notifications(
  launched: Launched,
): Promise<Record<string, { title: string; message: string; contextMessage?: string }>> {
  const w = await launched.worker();
  // chrome.notifications.getAll only returns ids; the extension keeps what it showed in storage for us to read.
  return w.evaluate(async () => {
    const ids = Object.keys(await chrome.notifications.getAll());
    const shown = ((await chrome.storage.session.get('shown-notifications'))['shown-notifications'] ?? {}) as Record<
      string,
      { title: string; message: string }
    >;
    return Object.fromEntries(ids.map((id) => [id, shown[id] ?? { title: '?', message: '?' }]));
  });
}

/** A real relay, and the sandbox sending SnapEngage's webhooks to it. */
export async function startRelayAndSandbox(extra: Partial<RelayOptions> = {}): Promise<{ relay: RelayUnderTest; sandbox: Sandbox }> {
  const relay = new RelayUnderTest(extra);
  await relay.start();
  const sandbox = await createSandbox({
    port: 0,
    webhook: {
      conversationUrl: `${relay.relay.url}/snapengage/conversation-events`,
      statusUrl: `${relay.relay.url}/snapengage/agent-status`,
      token: WEBHOOK_TOKEN,
    },
  });
  return { relay, sandbox };
}

/** Fills the options as a person would (SnapEngage = the sandbox, plus the relay) and waits until the popup says the relay is connected. */
export async function setUpConnected(launched: Launched, sandbox: Sandbox, relay: RelayUnderTest, agent: string): Promise<void> {
  const options = await OptionsPage.open(launched);
  await options.fill({
    orgId: sandbox.orgId,
    apiToken: sandbox.apiToken,
    agentId: agent,
    apiBaseUrl: sandbox.url,
    relayUrl: `ws://127.0.0.1:${relay.port}`,
    relayToken: relay.token(agent),
  });
  const saved = await options.save();
  if (!saved.startsWith('Saved.')) throw new Error(`options not saved: ${saved}`);
  await options.page.close();
  const popup = await PopupPage.open(launched);
  await popup.page.getByTestId('relay').filter({ hasText: 'connected' }).waitFor({ timeout: 15_000 });
  await popup.page.close();
}

/**
 * Sets the extension up as an agent of a team does: the setup code IT sent pasted once into the
 * options page (the first thing on it), then waits until the popup says the relay is connected.
 * Returns what the page answered.
 */
export async function setUpWithCode(launched: Launched, code: string): Promise<string> {
  const options = await OptionsPage.open(launched);
  const answer = await options.pasteSetupCode(code);
  await options.page.close();
  if (!answer.startsWith('Set up: connected to the relay as')) throw new Error(`setup code not taken: ${answer}`);
  const popup = await PopupPage.open(launched);
  await popup.page.getByTestId('relay').filter({ hasText: 'connected' }).waitFor({ timeout: 15_000 });
  await popup.page.close();
  return answer;
}
