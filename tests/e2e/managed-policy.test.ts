// A team's policy in real Chromium, from a real policy file: written to Chromium's mandatory policy
// directory (3rdparty.extensions.<the test build's stable id>, as docs/rollout.md tells IT) before
// the browser starts, removed afterwards (also when a test fails). Chromium hands it to the
// extension's storage.managed; the options page shows those values locked, and the worker uses them.
// Needs root to write /etc/chromium: elsewhere each test is skipped, saying so.
import type { StatusRequestOverride } from '@switchboard/protocol/agent-status-request';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { TEST_EXTENSION_ID } from '../../extension-key';
import { createSandbox, type Sandbox } from '../../sandbox/server';
import { EXTENSION_DIR, launchExtension, type Launched } from '../../scripts/browser/fixtures';
import { RelayProcess, relayModeEnv } from '../../scripts/relay-cli';
import { OptionsPage, PopupPage } from '../../scripts/browser/pages';
import { writeChromiumPolicy, type WrittenPolicy } from '../../scripts/browser/policy';
import { setUpWithCode } from '../../scripts/browser/relay-sandbox';

const ALICE = 'alice@example.com';
const POLICY_FILE_NAME = 'switchboard-e2e.json';
/** What the second SnapEngage takes instead of the inferred request. */
const STATUS_REQUEST: StatusRequestOverride = { path: '/v3/{orgId}/presence', agentField: 'email', statusField: 'state', auth: 'bearer' };

const dir = mkdtempSync(join(tmpdir(), 'switchboard-policy-e2e-'));
let snapengage: Sandbox;
let otherNames: Sandbox;
let relay: RelayProcess;
const written: WrittenPolicy[] = [];

beforeAll(async () => {
  snapengage = await createSandbox({ port: 0 });
  otherNames = await createSandbox({ port: 0, statusRequest: STATUS_REQUEST });
  relay = await RelayProcess.start(relayModeEnv(snapengage, dir));
});
afterAll(async () => {
  // Whatever happened, no policy is left behind for the next browser on this machine.
  for (const policy of written) policy.remove();
  await relay?.stop();
  await snapengage?.close();
  await otherNames?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `policy` as IT would, starts Chromium with it, runs `use`, then closes Chromium and removes the file. */
async function underPolicy(ctx: TestContext, policy: object, use: (ext: Launched) => Promise<void>): Promise<void> {
  const file = writeChromiumPolicy(POLICY_FILE_NAME, policy, EXTENSION_DIR);
  written.push(file);
  let ext: Launched | undefined;
  try {
    if ('skipped' in file.written) {
      const why = `${file.written.skipped}: a real policy file needs root; the managed policy is not tested here`;
      // Said where the person running the tests reads it: a skip's note is not shown by every reporter.
      process.stderr.write(`⚠ ${ctx.task.name}: skipped, ${why}\n`);
      ctx.skip(why);
    }
    // The build for the end-to-end tests has the stable id (extension-key.ts) that IT's policy names.
    expect(file.written.id).toBe(TEST_EXTENSION_ID);
    ext = await launchExtension();
    expect(ext.extensionId).toBe(TEST_EXTENSION_ID);
    await use(ext);
  } finally {
    await ext?.close();
    file.remove();
  }
}

/** The field shows "Set by your organization" (once Chromium has handed the policy over: seconds). */
async function expectLocked(page: Page, field: string): Promise<void> {
  const locked = page.getByTestId(`locked-${field}`);
  await locked.waitFor({ timeout: 15_000 });
  expect(await locked.textContent(), field).toBe('Set by your organization');
}

describe('a team policy from a real policy file (real Chromium)', () => {
  it('relay mode, the relay, pause reasons: shown locked, not editable; the setup code is all the agent types; the worker uses them', async (ctx) => {
    const policy = {
      mode: 'relay',
      relayUrl: relay.wsUrl,
      substatuses: ['Lunch', 'Coaching', 'Training'],
      quickPauseSubstatus: 'Coaching',
      // Valid for Chromium's schema (a string) but not for Switchboard: left out, and said so.
      apiBaseUrl: 'http://snapengage.evil.example',
    };
    await underPolicy(ctx, policy, async (ext) => {
      const options = await OptionsPage.open(ext);
      const page = options.page;
      for (const field of ['mode', 'relayUrl', 'substatuses', 'quickPauseSubstatus']) {
        await expectLocked(page, field);
      }
      expect(await page.getByLabel('Relay URL').inputValue()).toBe(relay.wsUrl);
      expect(await page.getByLabel('Relay URL').isEditable()).toBe(false);
      expect(await page.getByRole('radio', { name: /^Direct/ }).isDisabled()).toBe(true);
      expect(await page.getByLabel('Quick-pause reason').isDisabled()).toBe(true);
      expect(await page.getByRole('button', { name: 'Add a reason' }).count()).toBe(0);
      expect(await page.getByTestId('reason-list').innerText()).toBe('Lunch\nCoaching\nTraining');
      // Relay mode: the agent is never asked for the account's org id or API token.
      expect(await page.getByLabel('Org id').count()).toBe(0);
      expect(await page.getByLabel('API token').count()).toBe(0);
      expect(await page.getByTestId('policy-problems').innerText()).toMatch(
        /left out: apiBaseUrl: API base URL must start with https:\/\//,
      );
      await page.close();

      const code = relay.cli(['token', '--setup-code', ALICE]).stdout.trim();
      // setUpWithCode waits until the popup says the relay (the policy's) is connected.
      expect(await setUpWithCode(ext, code)).toBe(`Set up: connected to the relay as ${ALICE}`);

      const popup = await PopupPage.open(ext);
      const reasons = await popup.page.getByRole('radio').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
      expect(reasons).toEqual(['Lunch', 'Coaching', 'Training']);
      expect(await popup.page.getByRole('radio', { name: 'Coaching' }).isChecked()).toBe(true);
      snapengage.clearRequests();
      await popup.pause('Training');
      await popup.waitForDelivery('Confirmed by SnapEngage');
      // Through the relay (the only holder of the token), which sets the code's agent.
      expect(
        snapengage
          .requests()
          .filter((r) => r.method === 'POST')
          .map((r) => ({ body: r.body, auth: r.headers.authorization })),
      ).toEqual([{ body: { agentId: ALICE, status: 'pause', substatus: 'Training' }, auth: snapengage.apiToken }]);
    });
  });

  it('direct mode with the org id, the API base and the Agent Status request override: locked; the status reaches a SnapEngage expecting those names', async (ctx) => {
    const policy = { mode: 'direct', orgId: otherNames.orgId, apiBaseUrl: otherNames.url, statusRequest: STATUS_REQUEST };
    await underPolicy(ctx, policy, async (ext) => {
      const options = await OptionsPage.open(ext);
      const page = options.page;
      for (const field of ['mode', 'orgId', 'apiBaseUrl', 'statusRequest']) {
        await expectLocked(page, field);
      }
      expect(await page.getByLabel('Org id').inputValue()).toBe(otherNames.orgId);
      expect(await page.getByLabel('API base URL').isEditable()).toBe(false);
      const path = page.getByLabel('Path template, with {orgId}');
      expect(await path.inputValue()).toBe(STATUS_REQUEST.path);
      expect(await path.isEditable()).toBe(false);
      // What the agent types in direct mode: the token and their email; the policy set the rest.
      await page.getByLabel('API token').fill(otherNames.apiToken);
      await page.getByLabel('Your SnapEngage email').fill(ALICE);
      expect(await options.save()).toMatch(/^Saved\./);
      await page.close();

      const popup = await PopupPage.open(ext);
      await popup.pause('Lunch');
      await popup.waitForDelivery('Confirmed by SnapEngage');
      expect(
        otherNames
          .requests()
          .filter((r) => r.method === 'POST')
          .map((r) => ({ path: r.path, body: r.body, auth: r.headers.authorization })),
      ).toEqual([
        {
          path: `/v3/${otherNames.orgId}/presence`,
          body: { email: ALICE, state: 'pause', substatus: 'Lunch' },
          auth: `Bearer ${otherNames.apiToken}`,
        },
      ]);
      expect(otherNames.agentStatus(ALICE)).toMatchObject({ status: 'pause', substatus: 'Lunch' });
    });
  });
});
