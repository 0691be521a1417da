import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../sandbox/server';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXTENSION_DIR, launchExtension, type Launched } from '../../scripts/browser/fixtures';
import { OptionsPage, PopupPage } from '../../scripts/browser/pages';
import { RelayUnderTest } from './relay-helpers';

let sandbox: Sandbox;
let relay: RelayUnderTest;
let ext: Launched;

beforeAll(async () => {
  sandbox = await createSandbox({ port: 0 });
  relay = new RelayUnderTest();
  await relay.start();
  ext = await launchExtension();
});
afterAll(async () => {
  await ext.close();
  await sandbox.close();
  await relay.dispose();
});

describe('least permissions', () => {
  it('asks for no host access at install, never <all_urls>; hosts are requested when saved', async () => {
    const manifest = JSON.parse(readFileSync(join(EXTENSION_DIR, 'manifest.json'), 'utf8'));
    expect(manifest.host_permissions ?? []).toEqual([]);
    expect(JSON.stringify(manifest)).not.toContain('<all_urls>');
    expect(manifest.permissions.sort()).toEqual(['alarms', 'idle', 'notifications', 'storage']);
    const granted = await (await ext.worker()).evaluate(() => chrome.permissions.getAll());
    expect(granted.origins ?? []).toEqual([]);
  });
});

describe('the options page, as a person uses it', () => {
  it('says what is wrong with each field, beside it, and saves nothing', async () => {
    const options = await OptionsPage.open(ext);
    await options.fill({ orgId: 'my org', apiToken: 'x', agentId: 'alice', apiBaseUrl: 'snapengage.com' });
    await options.page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => options.page.getByTestId('error-orgId').innerText()).toMatch(/long number/);
    expect(await options.page.getByTestId('error-apiToken').innerText()).toMatch(/too short/);
    expect(await options.page.getByTestId('error-agentId').innerText()).toMatch(/email/);
    expect(await options.page.getByTestId('error-apiBaseUrl').innerText()).toMatch(/http/);
    const stored = await (await ext.worker()).evaluate(async () => (await chrome.storage.local.get('settings')).settings);
    expect(stored).toBeUndefined();
    await options.page.close();
  });

  it('Test connection names a rejected token', async () => {
    const options = await OptionsPage.open(ext);
    await options.fill({ orgId: sandbox.orgId, apiToken: 'wrong-token-123', agentId: 'alice@example.com', apiBaseUrl: sandbox.url });
    expect(await options.testConnection()).toBe('SnapEngage rejected the API token');
    await options.page.close();
  });

  it('a relay token the relay refuses is reported, by actually connecting', async () => {
    const options = await OptionsPage.open(ext);
    await options.fill({
      orgId: sandbox.orgId,
      apiToken: sandbox.apiToken,
      agentId: 'alice@example.com',
      apiBaseUrl: sandbox.url,
      relayUrl: relay.relay.wsUrl,
      relayToken: 'sb1.forged.token',
    });
    expect(await options.save()).toMatch(/relay refused the token/);
    await options.page.getByLabel('Relay URL').fill('ws://127.0.0.1:9');
    await options.page.getByLabel('Relay token').fill(relay.token('alice@example.com'));
    expect(await options.save()).toMatch(/Could not reach the relay/);
    await options.page.close();
  });

  it('pause reasons: add, rename, reorder, remove — the popup follows, usable from the keyboard alone', async () => {
    const options = await OptionsPage.open(ext);
    await options.fill({ orgId: sandbox.orgId, apiToken: sandbox.apiToken, agentId: 'alice@example.com', apiBaseUrl: sandbox.url });
    const p = options.page;
    await p.getByRole('button', { name: 'Add a reason' }).click();
    await p.getByLabel('Pause reason 5').fill('Training');
    await p.getByLabel('Pause reason 2').fill('Coffee'); // Break -> Coffee
    await p.getByRole('button', { name: 'Move Training up' }).click();
    await p.getByRole('button', { name: 'Remove Meeting' }).click();
    await p.getByLabel('Quick-pause reason').selectOption('Training');
    expect(await options.save()).toMatch(/^Saved\./);

    const popup = await PopupPage.open(ext);
    const reasons = await popup.page.getByRole('radio').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    expect(reasons).toEqual(['Lunch', 'Coffee', 'Training', 'On a call']);
    // Keyboard only: Tab to the Pause button (the quick-pause reason is preselected), press Enter.
    for (let i = 0; i < 10 && !(await popup.page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'go-pause')); i++) {
      await popup.page.keyboard.press('Tab');
    }
    await popup.page.keyboard.press('Enter');
    await popup.waitForDelivery('Confirmed by SnapEngage');
    expect(await popup.status()).toBe('Paused: Training');
  });
});
