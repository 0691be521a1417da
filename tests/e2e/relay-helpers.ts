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
