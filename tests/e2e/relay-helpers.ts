// The vitest hooks around the shared relay + sandbox + extension setup (scripts/browser/relay-sandbox.ts).
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { launchExtension, type Launched } from '../../scripts/browser/fixtures';
import type { Sandbox } from '../../sandbox/server';
import { notifications, type RelayUnderTest, setUpConnected, startRelayAndSandbox } from '../../scripts/browser/relay-sandbox';

// The tests import these from here, beside the hooks.
export { notifications, RelayUnderTest, startRelayAndSandbox } from '../../scripts/browser/relay-sandbox';
export { WEBHOOK_TOKEN } from '../../scripts/relay-cli';

/**
 * Registers a test file's hooks: one relay and sandbox for the file, and for each test a fresh
 * extension set up and connected as `agent`. Read the fields inside tests (they are set by the hooks).
 */
export function connectedExtensionPerTest(agent: string): {
  readonly sandbox: Sandbox;
  readonly relay: RelayUnderTest;
  readonly ext: Launched;
} {
  const suite = {} as { sandbox: Sandbox; relay: RelayUnderTest; ext: Launched };
  beforeAll(async () => {
    Object.assign(suite, await startRelayAndSandbox());
  });
  afterAll(async () => {
    await suite.sandbox.close();
    await suite.relay.dispose();
  });
  beforeEach(async () => {
    suite.ext = await launchExtension();
    await setUpConnected(suite.ext, suite.sandbox, suite.relay, agent);
  });
  afterEach(async () => {
    await suite.ext.close();
  });
  return suite;
}

/** The titles of the notifications showing now, sorted. */
export const notificationTitles = async (launched: Launched): Promise<string[]> =>
  Object.values(await notifications(launched))
    .map((n) => n.title)
    .sort();

/** The phone system's webhook token both phone e2e files give the relay. */
export const PHONE_TOKEN = 'phone-token-for-e2e-0123456789abcdef';

/** The phone system telling the relay that an agent's call started or ended. */
export const postCall = (relay: RelayUnderTest, agent: string, state: 'started' | 'ended', callId: string) =>
  fetch(`${relay.relay.url}/phone/call-events`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${PHONE_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ agent, state, callId }),
  });

/** The bodies of the Agent Status API calls the sandbox received, in order. */
export const statusCalls = (sandbox: Sandbox) =>
  sandbox
    .requests()
    .filter((r) => r.method === 'POST' && r.path.endsWith('/agent/status'))
    .map((r) => r.body);
